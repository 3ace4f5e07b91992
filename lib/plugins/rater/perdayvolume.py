"""`rater = perdayvolume`: turn `perDayVolume` (GB/day) into events per interval.

Bytes per interval = perDayVolume x 2³⁰ x interval / 86400 (the reference's arithmetic). Events
per interval = that / the sample's mean rendered event size, measured once by rendering a probe
batch with the sample's own generator (tokens included; one byte per event for the newline the
line outputs add). Fractions of an event carry over to the next interval, so the total is exact.
The config rater's tables and `randomizeCount` still shape each interval.
"""

from __future__ import annotations

import math
import time

import numpy as np
from eventgen_plugins.rater.config import ConfigRater

from eventgen.plugin import GenerationJob, Setting, at_least, parse_float, registry

GIB = 2**30
PROBE_EVENTS = 2000  # at least this many events (whole passes over the sample) are rendered to measure
PROBE_CAP = 20000


def mean_event_bytes(sample) -> float:
    """Mean bytes of one rendered event (plus its newline), from a probe batch."""
    size = max(len(sample.data.texts), 1)
    n = min(max(size * math.ceil(PROBE_EVENTS / size), size), max(PROBE_CAP, PROBE_EVENTS))
    generator = registry.get("generator", sample.settings["generator"])(sample)  # type: ignore[call-arg]
    now = time.time()
    batch = generator.generate(GenerationJob(sample.label, 0, n, now, now, now=now))
    if not len(batch):
        raise ValueError(f"sample {sample.label}: the generator rendered no events to measure")
    return len(batch.payload()) / len(batch)


class PerDayVolumeRater(ConfigRater):
    name = "perdayvolume"
    chosen_by = {"perDayVolume": None}
    summary = "Events per interval from `perDayVolume` (GB/day) and the measured mean event size."
    settings = (
        Setting(
            "perDayVolume",
            at_least(parse_float, 0),
            None,
            "GB (2³⁰ bytes) per day to generate; selects `rater = perdayvolume` unless `rater` is set. "
            "Each interval gets perDayVolume x interval / 86400 of it, in events of the sample's "
            "measured mean size.",
        ),
    )

    def __init__(self, sample):
        super().__init__(sample)
        self.volume = float(sample.settings.get("perDayVolume") or 0.0)
        self.interval = float(sample.settings.get("interval") or 0.0)
        self.carry = 0.0
        self._event_bytes: float | None = None

    @classmethod
    def validate(cls, sample) -> list[tuple[str, str]]:
        problems = super().validate(sample)
        if sample.settings.get("perDayVolume") is None:
            problems.append(("perDayVolume", "rater = perdayvolume needs perDayVolume (GB per day)"))
        if not sample.settings.get("interval"):
            problems.append(("interval", "rater = perdayvolume needs interval > 0"))
        return problems

    @property
    def event_bytes(self) -> float:
        if self._event_bytes is None:
            self._event_bytes = mean_event_bytes(self.sample)
        return self._event_bytes

    def per_interval(self) -> float:
        """Events one interval should carry before tables and randomizeCount."""
        return self.volume * GIB * self.interval / 86400.0 / self.event_bytes

    def rate(self, count: int, when: float, rng: np.random.Generator) -> int:
        value = self.per_interval() * self.factor_at(when)
        if self.randomize:
            value *= 1.0 + rng.uniform(-self.randomize / 2, self.randomize / 2)
        value += self.carry
        events = max(0, math.floor(value))
        self.carry = value - events
        return events
