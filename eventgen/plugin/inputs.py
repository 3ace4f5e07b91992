"""Helpers the schedule (input) plugins share: a sample's base count, a tick's window, schedule datetimes."""

from __future__ import annotations

import re
import time
from datetime import date, datetime, tzinfo
from datetime import time as dtime

from eventgen.core.settings import SettingError
from eventgen.core.timeutil import parse_time
from eventgen.render.expand import expanded_size

__all__ = ["base_count", "moment", "tick_window"]

_EVENTUM_RELATIVE = re.compile(r"([+-])((?:\d+(?:\.\d+)?[wdhms])+)$")
_RELATIVE_PART = re.compile(r"(\d+(?:\.\d+)?)([wdhms])")
_UNIT_SECONDS = {"w": 604800.0, "d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}


def base_count(sample) -> int:
    """`count` resolved against the sample: -1/0 → every sample event, `replacementType = all` expanded (one
    render for a generator without a sample file, as Eventgen's jinja `count = -1`); bundlelines → copies."""
    count = sample.settings["count"]
    events = expanded_size(sample) if sample.path is not None else 1
    if sample.settings["bundlelines"]:
        return max(count, 1) * events
    return events if count <= 0 else count


def tick_window(sample, when: float) -> tuple[float, float]:
    """[earliest, latest] of a tick at `when` (Splunk relative times resolved against it)."""
    tz = sample.tz
    earliest = parse_time(sample.settings["earliest"], when, tz)
    latest = parse_time(sample.settings["latest"], when, tz)
    return (latest, earliest) if latest < earliest else (earliest, latest)


def moment(value: object, tz: tzinfo, base: float | None = None, now: float | None = None) -> float:
    """Epoch seconds for a schedule datetime: a YAML/ISO datetime, `now`, `never` (inf), a Splunk
    relative time (`-7d@d`, resolved against now) or an Eventum offset like `+1d12h` (against
    `base` when given, else now)."""
    now = time.time() if now is None else now
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=tz)).timestamp()
    if isinstance(value, date):
        return datetime.combine(value, dtime(), tz).timestamp()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        raise SettingError(f"expected a datetime, got {value!r}")
    text = value.strip()
    if text.lower() == "never":
        return float("inf")
    match = _EVENTUM_RELATIVE.fullmatch(text.lower())
    if match and len(_RELATIVE_PART.findall(match.group(2))) > 1:
        seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _RELATIVE_PART.findall(match.group(2)))
        return (now if base is None else base) + (seconds if match.group(1) == "+" else -seconds)
    if match and base is not None:
        part = _RELATIVE_PART.fullmatch(match.group(2))
        assert part is not None  # the whole offset matched one part
        n, unit = part.groups()
        seconds = float(n) * _UNIT_SECONDS[unit]
        return base + (seconds if match.group(1) == "+" else -seconds)
    return parse_time(text, now, tz)
