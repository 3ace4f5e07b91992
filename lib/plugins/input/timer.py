"""`input = timer`: Eventum's timer — every `interval` seconds, `count` events, `timerRepeat` times."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from eventgen.plugin import InputPlugin, Setting, Tick, at_least, base_count, parse_int, tick_window


class TimerInput(InputPlugin):
    name = "timer"
    uses_core = ("count", "interval", "earliest", "latest")
    summary = "Every `interval` seconds (> 0) `count` events at the tick time, `timerRepeat` times (default: forever)."
    settings = (
        Setting(
            "timerRepeat",
            at_least(parse_int, 1),
            None,
            "`input = timer`: number of ticks before the schedule ends (default: no limit).",
        ),
    )

    @classmethod
    def validate(cls, sample) -> list[tuple[str, str]]:
        if cls.config_of(sample.settings).interval <= 0:
            return [("interval", "input = timer needs interval > 0 (seconds between ticks)")]
        return []

    def ticks(self, start: float, rng: np.random.Generator) -> Iterator[Tick]:
        interval, repeat = self.config.interval, self.config.timerRepeat
        count = base_count(self.sample)
        k = 0
        while repeat is None or k < repeat:
            when = start + k * interval
            yield Tick(when, count, *tick_window(self.sample, when))
            k += 1
