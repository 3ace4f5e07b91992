"""`rater = counter`: Splunk Eventgen's count rater: every interval gets `count` as written, no rate table and no
randomizeCount (the reference's `CountRater`)."""

from __future__ import annotations

import numpy as np

from eventgen.plugin import RaterPlugin


class CountRater(RaterPlugin):
    name = "counter"
    summary = "Each interval makes `count` exactly: no rate tables, no randomizeCount."
    uses_core = ("count",)

    def rate(self, count: int, when: float, rng: np.random.Generator) -> int:
        return max(count, 0)

    def factors(self, times: np.ndarray) -> np.ndarray:
        return np.ones(len(times))
