"""Time: zones, Splunk relative time (`-15m`, `-1d@d+8h`, ISO dates) and fast batch formatting."""

from __future__ import annotations

import calendar
import contextlib
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from eventgen.core.settings import SettingError

_UNITS = {
    "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "m": "m", "min": "m", "mins": "m", "minute": "m", "minutes": "m",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "d": "d", "day": "d", "days": "d",
    "w": "w", "week": "w", "weeks": "w",
    "mon": "mon", "month": "mon", "months": "mon",
    "q": "q", "qtr": "q", "qtrs": "q", "quarter": "q", "quarters": "q",
    "y": "y", "yr": "y", "yrs": "y", "year": "y", "years": "y",
}  # fmt: skip
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_PART = re.compile(r"([+-])(\d*)([a-z]+)|@([a-z]+)(\d?)")


_OFFSET = re.compile(r"([+-]?)(?:(\d{1,4})|(\d{1,2}):(\d{2}))")


def parse_timezone(text: str) -> tzinfo:
    """`local`, `utc`, an offset or an IANA zone name. An offset is Splunk's integer hhmm, signed or not (`0000`
    is UTC, `-500` is -05:00, `530` is +05:30), or `±hh:mm`; up to ±2359, minutes below 60."""
    value = text.strip()
    low = value.lower()
    if low in ("", "local"):
        return local_zone()
    if low in ("utc", "z", "gmt"):
        return UTC
    match = _OFFSET.fullmatch(value)
    if match:
        sign, number, hours_text, minutes_text = match.groups()
        hours, minutes = divmod(int(number), 100) if number else (int(hours_text), int(minutes_text))
        if hours > 23 or minutes > 59:
            raise SettingError(
                f"offset {value!r} is out of range: hhmm from -2359 to +2359 with minutes 00-59 (e.g. -0500, 530)"
            )
        return timezone((-1 if sign == "-" else 1) * timedelta(hours=hours, minutes=minutes))
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingError(
            f"unknown timezone {text!r}; use local, utc, an offset hhmm (+0530, -500) or an IANA name"
        ) from None


def parse_timezone_name(text: str) -> str:
    """The `timezone` setting: the text, once `parse_timezone` has accepted it."""
    parse_timezone(text)
    return text


