"""Plugin contracts: the bases of the generator, rater and input kinds (outputs: `eventgen.plugin.output`).

A plugin is a subclass of one of the base classes below with a `name` and its own declared `settings`.
Subclassing registers it (`Plugin`, in `eventgen.plugin.registry`). Built-ins live in `lib/plugins/<kind>/`;
users add directories (`pluginDir`, `--plugin-dir`) or packages exposing the `eventgen.plugins` entry point.
The core never imports a plugin by name: it asks `registry`.
"""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from eventgen.core.batch import EventBatch, GenerationJob
from eventgen.core.errors import PluginError
from eventgen.plugin.registry import Plugin, builtin_plugin_dir, registry
from eventgen.schedule.tick import LiveRun, Tick

if TYPE_CHECKING:
    from eventgen.conf.sample import Sample

__all__ = [
    "GeneratorPlugin", "InputPlugin", "LiveRun", "Plugin", "RaterPlugin", "Tick", "builtin_plugin_dir",
    "generator_class", "generator_of", "registry",
]  # fmt: skip


class GeneratorPlugin(Plugin):
    """Renders a job into a batch. One instance per sample per worker; compile in __init__."""

    kind = "generator"
    needs_sample_file: ClassVar[bool] = True
    tracing: bool = False  # set by `eventgen preview`: keep per-event state for preview_state()

    @classmethod
    def is_stateful(cls, sample: Sample) -> bool:
        """True when rendering depends on state kept between jobs: one instance then renders every job of
        the sample (threads share it under a lock; process and cluster workers get its jobs by affinity)."""
        return False

    @classmethod
    def exact_count(cls, sample: Sample) -> bool:
        """True when a job of N times makes exactly N events (fewer only when it fails): the dispatcher then
        refuses a completion that claims any other number. False (the default) for plugins that make any
        number of events per time, such as templates and scripts."""
        return False

    def __init__(self, sample: Sample):
        self.sample = sample
        self.config = self.config_of(sample.settings)

    @abstractmethod
    def generate(self, job: GenerationJob) -> EventBatch: ...

    def preview_state(self) -> dict[str, Any]:
        """State worth showing in `eventgen preview` (templates override)."""
        return {}


class RaterPlugin(Plugin):
    """Turns a sample's base count into the count for one interval.

    The plan makes it with the run's `seed` before the first `rate`, and hands each job it cuts from a rated tick
    to `observe`, in order, so that a rater may correct later counts from what earlier jobs really hold (raters
    that do set `observes`). Generators that only want `factors` make one with the default seed."""

    kind = "rater"
    # core keys the rater reads (None: undeclared, nothing is warned about). Without "count" the tick's count is
    # ignored (the rater sizes intervals itself); the loader warns about declared-unread keys a stanza sets.
    uses_core: ClassVar[Iterable[str] | None] = None
    observes: ClassVar[bool] = False  # True: `observe` looks at jobs, so only the full plan gives exact counts

    def __init__(self, sample: Sample, seed: int = 0):
        self.sample = sample
        self.config = self.config_of(sample.settings)
        self.seed = seed  # the run's (`--seed`, the conf's `seed`, or 0)

    @abstractmethod
    def rate(self, count: int, when: float, rng: np.random.Generator) -> int: ...

    def observe(self, job: GenerationJob) -> None:
        """A job the plan made from this rater's counts (called in plan order, after the tick was rated)."""

    def factors(self, times: np.ndarray) -> np.ndarray:
        """Per-event value factors for `rated` tokens (1.0 unless the rater has tables)."""
        return np.ones(len(times))


class InputPlugin(Plugin):
    """A schedule: when events happen and how many (Eventum's input plugins)."""

    kind = "input"
    spread: ClassVar[bool] = False  # live: release a tick's events evenly until the next tick (interval)
    # ticks come from outside while a run goes on (e.g. HTTP requests): without `live` the schedule yields nothing,
    # and its plan cannot be counted ahead
    on_demand: ClassVar[bool] = False
    # core keys the schedule reads (None: undeclared, nothing is warned about): the loader warns about the others
    # of SCHEDULE_KEYS that a stanza sets
    uses_core: ClassVar[Iterable[str] | None] = None
    rated: ClassVar[bool] = True  # its ticks' counts go through the rater (False: explicit times, no rater)

    def __init__(self, sample: Sample, now: float | None = None, live: LiveRun | None = None):
        self.sample = sample
        self.config = self.config_of(sample.settings)
        self.now = time.time() if now is None else now  # the run's reference time (`--now`)
        self.live = live  # given by a real run only (see LiveRun): preview, validation and counts walk without

    @abstractmethod
    def ticks(self, start: float, rng: np.random.Generator) -> Iterator[Tick]:
        """Ticks in time order from `start`; the timer decides when to stop."""
        ...


_OUTPUT_NAMES = (
    "OutputPlugin", "OutputError", "OutputConfig", "Delivery", "LineFrames", "WriteResult", "event_text_of",
)  # fmt: skip


def __getattr__(name: str) -> Any:
    """The output contract lives in `eventgen.plugin.output`; plugins written against `eventgen.plugin.base`
    still find it here."""
    if name in _OUTPUT_NAMES:
        from eventgen.plugin import output

        return getattr(output, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def generator_class(name: str) -> type[GeneratorPlugin]:
    """The generator plugin called `name`, typed as one (the registry holds every kind as `Plugin`)."""
    cls = registry.get("generator", name)
    if not issubclass(cls, GeneratorPlugin):
        raise PluginError(f"generator {name!r} is a {cls.__qualname__}, not a GeneratorPlugin")
    return cls


def generator_of(sample: Sample) -> GeneratorPlugin:
    """A new instance of the sample's generator."""
    return generator_class(sample.settings["generator"])(sample)
