"""An Eventum project as eventgen.conf sections: the one translation `generate`, `validate`, `preview` and `convert`
share. Each input becomes a stanza with the event plugin and outputs; several inputs are one schedule group
(`scheduleGroup`): one sample whose times merge in time order and whose template state is one. See docs/eventum.md.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import time
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from eventgen.conf.eventum import read_project
from eventgen.conf.eventum_dates import PHRASES, human_moment
from eventgen.conf.eventum_outputs import NOTED, OutputMapping, num
from eventgen.core.errors import ConfigError, ConfigErrors

_RELATIVE = re.compile(r"([+-])((?:\d+(?:\.\d+)?[wdhms])+)")
_PART = re.compile(r"(\d+(?:\.\d+)?)([wdhms])")
_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?")
FORMATS = {"plain": "raw", "json": "eventjson", "json-batch": "jsonbatch", "template": "jinja",
           "template-batch": "jinjabatch", "eventum-http-input": "jinjabatch"}  # fmt: skip
DEFAULT_FORMAT = {"opensearch": "json", "http": "json-batch", "kafka": "json", "clickhouse": "json"}
OUTPUT_NAMES = {"stdout": "stdout", "file": "file", "tcp": "tcpout", "udp": "udpout", "http": "http",
                "opensearch": "opensearch", "kafka": "kafka", "clickhouse": "clickhouse"}  # fmt: skip
TEXT_OUTPUTS = ("stdout", "file", "tcp", "udp")  # their `separator` and `encoding` frame the events
ISO_FORMAT = "isoformat"  # what datetime.isoformat() writes, Eventum's default timestamp_format
# generators without a sample file, which take several inputs (a schedule group), and their tags setting
TAGS_KEYS = {"jinja": "jinjaTags", "script": "scriptTags"}


class Translation(OutputMapping):
    """Sections of an eventgen.conf (raw string values, as the conf loader reads them) and what has no equivalent."""

    def __init__(
        self,
        path: Path,
        project: dict[str, Any],
        now: float | None = None,
        name: str | None = None,
        sample_mode: bool = False,
        output_base: Path | None = None,
    ):
        self.path = path
        self.sample_mode = sample_mode
        self.output_base = output_base  # where relative output files go (a cluster worker: its working directory)
        self.base = path.parent.resolve()
        self.now = time.time() if now is None else now
        self.notes: list[str] = []
        self.files: list[Path] = []  # every file and folder the project reads (what a cluster bundle ships)
        self.sections: dict[str, dict[str, str]] = {}
        # skipPast: Eventum's default, live runs drop the times before their start (group members take it from here)
        common = {"timezone": "utc", "skipPast": "true", "outputMode": "", **self._event(*project["event"])}
        outputs = self._outputs(project["output"])
        common.update(outputs)
        inputs = project["input"]
        tags_key = TAGS_KEYS.get(common.get("generator", ""), "")
        name = name or re.sub(r"[^\w-]", "_", self.base.name) or "eventum"
        self.name = name
        if not tags_key and len(inputs) > 1:
            raise ConfigError("input: the replay event plugin takes one input here (one sample file, one schedule)")
        for i, (plugin, _) in enumerate(inputs):
            if plugin == "http" and len(inputs) > 1:
                raise ConfigError(
                    f"input[{i}].http: an http input is not merged with other inputs here (its times come from "
                    "requests, not known ahead): run it as a project of its own"
                )
        if len(inputs) > 1:  # one sample whose schedules merge in time order, as Eventum merges its inputs
            common["scheduleGroup"] = name
        for i, (plugin, body) in enumerate(inputs):
            if tags_key:
                stanza = f"{name}:{i}:{plugin}" if i else name
            else:
                stanza = self.replay_stanza
            own = self._input(plugin, body, f"input[{i}].{plugin}")
            # a group member takes the rest from the first stanza (the loader's rule), so it names only its schedule
            values = {**common, **own} if i == 0 else {"scheduleGroup": name, **own}
            if body.get("tags") and tags_key:
                values[tags_key] = json.dumps(body["tags"])
            self.sections[stanza] = values

    # -- paths and times -------------------------------------------------------------------------------------------

    def file(self, value: str, where: str) -> str:
        """An existing file's absolute path: relative ones resolve against the project folder (Eventum's rule)."""
        candidate = Path(os.path.expanduser(str(value)))
        full = candidate if candidate.is_absolute() else self.base / candidate
        if not full.exists():
            raise ConfigError(f"{where}: {value}: no such file (relative paths are read from {self.base})")
        self.files.append(full.resolve())
        return str(full.resolve())

    def moment(self, value: Any, where: str, start: str | None = None) -> str | None:
        """A VersatileDatetime as eventgen reads times: ISO, `now`, a Splunk relative time; None for `never`."""
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, date):
            return datetime.combine(value, datetime.min.time()).isoformat()
        text = str(value).strip()
        low = text.lower()
        if low == "never":
            return None
        if low == "now":
            return "now"
        match = _RELATIVE.fullmatch(low)
        if match:
            sign = match.group(1)
            offset = "".join(f"{sign}{n}{u}" for n, u in _PART.findall(match.group(2)))
            if start is None or start == "now":
                return offset
            if start[0] in "+-":
                return start + offset
            seconds = sum(float(n) * _SECONDS[u] for n, u in _PART.findall(match.group(2)))
            moment = datetime.fromisoformat(start) + timedelta(seconds=seconds if sign == "+" else -seconds)
            return moment.isoformat()
        if _TIME_OF_DAY.fullmatch(text):
            today = datetime.fromtimestamp(self.now, UTC).date().isoformat()
            return f"{today}T{text if text.count(':') == 2 else text + ':00'}"
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
        except ValueError:
            pass
        phrase = human_moment(text, self.now)  # Eventum's dateparser phrases: yesterday, in 5 minutes, ...
        if phrase is None:
            raise ConfigError(f"{where}: cannot read time {value!r} (ISO datetime, HH:MM, never, +1d12h, {PHRASES})")
        return phrase.isoformat()

    # -- inputs ----------------------------------------------------------------------------------------------------

    def _input(self, plugin: str, body: dict[str, Any], where: str) -> dict[str, str]:
        start = self.moment(body["start"], f"{where}.start") if "start" in body else None
        out: dict[str, str] = {}
        if start not in (None, "now"):
            out["backfill"] = start
        if plugin in ("timer", "cron", "static", "linspace") and body["count"] < 1:
            raise ConfigError(f"{where}.count: must be 1 or more")
        if plugin == "timer":
            if body["seconds"] < 0.1:
                raise ConfigError(f"{where}.seconds: must be 0.1 or more")
            out.update(input="timer", interval=num(body["seconds"]), count=str(body["count"]))
            if body.get("repeat") is not None:
                out["timerRepeat"] = str(body["repeat"])
        elif plugin == "static":
            out.update(input="timer", interval="1", count=str(body["count"]), timerRepeat="1")
        elif plugin == "cron":
            out.update(input="cron", cron=body["expression"], count=str(body["count"]))
            end = self.moment(body["end"], f"{where}.end", start) if "end" in body else None
            if end is not None:
                out["end"] = end
        elif plugin == "linspace":
            end = self.moment(body["end"], f"{where}.end", start)
            if end is None:
                raise ConfigError(f"{where}.end: linspace needs an end (not never)")
            out = {"input": "linspace", "count": str(body["count"]), "linspaceStart": start or "now"}
            out.update(linspaceEnd=end, linspaceEndpoint=str(body.get("endpoint", True)).lower())
        elif plugin == "timestamps":
            out["input"] = "timestamps"
            source = body["source"]
            if isinstance(source, list):
                times = []
                for j, item in enumerate(source):
                    value = self.moment(item, f"{where}.source[{j}]")
                    if value is None or value[0] in "+-" or value == "now":
                        raise ConfigError(f"{where}.source[{j}]: must be a datetime, got {item!r}")
                    times.append(value)
                out["timestampsList"] = json.dumps(times)
            else:
                out["timestampsFile"] = self.file(source, f"{where}.source")
        elif plugin == "http":
            out.update(self._http_input(body, where))
        elif plugin == "time_patterns":
            files = [self.file(p, f"{where}.patterns[{j}]") for j, p in enumerate(body["patterns"])]
            out.update(input="timepatterns", timePatterns=", ".join(files))
            if self.sample_mode:
                first = self._pattern_start(files)
                if first:
                    out["backfill"] = first
        return out

    @staticmethod
    def _http_input(body: dict[str, Any], where: str) -> dict[str, str]:
        """Eventum's http input. Its default host 0.0.0.0 is not copied: without `host` eventgen listens on loopback."""
        if not 0 <= body["port"] <= 65535:
            raise ConfigError(f"{where}.port: must be 1-65535 (or 0: any free port), got {body['port']}")
        out = {"input": "http", "httpInputPort": str(body["port"])}
        if body.get("host") is not None:
            out["httpInputHost"] = body["host"]
        if body.get("max_pending_requests") is not None:
            if body["max_pending_requests"] < 1:
                raise ConfigError(f"{where}.max_pending_requests: must be 1 or more")
            out["httpInputMaxPending"] = str(body["max_pending_requests"])
        return out

    def _pattern_start(self, files: list[str]) -> str | None:
        starts = []
        for name in files:
            try:
                data = yaml.safe_load(Path(name).read_text(encoding="utf-8"))
                value = self.moment(data["oscillator"]["start"], name)
            except (OSError, ValueError, yaml.YAMLError, KeyError, TypeError, ConfigError):
                continue  # the time pattern's own check says what is wrong with it
            if value and value[0] not in "+-" and value != "now":
                starts.append(value)
        return min(starts, key=lambda s: datetime.fromisoformat(s).replace(tzinfo=None)) if starts else None

    # -- event -----------------------------------------------------------------------------------------------------

    def _event(self, plugin: str, body: dict[str, Any]) -> dict[str, str]:
        where = f"event.{plugin}"
        if plugin == "replay":
            return self._replay(body, where)
        if plugin == "script":
            return self._script(body, where)
        files, aliases = [], []
        for i, item in enumerate(body["templates"]):
            alias, spec = next(iter(item.items()))
            files.append(Path(self.file(spec["template"], f"{where}.templates[{i}].{alias}.template")))
            aliases.append((str(alias), spec))
        folder = Path(os.path.commonpath([f.parent for f in files]))
        self.files.append(folder)  # templates may include others from their folder
        templates = []
        for (alias, spec), path in zip(aliases, files, strict=True):
            templates.append({alias: {**spec, "template": path.relative_to(folder).as_posix()}})
        out = {
            "generator": "jinja",
            "jinja_template_dir": str(folder),
            "jinjaSearchPath": str(self.base),  # Eventum's loader is rooted at the project folder
            "jinjaTemplates": json.dumps(templates),
            "jinjaMode": body.get("mode", "all"),
            "jinjaOutput": "text",
            "jinjaAllowSubprocess": "true",
            "jinjaTags": "[]",
        }
        if body.get("chain"):
            out["jinjaChain"] = ", ".join(str(a) for a in body["chain"])
        if body.get("params"):
            out["jinja_variables"] = json.dumps(body["params"], default=str)
        if body.get("samples"):
            samples = {}
            for alias, spec in body["samples"].items():
                spec = dict(spec)
                if spec["type"] != "items":
                    spec["source"] = self.file(spec["source"], f"{where}.samples.{alias}.source")
                samples[alias] = spec
            out["jinjaSamples"] = json.dumps(samples, default=str)
        return out

    def _script(self, body: dict[str, Any], where: str) -> dict[str, str]:
        """`produce(params)` in a Python file: `generator = script`, called once per input timestamp."""
        return {"generator": "script", "scriptFile": self.file(body["path"], f"{where}.path"), "scriptTags": "[]"}

    def _replay(self, body: dict[str, Any], where: str) -> dict[str, str]:
        """One line per input time, blank lines too (Eventum's replay yields every line), read in `encoding`."""
        path = Path(self.file(body["path"], f"{where}.path"))
        self.replay_stanza = re.escape(path.name)
        encoding = str(body.get("encoding") or "utf_8")
        try:
            text = path.read_bytes().decode(encoding)
        except LookupError:
            raise ConfigError(f"{where}.encoding: unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{where}.encoding: {body['path']} is not {encoding} text ({exc.reason})") from None
        if body.get("chunk_size", 0) < 0:
            raise ConfigError(f"{where}.chunk_size: must be 0 (the whole file) or more bytes")
        out = {"generator": "default", "sampleDir": str(path.parent), "randomizeEvents": "false"}
        out.update(sampleEncoding=encoding, breaker="^")  # every line is an event, a blank one too
        pattern = body.get("timestamp_pattern")
        if pattern:
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                raise ConfigError(f"{where}.timestamp_pattern: does not compile ({exc})") from None
            if compiled.groupindex.get("timestamp") != 1:
                raise ConfigError(f"{where}.timestamp_pattern: needs (?P<timestamp>...) as its first group")
            out.update({"token.0.token": pattern, "token.0.replacementType": "timestamp"})
            out["token.0.replacement"] = body.get("timestamp_format") or ISO_FORMAT
        if not body.get("repeat", False):  # Eventum's default: the plugin is exhausted at the file's end
            out["maxEvents"] = str(len(text.splitlines()))
        return out

    # -- outputs ---------------------------------------------------------------------------------------------------

    def _outputs(self, outputs: list[tuple[str, dict[str, Any]]]) -> dict[str, str]:
        out: dict[str, str] = {}
        modes: list[str] = []
        formats: dict[str, dict[str, Any]] = {}
        for i, (plugin, body) in enumerate(outputs):
            where = f"output[{i}].{plugin}"
            name = OUTPUT_NAMES[plugin]
            settings = getattr(self, f"_out_{plugin}")(body, where)
            fmt = self._format(body.get("formatter") or {"format": DEFAULT_FORMAT.get(plugin, "plain")}, where)
            if plugin in TEXT_OUTPUTS:
                fmt.update(self._framing(body, where))
            if name in modes:  # a second output of this kind: an instance `name#i` with its own settings
                name = f"{name}#{i}"
                formats[name] = {**fmt, **settings}
            else:
                out.update(settings)
                formats[name] = fmt
            modes.append(name)
            for key in body:  # (a parameter refused here is refused when the project is read)
                if key in NOTED.get(plugin, ()):
                    self.notes.append(f"{where}.{key}: no equivalent (ignored)")
        out["outputMode"] = ", ".join(modes)
        out["outputFormatBy"] = json.dumps(formats)
        return out

    @staticmethod
    def _framing(body: dict[str, Any], where: str) -> dict[str, Any]:
        """`separator` and `encoding` of a text output, its own (never another output's); `flush_interval` is
        checked: eventgen writes and flushes each batch as it is made, sooner than any flush interval."""
        out: dict[str, Any] = {}
        if body.get("separator") is not None:
            out["outputSeparator"] = str(body["separator"]).replace("\\", "\\\\")
        if body.get("encoding") is not None:
            try:
                out["outputEncoding"] = codecs.lookup(str(body["encoding"])).name
            except LookupError:
                raise ConfigError(f"{where}.encoding: unknown encoding {body['encoding']!r}") from None
        if body.get("flush_interval", 0) < 0:
            raise ConfigError(f"{where}.flush_interval: must be 0 or more seconds")
        return out

    def _format(self, spec: dict[str, Any], where: str) -> dict[str, Any]:
        fmt = spec["format"]
        out: dict[str, Any] = {"outputFormat": FORMATS[fmt]}
        if spec.get("indent"):
            out["outputJsonIndent"] = spec["indent"]
        if fmt == "eventum-http-input":
            out["outputTemplate"] = '{"count": {{ events | length }}}'
        elif spec.get("template"):
            out["outputTemplate"] = spec["template"]
        elif spec.get("template_path"):
            out["outputTemplateFile"] = self.file(spec["template_path"], f"{where}.formatter.template_path")
        return out


def translated(
    path: str | Path,
    params: Mapping[str, Any],
    secrets: Mapping[str, Any],
    sample_mode: bool = False,
    name: str | None = None,
    output_base: Path | None = None,
) -> Translation:
    """A project's translation (samples named `name`, else after the project's folder); errors as ConfigErrors
    naming the file and the key's path."""
    path = Path(path)
    project = read_project(path, params, secrets)
    try:
        return Translation(path, project, name=name, sample_mode=sample_mode, output_base=output_base)
    except ConfigError as exc:
        exc.file = str(path)
        raise ConfigErrors([exc]) from None


def translate(path: str | Path, params: Mapping[str, Any], secrets: Mapping[str, Any], sample_mode: bool = False):
    """(sections, notes) of a project."""
    translation = translated(path, params, secrets, sample_mode)
    return translation.sections, translation.notes
