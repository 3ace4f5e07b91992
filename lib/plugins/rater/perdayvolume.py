"""`rater = perdayvolume`: turn `perDayVolume` (GB/day) into events per interval, held to the target by bytes.

Bytes per interval = perDayVolume x 2³⁰ x interval / 86400 (the reference's arithmetic), times the config
rater's tables and `randomizeCount`. The rater keeps the run's cumulative target and counts each interval so
that the bytes made so far meet it:

- before any job exists it measures a probe batch rendered as the run will render: the sample's own generator,
  the first tick's time (a point window, so templates see the run's whole-second times), the run's seed and the
  generator's own pick policy (one byte per event for the newline the line outputs add);
- then the plan hands it every job it cuts from the rated ticks; it renders each once more with its own
  generator instance (rendering is a pure function of the job, so these are the bytes the outputs get) and the
  next counts make up the difference, converted to events at the mean size measured so far.

So the bytes written track the target at every tick, not only on average: over any span of many intervals the
total is within a fraction of one interval's volume of perDayVolume x span / 86400. The price is rendering each
event twice (once here, once in the workers).
"""

from __future__ import annotations

import math

import numpy as np

from eventgen.plugin import (
    GenerationJob,
    GeneratorPlugin,
    Setting,
    TableRater,
    at_least,
    generator_class,
    generator_of,
    parse_float,
)

GIB = 2**30
PROBE_EVENTS = 2000  # at least this many events (whole passes over the sample) are rendered to measure
PROBE_CAP = 20000


def probe_size(sample) -> int:
    size = max(len(sample.data.texts), 1)
    return min(max(size * math.ceil(PROBE_EVENTS / size), size), max(PROBE_CAP, PROBE_EVENTS))


def mean_event_bytes(sample, when: float | None = None, seed: int = 0, generator=None) -> float:
    """Mean bytes per event asked for (plus the newline), from a probe batch rendered at `when` with `seed`."""
    import time

    n = probe_size(sample)
    generator = generator or generator_of(sample)
    when = time.time() if when is None else when
    batch = generator.generate(GenerationJob(sample.label, 0, n, when, when, now=when, seed=seed))
    if not len(batch):
        raise ValueError(f"sample {sample.label}: the generator rendered no events to measure")
    return len(batch.payload()) / n


class PerDayVolumeRater(TableRater):
    name = "perdayvolume"
    chosen_by = {"perDayVolume": None}
    observes = True
    uses_core = ("interval", "randomizeCount", "generator")  # not count: perDayVolume sizes each interval
    summary = "Events per interval from `perDayVolume` (GB/day), corrected from the bytes earlier jobs render."
    settings = (
        Setting(
            "perDayVolume",
            at_least(parse_float, 0),
            None,
            "GB (2³⁰ bytes) per day to generate; selects `rater = perdayvolume` unless `rater` is set. "
            "Each interval gets perDayVolume x interval / 86400 of it; the rater measures the bytes every job "
            "renders and makes up the difference in the next intervals, so any span of many intervals is on target.",
        ),
    )

    def __init__(self, sample, seed: int = 0):
        super().__init__(sample, seed)
        self.volume = self.config.perDayVolume  # GB a day: set (`validate` refuses a stanza without it)
        self.interval = self.config.interval
        self.target = 0.0  # bytes the run should have made by the current tick
        self.asked = 0  # events counted so far
        self.observed_bytes = 0
        self.observed_events = 0
        self._event_bytes: float | None = None
        self._measurer: GeneratorPlugin | None = None

    @classmethod
    def validate(cls, sample) -> list[tuple[str, str]]:
        problems = super().validate(sample)
        config = cls.config_of(sample.settings)
        if config.perDayVolume is None:
            problems.append(("perDayVolume", "rater = perdayvolume needs perDayVolume (GB per day)"))
        if not config.interval:
            problems.append(("interval", "rater = perdayvolume needs interval > 0"))
        return problems

    @property
    def measurer(self) -> GeneratorPlugin:
        if self._measurer is None:
            self._measurer = self._generator()
        return self._measurer

    def _generator(self) -> GeneratorPlugin:
        """A new instance of the sample's generator."""
        return generator_class(self.config.generator)(self.sample)

    def probe(self, when: float | None = None) -> float:
        """The probe's mean event size (measured once, at the first tick's time)."""
        if self._event_bytes is None:
            # a fresh instance: a stateful generator's measurer must start where the workers' instance starts
            generator = self._generator()
            self._event_bytes = mean_event_bytes(self.sample, when, self.seed, generator)
        return self._event_bytes

    @property
    def event_bytes(self) -> float:
        """Mean bytes per event: measured over the jobs observed so far, else the probe's."""
        if self.observed_events:
            return self.observed_bytes / self.observed_events
        return self.probe()

    def per_interval(self) -> float:
        """Events one interval should carry before tables and randomizeCount, at the probe's size."""
        return self.volume * GIB * self.interval / 86400.0 / self.probe()

    def rate(self, count: int, when: float, rng: np.random.Generator) -> int:
        self.probe(when)
        value = self.volume * GIB * self.interval / 86400.0 * self.factor_at(when)
        if self.randomize:
            value *= 1.0 + rng.uniform(-self.randomize / 2, self.randomize / 2)
        self.target += value
        pending = self.asked - self.observed_events  # counted but not yet seen: at the mean size
        wanted = (self.target - self.observed_bytes) / self.event_bytes - pending
        events = max(0, math.floor(wanted + 1e-9))
        self.asked += events
        return events

    def observe(self, job: GenerationJob) -> None:
        if job.count <= 0:
            return
        self.observed_bytes += len(self.measurer.generate(job).payload())
        self.observed_events += job.count
