"""docs/compatibility.md: every Splunk Eventgen 7.2 setting and Eventum 2.x parameter, marked supported, refused with
a reason, not applicable, or accepted but not applied; counts at the top.

Nothing here says by hand that a setting is supported. A Splunk setting is supported when a Setting declares it
(the core's or a plugin's: the table `resolve` loads confs with); an Eventum parameter when the project schema
(`conf.eventum`) takes it and the translation (`conf.eventum_map`) turns it into eventgen settings without noting
that it has no effect, which is found by translating a probe project with every parameter of each plugin set.
What is refused or does not apply is declared once, with its reason, in `tools.peer_settings`. A peer setting
found in neither is an error: the table cannot silently miss one.

`python -m eventgen.tools.compat` rewrites the page; tests/unit/test_compat_table.py fails when it is stale.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventgen.conf import eventum
from eventgen.conf.eventum_map import Translation
from eventgen.core.errors import ConfigError
from eventgen.resolve.plugins import all_groups
from eventgen.tools.peer_settings import (
    EVENTUM_DECLARED,
    EVENTUM_PARAMS,
    SPLUNK_DECLARED,
    SPLUNK_SPEC,
    Status,
    Verdict,
)

ROOT = Path(__file__).resolve().parents[2]
TARGET = "docs/compatibility.md"
SPLUNK = "Splunk Eventgen 7.2"
EVENTUM = "Eventum 2.x"


class Undeclared(LookupError):
    """A peer setting that no Setting, schema entry or declaration accounts for."""


@dataclass(frozen=True)
class Row:
    peer: str
    section: str
    name: str
    verdict: Verdict


def splunk_rows() -> list[Row]:
    owners = {s.name: group.title for group in all_groups(builtin_only=True) for s in group.settings}
    rows = []
    for section, names in SPLUNK_SPEC.items():
        for name in names:
            if name in owners:
                verdict = Verdict(Status.SUPPORTED, f"`{name}` ({owners[name]})")
            elif name in SPLUNK_DECLARED:
                verdict = SPLUNK_DECLARED[name]
            else:
                raise Undeclared(f"{SPLUNK} {name}: no Setting declares it and conf/splunk_spec.py does not say why")
            rows.append(Row(SPLUNK, section, name, verdict))
    return rows


def _schema(section: str) -> dict[str, Any] | None:
    """The schema eventgen reads a section's parameters with, None for files it does not read."""
    kind, _, name = section.partition(" ")
    if section == "event template: templates[]":
        return eventum.TEMPLATE_ITEM
    if section == "event template: samples":
        return eventum.SAMPLE_ITEM
    if section == "formatter":
        return eventum.FORMATTER
    tables: dict[str, dict[str, dict[str, Any]]] = {"input": eventum.INPUTS, "event": eventum.EVENTS}
    if kind == "output" and name in eventum.OUTPUTS:
        return {**eventum.OUTPUTS[name], "formatter": None}  # every output takes a formatter
    return tables.get(kind, {}).get(name)


def eventum_rows() -> list[Row]:
    rows = []
    for section, names in EVENTUM_PARAMS.items():
        schema = _schema(section)
        probed = schema is not None and (section in PROBED or section.startswith("output "))
        notes = not_applied(section, schema) if probed else {}
        for name in names:
            if schema is not None and name in schema:
                note = notes.get(name)
                verdict = Verdict(Status.NOT_APPLIED, note) if note else Verdict(Status.SUPPORTED, "")
            elif (section, name) in EVENTUM_DECLARED:
                verdict = EVENTUM_DECLARED[(section, name)]
            else:
                raise Undeclared(f"{EVENTUM} {section} {name}: the schema does not take it and no reason is declared")
            rows.append(Row(EVENTUM, section, name, verdict))
    return rows


# -- the probe: an output with every parameter its schema takes, translated; what it notes is not applied ----------

_BY_NAME: dict[str, Any] = {
    "url": "http://127.0.0.1:8088/probe", "hosts": ["http://127.0.0.1:9200"], "bootstrap_servers": ["127.0.0.1:9092"],
    "host": "127.0.0.1", "port": 8123, "write_mode": "append", "stream": "stdout", "protocol": "http",
    "method": "POST", "acks": 1, "ssl": True, "separator": "|", "encoding": "utf-8", "compression_type": "gzip",
    "security_protocol": "PLAINTEXT", "sasl_mechanism": "PLAIN", "max_request_size": 1048576,
    "max_batch_size": 16384, "linger_ms": 5, "file_mode": 600, "success_code": 201, "input_format": "JSONEachRow",
    "dsn": "http://127.0.0.1:8123/default", "tls_mode": "strict", "pool_maxsize": 8, "formatter": {"format": "plain"},
    "timestamp_pattern": r"(?P<timestamp>\w+)", "timestamp_format": "%s", "chunk_size": 1024, "repeat": True,
}  # fmt: skip
PROBED = ("event replay",)  # besides the outputs: the sections whose translation notes what it does not apply
_BY_KIND: dict[str, Any] = {"str": "probe", "int": 1, "num": 1.5, "bool": True, "list": ["probe"],
                            "map": {"probe": "1"}, "time": "now", "any": "probe"}  # fmt: skip
