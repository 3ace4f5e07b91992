"""Eventum's `generator.yml`, read as Eventum reads it and checked against its parameters.

Reading: full-line `#` comments blanked (lines kept, so YAML's line numbers stay right) → `${params.X}` and
`${secrets.X}` substituted → YAML → dotted keys expanded (`a.b: 1` is `a: {b: 1}`, any depth) → every key
checked against the plugin's parameters (unknown keys and missing required ones are refused, named by their
path: `output[1].opensearch.hostz`). `eventgen.conf.eventum_map` turns the result into eventgen.conf
sections, so an Eventum project runs through the same loader, validation and engine as a conf.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from eventgen.conf.eventum_outputs import REFUSED
from eventgen.conf.files import TextFileError, path_problem, read_text
from eventgen.core.errors import ConfigError, ConfigErrors
from eventgen.core.settings import SettingError

SECRET_ENV_PREFIX = "EVENTUM_SECRET_"
_COMMENT = re.compile(r"^[ \t]*#.*$", re.M)
_TOKEN = re.compile(r"\$\{\s*(params|secrets)\.([A-Za-z_][\w]*)\s*\}")
_ANY_TOKEN = re.compile(r"\$\{([^}]*)\}")
SECTIONS = ("input", "event", "output")
STATE_SCOPES = ("locals", "shared", "globals")  # `shared.n` in an fsm condition is a field name, not nesting

# parameter → (kind, required); kinds: str int num bool list map time any
T, S, I, N, B, L, M, A = "time", "str", "int", "num", "bool", "list", "map", "any"  # noqa: E741 - one letter per kind keeps the tables readable
_TAGS = {"tags": (L, False)}
INPUTS: dict[str, dict[str, tuple[str, bool]]] = {
    "timer": {"start": (T, False), "seconds": (N, True), "count": (I, True), "repeat": (I, False), **_TAGS},
    "cron": {"start": (T, False), "end": (T, False), "expression": (S, True), "count": (I, True), **_TAGS},
    "linspace": {"start": (T, True), "end": (T, True), "count": (I, True), "endpoint": (B, False), **_TAGS},
    "static": {"count": (I, True), **_TAGS},
    "timestamps": {"source": (A, True), **_TAGS},
    "time_patterns": {"patterns": (L, True), **_TAGS},
    "http": {"host": (S, False), "port": (I, True), "max_pending_requests": (I, False), **_TAGS},
}
EVENTS: dict[str, dict[str, tuple[str, bool]]] = {
    "template": {"mode": (S, False), "templates": (L, True), "params": (M, False), "samples": (M, False),
                 "chain": (L, False)},
    "replay": {"path": (S, True), "timestamp_pattern": (S, False), "timestamp_format": (S, False),
               "repeat": (B, False), "chunk_size": (I, False), "encoding": (S, False)},
    "script": {"path": (S, True)},
}  # fmt: skip
TEMPLATE_ITEM = {"template": (S, True), "vars": (M, False), "chance": (N, False), "initial": (B, False),
                 "transitions": (L, False)}  # fmt: skip
TRANSITION = {"to": (S, True), "when": (A, False)}
SAMPLE_ITEM = {"type": (S, True), "source": (A, True), "header": (B, False), "delimiter": (S, False),
               "quotechar": (S, False)}  # fmt: skip
MODES = ("all", "any", "chance", "spin", "fsm", "chain")
FORMATTER = {"format": (S, True), "indent": (I, False), "template": (S, False), "template_path": (S, False)}
FORMATS = ("plain", "json", "json-batch", "template", "template-batch", "eventum-http-input")
_TLS = {"verify": (B, False), "ca_cert": (S, False), "client_cert": (S, False), "client_cert_key": (S, False)}
_HTTP_COMMON = {"connect_timeout": (N, False), "request_timeout": (N, False), "proxy_url": (S, False), **_TLS}
OUTPUTS: dict[str, dict[str, tuple[str, bool]]] = {
    "stdout": {"flush_interval": (N, False), "stream": (S, False), "encoding": (S, False),
               "separator": (S, False)},
    "file": {"path": (S, True), "flush_interval": (N, False), "cleanup_interval": (N, False),
             "file_mode": (I, False), "write_mode": (S, False), "encoding": (S, False), "separator": (S, False)},
    "tcp": {"host": (S, True), "port": (I, True), "encoding": (S, False), "separator": (S, False),
            "connect_timeout": (N, False), "ssl": (B, False), **_TLS},
    "udp": {"host": (S, True), "port": (I, True), "encoding": (S, False), "separator": (S, False)},
    "http": {"url": (S, True), "method": (S, False), "success_code": (I, False), "headers": (M, False),
             "username": (S, False), "password": (S, False), "concurrency": (I, False), **_HTTP_COMMON},
    "opensearch": {"hosts": (L, True), "username": (S, True), "password": (S, True), "index": (S, True),
                   **_HTTP_COMMON},
    "kafka": {"bootstrap_servers": (L, True), "topic": (S, True), "key": (S, False), "encoding": (S, False),
              "client_id": (S, False), "acks": (I, False), "compression_type": (S, False),
              "max_batch_size": (I, False), "max_request_size": (I, False), "linger_ms": (I, False),
              "enable_idempotence": (B, False), "transactional_id": (S, False), "security_protocol": (S, False),
              "sasl_mechanism": (S, False), "sasl_plain_username": (S, False), "sasl_plain_password": (S, False),
              "request_timeout_ms": (I, False), "metadata_max_age_ms": (I, False),
              "connections_max_idle_ms": (I, False), "retry_backoff_ms": (I, False),
              "transaction_timeout_ms": (I, False), "sasl_kerberos_service_name": (S, False),
              "ssl_cafile": (S, False), "ssl_certfile": (S, False),
              "ssl_keyfile": (S, False)},
    "clickhouse": {"host": (S, True), "port": (I, False), "protocol": (S, False), "database": (S, False),
                   "table": (S, True), "username": (S, False), "password": (S, False), "dsn": (S, False),
                   "client_name": (S, False), "server_host_name": (S, False), "tls_mode": (S, False),
                   "pool_maxsize": (I, False), "input_format": (S, False), "header": (S, False),
                   "footer": (S, False), "separator": (S, False), **_HTTP_COMMON},
}  # fmt: skip


def looks_like_project(path: str | Path) -> bool:
    """A YAML file whose top level is a mapping with `input`, `event` and `output` (Eventum's generator.yml)."""
    path = Path(path)
    if path.suffix.lower() not in (".yml", ".yaml") or path_problem(path) or not path.is_file():
        return False
    try:
        data = yaml.safe_load(_TOKEN.sub("x", _COMMENT.sub("", read_text(path))))
    except (yaml.YAMLError, SettingError):
        return True  # a broken .yml named on the command line: let `read_project` say what is wrong with it
    return isinstance(data, dict) and all(key in data for key in SECTIONS)


def _mapping_file(path: str, flag: str) -> dict[str, Any]:
    """A YAML (or JSON) file holding a mapping of name: value, named by `flag`; one clear error otherwise."""
    try:
        loaded = yaml.safe_load(read_text(path))
    except (TextFileError, yaml.YAMLError) as exc:
        reason = exc.reason if isinstance(exc, TextFileError) else exc
        raise ConfigErrors([ConfigError(f"cannot read {flag}: {reason}", path)]) from None
    if not isinstance(loaded, dict):
        raise ConfigErrors([ConfigError(f"{flag} must hold a mapping of name: value", path)])
    return dict(loaded)


def secrets_from(env: Mapping[str, str], secrets_file: str | None) -> dict[str, Any]:
    """Secrets from `--secrets-file` (a YAML/JSON mapping), then `EVENTUM_SECRET_<NAME>` variables (which win)."""
    values = _mapping_file(secrets_file, "--secrets-file") if secrets_file else {}
    for name, value in env.items():
        if name.startswith(SECRET_ENV_PREFIX) and len(name) > len(SECRET_ENV_PREFIX):
            values[name[len(SECRET_ENV_PREFIX) :]] = value
    return values


def _substitute(text: str, params: Mapping[str, Any], secrets: Mapping[str, Any], label: str) -> str:
    errors: list[ConfigError] = []

    def value_of(match: re.Match) -> str:
        scope, name = match.groups()
        source = params if scope == "params" else secrets
        if name not in source:
            how = (
                f"give it with --params '{{\"{name}\": ...}}' or --params-file"
                if scope == "params"
                else f"set {SECRET_ENV_PREFIX}{name} or give --secrets-file"
            )
            line = text.count("\n", 0, match.start()) + 1
            errors.append(ConfigError(f"line {line}: ${{{scope}.{name}}} has no value: {how}", label))
            return ""
        value = source[name]
        return value if isinstance(value, str) else json.dumps(value)

    out = _TOKEN.sub(value_of, text)
    for match in _ANY_TOKEN.finditer(out):
        if not _TOKEN.fullmatch(match.group(0)):
            line = out.count("\n", 0, match.start()) + 1
            errors.append(ConfigError(f"line {line}: {match.group(0)}: only ${{params.X}} and ${{secrets.X}}", label))
    if errors:
        raise ConfigErrors(errors[:1])
    return out


def expand_dotted(value: Any, where: str = "") -> Any:
    """`{"a.b": 1, "a": {"c": 2}}` → `{"a": {"b": 1, "c": 2}}`, at every depth; fsm fields (`shared.n`) stay whole."""
    if isinstance(value, list):
        return [expand_dotted(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if not isinstance(value, dict):
        return value
    out: dict[Any, Any] = {}
    for key, item in value.items():
        item = expand_dotted(item, f"{where}.{key}" if where else str(key))
        dotted = isinstance(key, str) and "." in key and key.split(".", 1)[0] not in STATE_SCOPES
        parts = key.split(".") if dotted else [key]
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"{where + '.' if where else ''}{key}: conflicts with the value of {part}")
        last = parts[-1]
        if isinstance(node.get(last), dict) and isinstance(item, dict):
            node[last] = _merge(node[last], item)
        else:
            node[last] = item
    return out


def _merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for key, value in b.items():
        out[key] = _merge(out[key], value) if isinstance(out.get(key), dict) and isinstance(value, dict) else value
    return out


def read_project(path: Path, params: Mapping[str, Any], secrets: Mapping[str, Any]) -> dict[str, Any]:
    """The project as checked plain data: {"input": [(name, params)], "event": (name, params), "output": [...]}."""
    label = str(path)
    try:
        text = read_text(path)
    except TextFileError as exc:
        raise ConfigErrors([ConfigError(f"cannot read: {exc.reason}", label)]) from None
    text = _substitute(_COMMENT.sub("", text), params, secrets, label)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise ConfigErrors([ConfigError(f"{where}not valid YAML ({getattr(exc, 'problem', exc)})", label)]) from None
    try:
        data = expand_dotted(data)
        return _check_project(data)
    except ConfigError as exc:
        exc.file = label
        raise ConfigErrors([exc]) from None


def _check_project(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ConfigError("must be a mapping with input, event and output")
    for key in data:
        if key not in SECTIONS:
            raise ConfigError(f"{key}: unknown parameter (expected input, event, output)")
    for key in SECTIONS:
        if key not in data:
            raise ConfigError(f"{key}: required")
    inputs, outputs = data["input"], data["output"]
    if not isinstance(inputs, list) or not inputs:
        raise ConfigError("input: must be a list of at least one plugin")
    if not isinstance(outputs, list) or not outputs:
        raise ConfigError("output: must be a list of at least one plugin")
    input_plugins = [_plugin(item, f"input[{i}]", INPUTS, "input") for i, item in enumerate(inputs)]
    name, body = _plugin(data["event"], "event", EVENTS, "event")
    output_plugins = [_plugin(item, f"output[{i}]", OUTPUTS, "output") for i, item in enumerate(outputs)]
    if name == "template":
        _check_template(body)
    return {"input": input_plugins, "event": (name, body), "output": output_plugins}


def _plugin(item: Any, where: str, table: dict[str, dict[str, tuple[str, bool]]], kind: str) -> tuple[str, dict]:
    if not isinstance(item, dict) or len(item) != 1:
        raise ConfigError(f"{where}: must be one `plugin_name: {{parameters}}` mapping")
    name, body = next(iter(item.items()))
    if name not in table:
        raise ConfigError(f"{where}.{name}: unknown {kind} plugin; known: {', '.join(table)}")
    body = {} if body is None else body
    for key in body if kind == "output" and isinstance(body, dict) else ():
        if key in REFUSED.get(name, {}):  # known to Eventum, refused here: the reason, not "unknown"
            raise ConfigError(f"{where}.{name}.{key}: {REFUSED[name][key]}")
    schema = dict(table[name])
    if kind == "output":
        schema["formatter"] = (A, False)
    check(body, schema, f"{where}.{name}")
    if kind == "output" and "formatter" in body:
        body = {**body, "formatter": _formatter(body["formatter"], f"{where}.{name}.formatter")}
    return name, body


def _formatter(value: Any, where: str) -> dict[str, Any]:
    if isinstance(value, str):
        value = {"format": value}
    check(value, FORMATTER, where)
    if value["format"] not in FORMATS:
        raise ConfigError(f"{where}.format: unknown formatter {value['format']!r}; known: {', '.join(FORMATS)}")
    if value["format"].startswith("template") and not (value.get("template") or value.get("template_path")):
        raise ConfigError(f"{where}: formatter {value['format']} needs template or template_path")
    return value


def _check_template(body: dict[str, Any]) -> None:
    where = "event.template"
    mode = body.get("mode", "all")
    if mode not in MODES:
        raise ConfigError(f"{where}.mode: unknown mode {mode!r}; known: {', '.join(MODES)}")
    for i, item in enumerate(body["templates"]):
        here = f"{where}.templates[{i}]"
        if not isinstance(item, dict) or len(item) != 1:
            raise ConfigError(f"{here}: must be one `alias: {{template: ...}}` mapping")
        alias, spec = next(iter(item.items()))
        check(spec, TEMPLATE_ITEM, f"{here}.{alias}")
        for j, transition in enumerate(spec.get("transitions") or []):
            check(transition, TRANSITION, f"{here}.{alias}.transitions[{j}]")
    for alias, spec in (body.get("samples") or {}).items():
        check(spec, SAMPLE_ITEM, f"{where}.samples.{alias}")
        if spec["type"] not in ("csv", "json", "items"):
            raise ConfigError(f"{where}.samples.{alias}.type: unknown type {spec['type']!r}; known: csv, json, items")
    if mode == "chain" and not body.get("chain"):
        raise ConfigError(f"{where}.chain: required by mode chain")


_KIND_OK = {
    S: lambda v: isinstance(v, str | int | float) and not isinstance(v, bool),
    I: lambda v: isinstance(v, int) and not isinstance(v, bool),
    N: lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    B: lambda v: isinstance(v, bool),
    L: lambda v: isinstance(v, list),
    M: lambda v: isinstance(v, dict),
    T: lambda v: v is not None and not isinstance(v, bool | list | dict),
    A: lambda v: True,
}
_KIND_NAME = {S: "a string", I: "an integer", N: "a number", B: "true or false", L: "a list", M: "a mapping",
              T: "a datetime, now, never or a relative time", A: "a value"}  # fmt: skip


def check(body: Any, schema: Mapping[str, tuple[str, bool]], where: str) -> None:
    """Unknown and missing keys and wrong kinds, named by their path."""
    if not isinstance(body, dict):
        raise ConfigError(f"{where}: must be a mapping of parameters")
    for key, value in body.items():
        if key not in schema:
            raise ConfigError(f"{where}.{key}: unknown parameter")
        kind = schema[key][0]
        if not _KIND_OK[kind](value):
            raise ConfigError(f"{where}.{key}: must be {_KIND_NAME[kind]}, got {value!r}")
    for key, (_, required) in schema.items():
        if required and key not in body:
            raise ConfigError(f"{where}.{key}: required")


def params_from(text: str | None, file: str | None) -> dict[str, Any]:
    """`--params JSON` over `--params-file` (YAML or JSON mapping)."""
    values = _mapping_file(file, "--params-file") if file else {}
    if text:
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigErrors([ConfigError(f"--params is not JSON ({exc.msg})")]) from None
        if not isinstance(loaded, dict):
            raise ConfigErrors([ConfigError('--params must be a JSON object like {"host": "h1"}')])
        values.update(loaded)
    return values


def environment() -> Mapping[str, str]:
    return os.environ
