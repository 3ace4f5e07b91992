"""`input = rate`: a constant `rate` of events per second, evenly spaced (what `--rate EPS` selects)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from eventgen.plugin import InputPlugin, Setting, Tick, parse_float


class RateInput(InputPlugin):
    name = "rate"
    uses_core = ()
    rated = False  # explicit event times: the rater is not asked
    summary = "`rate` events per second, event j at start + j/rate; one tick per second."
    settings = (
        Setting(
            "rate",
            parse_float,
            None,
            "`input = rate`: events per second (may be fractional). `--rate EPS` sets it to EPS divided "
            "by the number of samples, for every sample.",
        ),
    )

    @classmethod
    def validate(cls, sample) -> list[tuple[str, str]]:
        rate = cls.config_of(sample.settings).rate
        if rate is None or rate <= 0:
            return [("rate", "input = rate needs rate > 0 (events per second)")]
        return []

    @classmethod
    def nominal_rate(cls, sample) -> float | None:
        return float(cls.config_of(sample.settings).rate)

    def ticks(self, start: float, rng: np.random.Generator) -> Iterator[Tick]:
        rate = float(self.config.rate)
        k = 0
        while True:
            first, last = math.ceil(k * rate), math.ceil((k + 1) * rate)
            stamps = start + np.arange(first, last, dtype=np.float64) / rate
            yield Tick(start + k, len(stamps), start + k, start + k + 1, stamps)
            k += 1
