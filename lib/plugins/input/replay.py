"""`input = replay` (chosen by `mode = replay`): each pass puts the sample's events at their own spacing.

Pass p starts at S_p; event i is at S_p + (t_i - t_0) x timeMultiple, so the first event is at the
pass start and every gap is the original gap scaled — none shifted, none merged. The next pass
starts `interval` seconds after the last event of the previous one (at least 1 s after the pass
start when a pass takes no time, so a one-instant sample cannot loop in place).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from eventgen.plugin import InputPlugin, SettingError, Tick, event_times


class ReplayInput(InputPlugin):
    name = "replay"
    uses_core = ("interval", "timeField", "timeMultiple")
    rated = False  # explicit event times: the rater is not asked
    summary = "Replays the sample's events keeping their relative times (x timeMultiple), pass after pass."

    @classmethod
    def validate(cls, sample) -> list[tuple[str, str]]:
        try:
            event_times(sample)
        except SettingError as exc:
            key = "timeField" if cls.config_of(sample.settings).timeField != "_raw" else "mode"
            return [(key, str(exc))]
        return []

    def ticks(self, start: float, rng: np.random.Generator) -> Iterator[Tick]:
        times = event_times(self.sample)
        offsets = (times - times[0]) * self.config.timeMultiple
        interval = self.config.interval
        begin = start
        while True:
            stamps = begin + offsets
            yield Tick(begin, len(stamps), begin, float(stamps[-1]), stamps)
            after = float(stamps[-1]) + interval
            begin = after if after > begin else begin + 1.0
