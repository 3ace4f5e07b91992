"""`eventgen preview`: render a few events per sample through the normal generation path."""

from __future__ import annotations

import json
import time
from typing import TextIO

import numpy as np

from eventgen.conf.loader import RunConfig
from eventgen.plugin.base import registry
from eventgen.render.batch import GenerationJob
from eventgen.schedule.timer import window_for


def preview_events(config: RunConfig, number: int, seed: int | None = None):
    """Yield (sample, generator, batch) with `number` events of each sample, timed at its first tick."""
    now = time.time()
    for sample in config.samples:
        generator = registry.get("generator", sample.settings["generator"])(sample)  # type: ignore[call-arg]
        generator.tracing = True
        schedule = registry.get("input", sample.settings["input"])(sample)  # type: ignore[call-arg]
        tick = next(iter(schedule.ticks(window_for(sample, now).start, np.random.default_rng(seed or 0))))
        stamps = None if tick.timestamps is None else tick.timestamps[:number]
        job = GenerationJob(sample.label, 0, number if stamps is None else len(stamps), tick.earliest,
                            tick.latest, now=tick.time, seed=seed or 0, timestamps=stamps)
        yield sample, generator, generator.generate(job)


def preview(config: RunConfig, number: int, seed: int | None, stream: TextIO, show_state: bool = False) -> None:
    for sample, generator, batch in preview_events(config, number, seed):
        stream.write(f"== {sample.label} ({sample.settings['generator']}, {len(batch)} events) ==\n")
        for i, event in enumerate(batch.events):
            stream.write(event + "\n")
            if show_state:
                stream.write(f"   state after event {i + 1}: {json.dumps(generator.preview_state(), default=str)}\n")
    stream.flush()
