"""Splunk's .conf syntax on top of configparser: a BOM, backslash line continuation, case-kept keys, no
interpolation, and parse errors as one line with file, line number and text."""

from __future__ import annotations

import configparser
from pathlib import Path

from eventgen.core.errors import ConfigError


def read_conf(path: Path) -> dict[str, dict[str, str]]:
    """Read a conf file the way Splunk confs are written (see `parse_conf`)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("conf file not found", str(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read conf file: {exc.strerror or exc}", str(path)) from None
    try:
        text = data.decode("utf-8-sig")  # a UTF-8 BOM (Windows editors) is dropped
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x}): is this a conf file?", str(path)
        ) from None
    return parse_conf(text, str(path))


def parse_conf(text: str, source: str = "") -> dict[str, dict[str, str]]:
    r"""Stanzas of conf text: case kept, no interpolation, whole-line `#`/`;` comments only.

    configparser does the parsing; the text is pre-processed for what it lacks of Splunk's syntax: a leading
    BOM is dropped, and a line ending in a backslash continues on the next line (backslash and line break
    removed, so `list["x", \` + `"y"]` is `list["x", "y"]`; an even run of trailing backslashes is literal).
    A parse error is one ConfigError naming the line number and its text.
    """
    physical = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines, starts = _join_continuations(physical)
    parser = configparser.ConfigParser(interpolation=None, strict=False, default_section="\x00default")
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case: configparser's documented way
    try:
        parser.read_file((line + "\n" for line in lines), source or "<conf>")
    except configparser.MissingSectionHeaderError as exc:
        raise _parse_error(exc.lineno, lines, starts, "comes before any [stanza]", source) from None
    except configparser.ParsingError as exc:
        numbers = [number for number, _ in exc.errors]
        others = [str(_start(n, starts)) for n in numbers[1:]]
        more = f" (also line{'s' if len(others) > 1 else ''} {', '.join(others)})" if others else ""
        raise _parse_error(
            numbers[0], lines, starts, f"is not a [stanza], a key = value or a # comment{more}", source
        ) from None
    except configparser.Error as exc:
        number = getattr(exc, "lineno", None)
        message = str(getattr(exc, "message", exc)).splitlines()[0]
        if number:
            raise _parse_error(number, lines, starts, f"cannot be read ({message})", source) from None
        raise ConfigError(f"not a valid conf file: {message}", source) from None
    return {section: dict(parser.items(section)) for section in parser.sections()}


def _join_continuations(physical: list[str]) -> tuple[list[str], list[int]]:
    """Logical lines after Splunk's backslash continuation, and the physical line number each starts at."""
    lines: list[str] = []
    starts: list[int] = []
    pending: str | None = None
    for number, line in enumerate(physical, 1):
        if pending is None:
            starts.append(number)
            pending = line
        else:
            pending += line
        trailing = len(pending) - len(pending.rstrip("\\"))
        if trailing % 2:
            pending = pending[:-1]
            continue
        lines.append(pending)
        pending = None
    if pending is not None:  # a backslash on the last line continues onto nothing
        lines.append(pending)
    return lines, starts


def _start(number: int, starts: list[int]) -> int:
    """The physical line number where configparser's (1-based, logical) line `number` starts."""
    return starts[min(max(number, 1), len(starts)) - 1]


def _parse_error(number: int, lines: list[str], starts: list[int], what: str, source: str) -> ConfigError:
    """`line N: 'text' <what>` for configparser's logical line `number`."""
    text = lines[min(max(number, 1), len(lines)) - 1].strip()
    shown = text if len(text) <= 80 else text[:77] + "..."
    return ConfigError(f"line {_start(number, starts)}: {shown!r} {what}", source)
