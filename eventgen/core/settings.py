"""Declared settings: every eventgen.conf key is declared once here or on its plugin.

A declaration carries the key's name, how its text is parsed, its default and its doc. The same
declarations validate confs, fill defaults, and generate `docs/configuration.md` and
`default/eventgen.conf`, so the three can never drift apart.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class SettingError(ValueError):
    """A value that does not parse; the message says what is allowed."""


Parser = Callable[[str], Any]


def parse_str(text: str) -> str:
    return text


def parse_int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise SettingError(f"expected an integer, got {text!r}") from None


def parse_float(text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise SettingError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise SettingError(f"expected a finite number, got {text.strip()!r}")
    return value


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_bool(text: str) -> bool:
    low = text.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise SettingError(f"expected true or false, got {text!r}")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise SettingError(f"invalid JSON ({text} is beyond the range of a number)")
    return value


def _no_constant(name: str) -> Any:
    raise SettingError(f"invalid JSON ({name} is not a number JSON allows)")


def parse_json(text: str) -> Any:
    """JSON, without the NaN and Infinity that Python's reader lets through (nor numbers that overflow to them)."""
    try:
        return json.loads(text, parse_float=_finite, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise SettingError(f"invalid JSON ({exc.msg} at column {exc.colno})") from None


def parse_list(text: str) -> list[str]:
    """A comma-separated list; blanks are dropped."""
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_names(text: str) -> list[str]:
    """A comma-separated list of one or more distinct names: an empty entry (`a,,b`) or a repeated one is refused."""
    items = [part.strip() for part in text.split(",")]
    if items == [""]:
        raise SettingError("names nothing: give at least one, comma-separated")
    if "" in items:
        raise SettingError(f"{text.strip()!r} has an empty entry (a comma too many)")
    repeated = sorted({item for item in items if items.count(item) > 1})
    if repeated:
        raise SettingError(f"{', '.join(repeated)} named twice: name each once")
    return items


parse_names.__name__ = "parse_list"


def parse_regex(text: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as exc:
        raise SettingError(f"regex does not compile ({exc})") from None


def choice(*allowed: str) -> Parser:
    """A parser accepting one of `allowed` (case-insensitive)."""

    def parse(text: str) -> str:
        low = text.strip().lower()
        for option in allowed:
            if option.lower() == low:
                return option
        raise SettingError(f"{text!r} is not one of: {', '.join(allowed)}")

    parse.allowed = allowed  # type: ignore[attr-defined]  # the parser function carries its choices for docs and errors
    return parse


def at_least(parser: Parser, minimum: float) -> Parser:
    """Wrap a numeric parser with a lower bound."""

    def parse(text: str) -> Any:
        value = parser(text)
        if value < minimum:
            raise SettingError(f"must be at least {minimum}, got {value}")
        return value

    parse.__name__ = parser.__name__
    return parse


def port(text: str) -> int:
    """A TCP/UDP port: an integer from 1 to 65535."""
    try:
        value = int(str(text).strip())
    except ValueError:
        raise SettingError(f"expected a port number (1-65535), got {text!r}") from None
    if not 1 <= value <= 65535:
        raise SettingError(f"a port is 1-65535, got {value}")
    return value


_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")


def host_problem(host: str) -> str | None:
    """Why `host` is neither a host name (dot-separated labels of letters, digits, `-`, `_`) nor an IP address."""
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    name = host[:-1] if host.endswith(".") else host
    if not name or len(name) > 253 or not all(_LABEL.fullmatch(label) for label in name.split(".")):
        return f"{host!r} is not a host name (letters, digits, '-', '_' and dots) or an IP address"
    return None


def parse_host(text: str) -> str:
    """A host name or an IP address (checked, not resolved)."""
    value = text.strip()
    problem = host_problem(value)
    if problem:
        raise SettingError(problem)
    return value


def host_port(text: str, default_port: int | None = None) -> tuple[str, int]:
    """`host:port` (`[v6]:port`) → (host, port), the port checked by `port`; without one, `default_port`."""
    value = text.strip()
    host, sep, tail = value.rpartition(":")
    if not sep or "]" in tail or (host.count(":") and not host.startswith("[")):
        if default_port is None:
            raise SettingError(f"expected host:port, got {text!r}")
        return parse_host(value.strip("[]")), default_port
    if not host:
        raise SettingError(f"expected host:port, got {text!r}")
    return parse_host(host.strip("[]")), port(tail)


def url_port(text: str) -> str:
    """Check the port of a URL (`scheme://host:port/...`) when it has one; the URL unchanged."""
    netloc = text.strip().split("://", 1)[-1].split("/", 1)[0].rpartition("@")[2]
    if netloc.startswith("["):
        netloc = netloc.partition("]")[2]
    if ":" in netloc:
        port(netloc.rpartition(":")[2])
    return text


def http_url(text: str) -> str:
    """An `http://` or `https://` URL with a host (a name or an address) and, if given, a port 1-65535."""
    from urllib.parse import urlsplit

    value = text.strip()
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
    except ValueError as exc:
        raise SettingError(f"{value!r} is not a URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise SettingError(f"expected a URL like http://host:port/path (or https://), got {value!r}")
    if not hostname:
        raise SettingError(f"{value!r} names no host: expected http://host:port/path")
    problem = host_problem(hostname)
    if problem:
        raise SettingError(f"{value!r}: {problem}")
    url_port(value)
    return value


def host_port_list(text: str) -> list[str]:
    """A comma list of `host:port` (e.g. brokers), each port checked by `port`."""
    items = parse_list(text)
    for item in items:
        host_port(item, 0)  # a host without a port keeps the client default
    return items


host_port_list.__name__ = "parse_list"


def url_list(text: str) -> list[str]:
    """A comma list of `http(s)://` URLs, each checked by `http_url`."""
    items = parse_list(text)
    for item in items:
        http_url(item)
    return items


url_list.__name__ = "parse_list"


def parse_count(text: str) -> int:
    """`count`: -1 (and 0) the whole sample once, or a number of events."""
    value = parse_int(text)
    if value < -1:
        raise SettingError(f"must be -1 (the whole sample once), 0 or more events, got {value}")
    return value


def parse_end(text: str) -> str:
    """`end`: an integer of intervals (-1 = never, 0 = none) or a time; other negative integers are refused."""
    value = text.strip()
    try:
        number = int(value)
    except ValueError:
        return text
    if number < -1:
        raise SettingError(f"must be -1 (never end), 0 or more intervals, or a time, got {number}")
    return text


def parse_encoding(text: str) -> str:
    """A Python codec name (`utf-8`, `latin-1`, `cp1252`, ...)."""
    import codecs

    try:
        return codecs.lookup(text.strip()).name
    except LookupError:
        raise SettingError(f"unknown text encoding {text.strip()!r} (e.g. utf-8, latin-1, cp1252)") from None


_KIND_NAMES = {
    "parse_str": "string",
    "parse_int": "integer",
    "parse_float": "number",
    "parse_bool": "boolean",
    "parse_json": "JSON",
    "parse_list": "comma list",
    "parse_regex": "regex",
    "port": "port (1-65535)",
    "parse_count": "integer",
    "parse_end": "integer or time",
    "parse_encoding": "encoding",
    "parse_host": "host",
    "http_url": "URL",
    "parse_timezone_name": "timezone",
}


class PathKind(StrEnum):
    """What a path setting names (`Setting.path`). Only declared settings are paths: no other value is ever
    taken for one, whatever it looks like (`eventgen.resolve.paths` collects them)."""

    FILE = "file"  # a file the run reads: lookup, timestamps, script, time patterns, output template
    FOLDER = "folder"  # a folder the run reads: samples, templates, modules, plugins
    TLS = "tls"  # a TLS certificate, key or CA bundle the run reads: a credential, never shown or edited
    OUTPUT = "output"  # a file or folder the run writes: a destination, not a source
    SETTINGS = "settings"  # a JSON object of name → settings, whose own declarations say which are paths


@dataclass(frozen=True)
class Setting:
    """One eventgen.conf key."""

    name: str
    parse: Parser = parse_str
    default: str | None = None
    doc: str = ""
    # "sample" (any stanza), "global" (only [global] / the run), or "schedule": a sample setting that belongs to its
    # schedule, so a `scheduleGroup` member does not take it from the group's first stanza (input tags)
    scope: str = "sample"
    # a path setting: what its value names (each item of a comma list; of a JSON value, each string under `path_keys`)
    path: PathKind | None = None
    path_keys: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        allowed = getattr(self.parse, "allowed", None)
        if allowed:
            return " | ".join(allowed)
        return _KIND_NAMES.get(getattr(self.parse, "__name__", ""), "string")

    def default_value(self) -> Any:
        return None if self.default is None else self.parse(self.default)


@dataclass
class SettingGroup:
    """The settings owned by one part of the program (the core, or one plugin)."""

    title: str
    settings: tuple[Setting, ...] = field(default_factory=tuple)

    def names(self) -> set[str]:
        return {s.name for s in self.settings}


class Settings(Mapping[str, Any]):
    """Typed, flattened settings of one stanza; unknown names raise KeyError."""

    def __init__(self, values: Mapping[str, Any]):
        self._values = dict(values)

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def get(self, key: str, default: Any = None) -> Any:
        value = self._values.get(key)
        return default if value is None else value

    def with_values(self, **changes: Any) -> Settings:
        merged = dict(self._values)
        merged.update(changes)
        return Settings(merged)


def strings_in(value: Any) -> Iterator[str]:
    """Every string inside a setting's value, walking JSON objects and lists."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)


def index(groups: Iterable[SettingGroup]) -> dict[str, Setting]:
    """Name → declaration across groups (first declaration of a name wins)."""
    table: dict[str, Setting] = {}
    for group in groups:
        for setting in group.settings:
            table.setdefault(setting.name, setting)
    return table