def local_zone() -> tzinfo:
    """The local zone with its rules (DST included): `TZ`, else /etc/localtime's zone, else a fixed offset."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError, OSError):
            return ZoneInfo(name)
    with contextlib.suppress(OSError):
        link = os.readlink("/etc/localtime")
        if "zoneinfo/" in link:
            with contextlib.suppress(ZoneInfoNotFoundError, ValueError, OSError):
                return ZoneInfo(link.split("zoneinfo/", 1)[1])
    with contextlib.suppress(OSError, ValueError), open("/etc/localtime", "rb") as handle:
        return ZoneInfo.from_file(handle, key="localtime")
    return datetime.now().astimezone().tzinfo or UTC


def parse_time(text: str, now: float, tz: tzinfo) -> float:
    """Epoch seconds for a Splunk relative time or an absolute date, relative to `now`."""
    value = text.strip()
    if value.lower() in ("now", ""):
        return now
    if re.fullmatch(r"\d+(\.\d+)?", value) and len(value.split(".")[0]) >= 9:
        return float(value)
    if value[0] in "+-@":
        return _relative(value.lower(), now, tz)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise SettingError(
            f"cannot read time {text!r}; use now, a relative time like -15m, -1d@d, +1h, or an ISO date"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.timestamp()


def _relative(text: str, now: float, tz: tzinfo) -> float:
    pos = 0
    moment = datetime.fromtimestamp(now, tz)
    while pos < len(text):
        match = _PART.match(text, pos)
        if not match:
            raise SettingError(f"cannot read relative time {text!r} at {text[pos:]!r}")
        pos = match.end()
        if match.group(1):
            unit = _unit(match.group(3), text)
            amount = int(match.group(2) or 1) * (-1 if match.group(1) == "-" else 1)
            moment = _shift(moment, amount, unit)
        else:
            moment = _snap(moment, _unit(match.group(4), text), match.group(5))
    return moment.timestamp()


def _unit(name: str, text: str) -> str:
    try:
        return _UNITS[name]
    except KeyError:
        raise SettingError(f"unknown time unit {name!r} in {text!r}") from None


def _shift(moment: datetime, amount: int, unit: str) -> datetime:
    if unit in _SECONDS:
        stamp = moment.timestamp() + amount * _SECONDS[unit]
        return datetime.fromtimestamp(stamp, moment.tzinfo)
    months = amount * {"mon": 1, "q": 3, "y": 12}[unit]
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _snap(moment: datetime, unit: str, weekday: str) -> datetime:
    if unit == "s":
        return moment.replace(microsecond=0)
    if unit == "m":
        return moment.replace(second=0, microsecond=0)
    if unit == "h":
        return moment.replace(minute=0, second=0, microsecond=0)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "d":
        return day
    if unit == "w":
        target = int(weekday or 0)  # Splunk: w0 = Sunday
        back = (day.isoweekday() % 7 - target) % 7
        return day - timedelta(days=back)
    if unit == "mon":
        return day.replace(day=1)
    if unit == "q":
        return day.replace(day=1, month=(day.month - 1) // 3 * 3 + 1)
    return day.replace(day=1, month=1)


_DIRECTIVE = re.compile(r"%(:z|.)")
ISOFORMAT = "isoformat"  # the pattern that writes what datetime.isoformat() writes (Eventum's default)
_ISO_PATTERN = "%Y-%m-%dT%H:%M:%S.%f%:z"
_MICRO = "\x1e"  # a control character C strftime passes through (NUL would end the string)


class TimeFormatter:
    """Formats arrays of epoch seconds with a strftime pattern, fast.

    Each distinct second is formatted once (and cached); `%f` (microseconds) and `%s`
    (epoch seconds) are spliced in per event, so sub-second times are real. `%:z` is the offset with a colon
    (`+00:00`, as Python 3.12's strftime); the pattern `isoformat` writes what `datetime.isoformat()` does
    (`.ffffff` only when the microseconds are not 0).
    """

    def __init__(self, pattern: str, tz: tzinfo, cache_size: int = 4096):
        self.pattern = pattern
        self.tz = tz
        self.iso = pattern == ISOFORMAT
        if self.iso:
            pattern = _ISO_PATTERN
        self.has_micro = False
        parts: list[str] = []
        pos = 0
        for match in _DIRECTIVE.finditer(pattern):
            parts.append(pattern[pos : match.start()].replace("%", "%%"))
            code = match.group(1)
            if code == "f":
                self.has_micro = True
                parts.append(_MICRO)
            elif code == "s":
                parts.append("\x01")
            elif code == ":z":
                parts.append("\x02")
            else:
                parts.append(match.group(0))
            pos = match.end()
        parts.append(pattern[pos:].replace("%", "%%"))
        self._compiled = "".join(parts)
        self._cache: dict[int, str | tuple[str, str]] = {}
        self._cache_size = cache_size

    def _second(self, sec: int) -> str | tuple[str, str]:
        cached = self._cache.get(sec)
        if cached is not None:
            return cached
        moment = datetime.fromtimestamp(sec, self.tz)
        text = moment.strftime(self._compiled).replace("\x01", str(sec))
        if "\x02" in text:
            offset = moment.strftime("%z")
            text = text.replace("\x02", f"{offset[:3]}:{offset[3:]}" if offset else "")
        head, _, tail = text.partition(_MICRO)
        value: str | tuple[str, str] = (head, tail) if self.has_micro else text
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[sec] = value
        return value

    def format(self, stamp: float) -> str:
        return self.format_many(np.array([stamp], dtype=float))[0]

    def format_many(self, times: np.ndarray) -> list[str]:
        n = len(times)
        if n == 0:
            return []
        total_us = micros(times)
        secs = total_us // 1_000_000
        first, last = int(secs.min()), int(secs.max())
        if first == last:
            per_event_idx = None
            uniq = [first]
        else:
            uniq_arr, inverse = np.unique(secs, return_inverse=True)
            uniq = uniq_arr.tolist()
            per_event_idx = inverse.tolist()
        # str per second, or (head, tail) around the microseconds when the format has them
        formatted: list[Any] = [self._second(s) for s in uniq]
        if not self.has_micro:
            if per_event_idx is None:
                return [formatted[0]] * n
            return list(itemgetter(*per_event_idx)(formatted)) if n > 1 else [formatted[per_event_idx[0]]]
        fraction = total_us - secs * 1_000_000
        micro_text = list(map("%06d".__mod__, fraction.tolist()))
        if self.iso:  # isoformat(): no fraction when it is 0 (the "." before it goes too)
            pairs = [formatted[0]] * n if per_event_idx is None else [formatted[i] for i in per_event_idx]
            return [
                p[0][:-1] + p[1] if m == "000000" else p[0] + m + p[1] for p, m in zip(pairs, micro_text, strict=True)
            ]
        if per_event_idx is None:
            head, tail = formatted[0]
            return [head + m + tail for m in micro_text]
        pairs = [formatted[i] for i in per_event_idx]
        return [p[0] + m + p[1] for p, m in zip(pairs, micro_text, strict=True)]


def micros(times: np.ndarray) -> np.ndarray:
    """The one rounding rule of every timestamp eventgen writes: epoch seconds to the nearest
    microsecond (int64); coarser fields truncate that (see `split_time`)."""
    return np.rint(np.asarray(times, dtype=np.float64) * 1e6).astype(np.int64)


def split_time(times: np.ndarray, digits: int) -> tuple[np.ndarray, np.ndarray]:
    """(whole seconds, fraction as an integer of `digits` digits) by the one rounding rule, so a
    second and its fraction agree in every output (an event at .9999999 is the next second, .000)."""
    us = micros(times)
    secs = us // 1_000_000
    return secs, (us - secs * 1_000_000) // 10 ** (6 - digits)


def per_second(times: np.ndarray, make: Callable[[int], str], cache: dict[int, str]) -> list[str]:
    """`make(second)` for each event's whole second (by the one rounding rule), each computed once."""
    secs = micros(times) // 1_000_000
    if len(secs) and secs[0] == secs[-1] and (secs == secs[0]).all():
        uniq, inverse = [int(secs[0])], None
    else:
        uniq_arr, inverse = np.unique(secs, return_inverse=True)
        uniq = uniq_arr.tolist()
    values = []
    for sec in uniq:
        text = cache.get(sec)
        if text is None:
            if len(cache) > 4096:
                cache.clear()
            text = cache[sec] = make(sec)
        values.append(text)
    if inverse is None:
        return values * len(secs)
    return [values[i] for i in inverse.tolist()]