_FILES = ("path", "ca_cert", "client_cert", "client_cert_key", "ssl_cafile", "ssl_certfile", "ssl_keyfile")


def not_applied(section: str, schema: dict[str, Any] | None) -> dict[str, str]:
    """{parameter: the translation's note} for the parameters of an output (or the replay event) that the
    translation takes but notes as having no effect; an error when the probe project itself is refused (the probe
    values need updating)."""
    kind, _, plugin = section.partition(" ")
    schema = schema or {}
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        (base / "events.log").write_text("probe\n", encoding="utf-8")
        (base / "probe.pem").write_text("", encoding="utf-8")
        body: dict[str, Any] = {}
        for name, spec in schema.items():
            if name in _FILES:
                body[name] = str(base / ("out.log" if name == "path" else "probe.pem"))
            else:
                body[name] = _BY_NAME.get(name, _BY_KIND[spec[0]] if spec else None)
        if kind == "event":
            body["path"] = str(base / "events.log")
        replay = body if kind == "event" else {"path": str(base / "events.log")}
        project = {
            "input": [("static", {"count": 1})],
            "event": ("replay", replay),
            "output": [(plugin, body) if kind == "output" else ("stdout", {})],
        }
        try:
            translation = Translation(base / "generator.yml", project)
        except ConfigError as exc:
            raise RuntimeError(f"the probe of {section} is refused ({exc}): update _BY_NAME") from None
    prefix = f"output[0].{plugin}." if kind == "output" else f"event.{plugin}."
    notes = {}
    for note in translation.notes:
        if note.startswith(prefix):
            name, _, text = note[len(prefix) :].partition(": ")
            notes[name] = text.replace(repr(body.get(name)) + ": ", "")
    return notes


# -- the page ------------------------------------------------------------------------------------------------------

_ORDER = (Status.SUPPORTED, Status.REFUSED, Status.NOT_APPLICABLE, Status.NOT_APPLIED)


def _counts(rows: list[Row]) -> str:
    counts = Counter(row.verdict.status for row in rows)
    parts = [f"{counts[status]} {status.value}" for status in _ORDER if counts[status]]
    return f"{len(rows)} settings: " + ", ".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def page() -> str:
    splunk, eventum_ = splunk_rows(), eventum_rows()
    lines = [
        "# Compatibility with Splunk Eventgen and Eventum",
        "",
        "Generated by `python -m eventgen.tools.compat` from the settings eventgen declares, the Eventum schema and",
        "mapping it reads projects with, and the reasons declared in `eventgen/conf/splunk_spec.py` (Splunk; the",
        "loader warns or refuses with the same words) and `eventgen/tools/peer_settings.py` (Eventum); do not edit",
        "by hand. *Supported* means a conf or project that sets it runs with it applied; *refused* settings stop a",
        "run (or are warned about) with the reason below; *not applicable* ones belong to a part of the peer",
        "eventgen has no counterpart for; *accepted, not applied* ones are read and noted at load as having no",
        "effect.",
        "",
        f"- **{SPLUNK}** `eventgen.conf.spec`: {_counts(splunk)}.",
        f"- **{EVENTUM}** projects (`generator.yml`), `eventum.yml` and `startup.yml`: {_counts(eventum_)}.",
        "",
        "Splunk Eventgen's `pytest-splunk-addon-data.conf` dialect is described in",
        "[pytest-splunk-addon.md](pytest-splunk-addon.md); every setting is in [configuration.md](configuration.md).",
        "",
    ]
    for peer, rows in ((SPLUNK, splunk), (EVENTUM, eventum_)):
        lines += [f"## {peer}", "", "| section | setting | status | how, or why not |", "|---|---|---|---|"]
        for row in rows:
            verdict = row.verdict
            lines.append(f"| {row.section} | `{row.name}` | {verdict.status.value} | {_cell(verdict.reason)} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = ROOT / TARGET
    text = page()
    if "--check" in args:
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            print(f"stale: {TARGET} (run python -m eventgen.tools.compat)", file=sys.stderr)
            return 1
        return 0
    path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
