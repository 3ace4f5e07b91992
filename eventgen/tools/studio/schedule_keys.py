"""Which settings shape a sample's time distribution: what the histogram form offers to change."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from typing import Any, cast

import numpy as np

from eventgen.conf.sample import Sample
from eventgen.core.settings import Settings
from eventgen.plugin.base import InputPlugin, Plugin, RaterPlugin, registry

# core settings that can shape a time distribution; the form shows those the sample's input and rater use
SCHEDULE_KEYS = (
    "interval", "count", "bundlelines", "earliest", "latest", "randomizeCount", "timeMultiple", "delay",
    "backfill", "end", "timezone",
)  # fmt: skip
WINDOW_KEYS = ("backfill", "end", "timezone")  # the histogram's own window and clock: shown for every sample
PROBE_TICKS = 3  # ticks walked to see which settings an input (and its rater) reads


class _Reads(Settings):
    """Settings that note every key read (how the studio learns what an input or rater uses)."""

    def __init__(self, values: Mapping[str, Any]):
        super().__init__(values)
        self.read: list[str] = []

    def __getitem__(self, key: str) -> Any:
        self.read.append(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.read.append(key)
        return super().get(key, default)


def declared_core(plugin: type[Plugin]) -> list[str] | None:
    """`uses_core` when the plugin itself declares it (not inherited from the kind's base class)."""
    for klass in plugin.__mro__:
        if klass in (InputPlugin, RaterPlugin) or not issubclass(klass, InputPlugin | RaterPlugin):
            break
        if "uses_core" in vars(klass):  # the first class on the way up that declares it: its value is the plugin's
            return list(vars(klass)["uses_core"] or ())
    return None


def schedule_settings(sample: Sample, now: float | None = None) -> list[str]:
    """The settings that shape this sample's time distribution, as the engine runs it: the window and
    clock, the input's declared settings and the core settings it uses, then - only when the input makes
    ticks the rater counts (ticks without explicit timestamps, see `eventgen.schedule.plan.ticks`) - the
    rater's. Core settings used come from a plugin's own `uses_core` declaration when it has one, else
    from watching the plugin read a copy of the sample's settings over its first ticks; if that probe
    fails every schedule key is shown."""
    now = time.time() if now is None else now
    inputs = cast(type[InputPlugin], registry.get("input", sample.settings["input"]))
    rater = cast(type[RaterPlugin], registry.get("rater", sample.settings["rater"]))
    keys: list[str] = []

    def add(names: list[str]) -> None:
        keys.extend(k for k in names if k not in keys)

    try:
        reads = _Reads(sample.settings)
        probe = dataclasses.replace(sample, settings=reads)
        schedule = inputs(probe, now)
        rng = np.random.default_rng(0)
        rated = False
        for number, tick in enumerate(schedule.ticks(now, rng)):
            rated = rated or tick.timestamps is None
            if number + 1 >= PROBE_TICKS:
                break
        used = declared_core(inputs)
        add([k for k in (reads.read if used is None else used) if k in SCHEDULE_KEYS])
        add([s.name for s in inputs.settings])
        if rated:
            reads.read.clear()
            counter = rater(probe)
            counter.rate(1, now, rng)
            used = declared_core(rater)
            add([k for k in (reads.read if used is None else used) if k in SCHEDULE_KEYS])
            add([s.name for s in rater.settings])
    except Exception:  # a schedule that cannot run yet (validation reports why): offer every key
        add(list(SCHEDULE_KEYS))
        add([s.name for plugin in (inputs, rater) for s in plugin.settings])
    add(list(WINDOW_KEYS))
    return keys
