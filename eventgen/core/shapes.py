"""Load shapes: a run's target rate as a function of the time since the shape started (Locust's LoadTestShape).

A shape is a list of segments, each held for a duration: `RATE@DURATION` holds RATE events/s, and
`FROM..TO@DURATION` ramps linearly from FROM to TO events/s. The text form is the segments joined by commas:

    1000@10s,2000@10s            two steps of ten seconds each
    100..5000@60s                a linear ramp over a minute
    500@5s,500..2000@30s,2000@1m  a hold, a ramp, a hold

Durations are seconds (`30`, `30s`), minutes (`2m`), hours (`1h`) or milliseconds (`500ms`). After its last
segment a shape holds its last rate (`rate_at` says so with `ended`); a command that runs a shape ends the run
there unless told otherwise.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from eventgen.core.settings import SettingError

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h)?")
FORMS = "RATE@DURATION (a step) or FROM..TO@DURATION (a ramp), joined by commas, e.g. 1000@10s,100..5000@60s"


class ShapeError(SettingError):
    """A shape that cannot be read: one line naming the segment and what is allowed."""


@dataclass(frozen=True)
class Segment:
    """`start` events/s ramping linearly to `end` events/s over `seconds` (a step when they are equal)."""

    start: float
    end: float
    seconds: float

    def rate_at(self, t: float) -> float:
        """The rate `t` seconds into this segment."""
        if self.seconds <= 0:
            return self.end
        return self.start + (self.end - self.start) * min(max(t / self.seconds, 0.0), 1.0)

    def events_until(self, t: float) -> float:
        """The events this segment asks for in its first `t` seconds (0 <= t <= seconds): the area under it."""
        return t * (self.start + self.rate_at(t)) / 2

    def text(self) -> str:
        rate = _number(self.start) if self.start == self.end else f"{_number(self.start)}..{_number(self.end)}"
        return f"{rate}@{_number(self.seconds)}s"


@dataclass(frozen=True)
class Shape:
    """Segments played one after the other from the moment the shape is set."""

    segments: tuple[Segment, ...]

    @property
    def seconds(self) -> float:
        """How long the shape lasts."""
        return sum(s.seconds for s in self.segments)

    def rate_at(self, t: float) -> float:
        """The target events/s `t` seconds after the shape started (its last rate once it has ended)."""
        for segment in self.segments:
            if t < segment.seconds:
                return segment.rate_at(t)
            t -= segment.seconds
        return self.segments[-1].end

    def events_until(self, t: float) -> float:
        """The events the shape asks for in its first `t` seconds (its last rate held after its end)."""
        events = 0.0
        for segment in self.segments:
            if t < segment.seconds:
                return events + segment.events_until(max(t, 0.0))
            events += segment.events_until(segment.seconds)
            t -= segment.seconds
        return events + t * self.segments[-1].end

    def ended(self, t: float) -> bool:
        return t >= self.seconds

    def text(self) -> str:
        """The shape in the form `parse_shape` reads."""
        return ",".join(s.text() for s in self.segments)


def parse_shape(text: str) -> Shape:
    """A shape from its text form; ShapeError (one line) when it is not one."""
    parts = [p.strip() for p in str(text).split(",")]
    if not text or not text.strip():
        raise ShapeError(f"empty shape: expected {FORMS}")
    return Shape(tuple(_segment(part, n) for n, part in enumerate(parts, 1)))


def _segment(part: str, n: int) -> Segment:
    where = f"segment {n} {part!r}"
    if part.count("@") != 1:
        raise ShapeError(f"{where}: expected {FORMS}")
    rates, duration = (p.strip() for p in part.split("@"))
    seconds = parse_duration(duration, where)
    if seconds <= 0:
        raise ShapeError(f"{where}: the duration must be above 0 seconds")
    if ".." in rates:
        first, _, last = rates.partition("..")
        start, end = parse_rate(first, where), parse_rate(last, where)
    else:
        start = end = parse_rate(rates, where)
    return Segment(start, end, seconds)


def parse_rate(text: str, where: str = "rate") -> float:
    """Events per second above 0, finite."""
    try:
        rate = float(text.strip().removesuffix("/s"))
    except ValueError:
        raise ShapeError(f"{where}: rate {text.strip()!r} is not a number of events/s") from None
    if not math.isfinite(rate) or rate <= 0:
        raise ShapeError(f"{where}: rate {text.strip()!r} must be a finite number of events/s above 0")
    return rate


def parse_duration(text: str, where: str = "duration") -> float:
    """Seconds from `30`, `30s`, `2m`, `1h` or `500ms`."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not match:
        raise ShapeError(f"{where}: duration {text.strip()!r} is not a time such as 10s, 2m, 1h or 500ms")
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) or abs(value) >= 1e15 else str(int(value))
