"""`input = interval`: Eventgen's schedule — `count` events every `interval` seconds."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from eventgen.plugin import InputPlugin, Tick, base_count, parse_time


class IntervalInput(InputPlugin):
    name = "interval"
    uses_core = ("count", "interval", "earliest", "latest")
    summary = "Every `interval` seconds, `count` events timed in [earliest, latest] of the interval."
    spread = True  # live runs release an interval's events evenly over it

    def ticks(self, start: float, rng: np.random.Generator) -> Iterator[Tick]:
        config = self.config
        count = base_count(self.sample)
        tz = self.sample.tz
        k = 0
        while True:
            when = start + k * config.interval
            earliest = parse_time(config.earliest, when, tz)
            latest = parse_time(config.latest, when, tz)
            if latest < earliest:
                earliest, latest = latest, earliest
            yield Tick(when, count, earliest, latest)
            k += 1
