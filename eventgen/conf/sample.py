"""Sample: one generated stream — its settings, tokens and the events of its file."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from functools import cached_property
from pathlib import Path
from typing import Any

from eventgen.conf.regex_bound import LIMIT, RegexTimeout, split_bounded
from eventgen.core.errors import ConfigError
from eventgen.core.settings import SettingError, Settings
from eventgen.core.timeutil import parse_timezone
from eventgen.core.tokens import TokenSpec

DEFAULT_BREAKER = r"[^\r\n\s]+"
META_FIELDS = ("host", "source", "sourcetype", "index")


@dataclass
class SampleData:
    """A sample file read into events: texts plus per-event metadata for CSV samples."""

    texts: list[str]
    columns: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Sample:
    """A sample's flattened settings and tokens. Reading its file is deferred to `data`."""

    name: str
    stanza: str
    settings: Settings
    tokens: list[TokenSpec]
    conf_path: Path
    path: Path | None = None
    sample_dirs: tuple[Path, ...] = ()
    app: str = ""
    schedules: tuple[Sample, ...] = ()  # a `scheduleGroup`: the samples whose schedules merge into this one
    # the plugin class `resolve` chose for each kind ("generator", "rater", "input"): opaque to the conf, which
    # names no plugin; the schedule plan builds the sample's input and rater from them
    plugins: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _data: SampleData | ConfigError | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def label(self) -> str:
        return f"{self.app}:{self.name}" if self.app else self.name

    @cached_property
    def tz(self) -> tzinfo:
        # None only when the value did not parse: its error is reported, and the load's other checks go on
        return parse_timezone(self.settings["timezone"] or "local")

    @property
    def stable_id(self) -> int:
        """A number derived from the sample's name, the same in every process (for seeding)."""
        return int.from_bytes(hashlib.blake2b(self.label.encode(), digest_size=8).digest(), "little")

    def resolve(self, relative: str) -> Path:
        """A token/lookup file path, environment variables (`$SPLUNK_HOME`) expanded: absolute; else
        the working directory, the conf's folder, then the sample folders (an app's `samples/`).
        The error lists every place tried."""
        expanded = os.path.expandvars(relative)
        candidate = Path(expanded).expanduser()
        if candidate.is_absolute():
            if candidate.is_file():
                return candidate
            shown = relative if expanded == relative else f"{relative} ({candidate})"
            raise SettingError(f"file {shown} does not exist")
        places = list(dict.fromkeys([Path.cwd(), self.conf_path.parent, *self.sample_dirs]))  # each once
        for base in places:
            if (base / candidate).is_file():
                return base / candidate
        tried = ", ".join(str(base / candidate) for base in places)
        unset = sorted(set(re.findall(r"\$\{?(\w+)", expanded)))
        hint = f" (environment variable {', '.join(unset)} not set)" if unset else ""
        raise SettingError(f"file {relative!r} not found{hint}; tried {tried}")

    @property
    def data(self) -> SampleData:
        """The sample file's events, read once; a ConfigError (the same one each time) when it cannot be read,
        is not text, or its `breaker` backtracks without end on a line."""
        if self._data is None:
            try:
                self._data = self._read()
            except ConfigError as exc:
                self._data = exc
        if isinstance(self._data, ConfigError):
            raise self._data
        return self._data

    @property
    def read_error(self) -> ConfigError | None:
        """What reading the events gave when they could not be read (None: read fine, or not read yet)."""
        return self._data if isinstance(self._data, ConfigError) else None

    def _read(self) -> SampleData:
        if self.path is None:
            return SampleData([])
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read sample file: {exc.strerror}", str(self.path), self.stanza) from None
        text = decode_sample(data, self.settings["sampleEncoding"] or "utf-8", str(self.path), self.stanza)
        if self.settings.get("sampletype") == "csv":
            return self._read_csv(text)
        breaker = self.settings.get("breaker")
        try:
            return SampleData(split_events(text, breaker))
        except RegexTimeout as exc:
            raise ConfigError(
                f"regex {breaker.pattern!r} takes over {LIMIT:g}s on line {exc.event + 1} of {self.path}: "
                "catastrophic backtracking (nested repeats like (a+)+?); refused",
                str(self.path),
                self.stanza,
                "breaker",
            ) from None

    def _read_csv(self, text: str) -> SampleData:
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "_raw" not in reader.fieldnames:
            raise ConfigError("a CSV sample needs a _raw column", str(self.path), self.stanza, "sampletype")
        rows = list(reader)
        columns = {name: [row.get(name) or "" for row in rows] for name in META_FIELDS if name in reader.fieldnames}
        for name, values in reader_extra_columns(reader.fieldnames, rows).items():
            columns[name] = values
        return SampleData([row["_raw"] or "" for row in rows], columns)


def decode_sample(data: bytes, encoding: str, file: str, stanza: str) -> str:
    """A sample file's text in `encoding` (a UTF-8 BOM dropped); bytes that do not decode are a ConfigError
    naming the line and byte offset, and the `sampleEncoding` setting."""
    codec = "utf-8-sig" if encoding.replace("_", "-").lower() in ("utf-8", "utf8") else encoding
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"line {line}, byte offset {exc.start}: byte 0x{data[exc.start]:02x} is not {encoding} text; "
            "set sampleEncoding to the file's encoding (e.g. latin-1, cp1252) or fix the file",
            file,
            stanza,
            "sampleEncoding",
        ) from None


def reader_extra_columns(fieldnames: Sequence[str], rows: list[dict[str, str]]) -> dict[str, list[str]]:
    """Non-metadata CSV columns, kept for replay's `timeField`."""
    return {
        f"field:{name}": [row.get(name) or "" for row in rows]
        for name in fieldnames
        if name not in META_FIELDS and name != "_raw"
    }


def split_events(text: str, breaker) -> list[str]:
    """Split a raw sample into events. With the default breaker each non-blank line is an
    event; otherwise a line matching `breaker` at its start begins a new multi-line event (the breaker runs
    under the time bound of `regex_bound`: RegexTimeout when it backtracks without end)."""
    lines = text.splitlines()
    if breaker is None or breaker.pattern == DEFAULT_BREAKER:
        return [line for line in lines if line.strip()]
    return ["\n".join(event).rstrip("\n") for event in split_bounded(lines, breaker)]
