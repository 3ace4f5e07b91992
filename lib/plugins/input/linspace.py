"""`input = linspace`: `count` events spread evenly from `linspaceStart` to `linspaceEnd`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import tzinfo

import numpy as np

from eventgen.plugin import Config, InputPlugin, Setting, SettingError, Tick, base_count, moment, parse_bool, parse_str

CHUNK = 100_000  # timestamps per tick: the schedule never holds more in memory


def _bounds(config: Config, tz: tzinfo, start: float | None, now: float) -> tuple[float, float]:
    """[first, last] event time: linspaceStart, else the schedule's start (else now), to linspaceEnd."""
    first = moment(config.linspaceStart, tz, now=now) if config.linspaceStart else start
    if first is None:
        first = now
    last = moment(config.linspaceEnd, tz, base=first, now=now)
    return first, last


class LinspaceInput(InputPlugin):
    name = "linspace"
    uses_core = ("count",)
    rated = False  # explicit event times: the rater is not asked
    summary = "`count` events evenly spaced over [linspaceStart, linspaceEnd] (numpy.linspace), then stop."
    settings = (
        Setting(
            "linspaceStart",
            parse_str,
            None,
            "`input = linspace`: first event time (ISO date, `now`, `-1h`, `-1d@d`). Default: the "
            "schedule's start (now, or `backfill`).",
        ),
        Setting(
            "linspaceEnd",
            parse_str,
            None,
            "`input = linspace`: last event time (required): ISO date, Splunk relative time, or an "
            "offset from the start like `+1h` / `+1d12h`.",
        ),
        Setting(
            "linspaceEndpoint",
            parse_bool,
            "true",
            "`input = linspace`: whether `linspaceEnd` itself gets an event (numpy's `endpoint`).",
        ),
    )

    @classmethod
    def validate(cls, sample) -> list[tuple[str, str]]:
        config = cls.config_of(sample.settings)
        if not config.linspaceEnd:
            return [("linspaceEnd", "input = linspace needs linspaceEnd (the last event time)")]
        try:
            first, last = _bounds(config, sample.tz, None, time.time())
        except SettingError as exc:
            return [("linspaceEnd", str(exc))]
        if last < first or last == float("inf"):
            return [("linspaceEnd", "linspaceEnd must be a finite time after linspaceStart")]
        return []

    def ticks(self, start: float, rng: np.random.Generator) -> Iterator[Tick]:
        first, last = _bounds(self.config, self.sample.tz, start, self.now)
        count = base_count(self.sample)
        divisor = (count - 1 if self.config.linspaceEndpoint else count) or 1
        step = (last - first) / divisor
        for a in range(0, count, CHUNK):
            stamps = first + np.arange(a, min(a + CHUNK, count), dtype=np.float64) * step
            yield Tick(float(stamps[0]), len(stamps), float(stamps[0]), float(stamps[-1]), stamps)
