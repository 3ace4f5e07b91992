"""`eventgen preview`: render a few events per sample through the normal generation path."""

from __future__ import annotations

import dataclasses
import itertools
import json
import time
from typing import TextIO

import numpy as np

from eventgen.core.batch import GenerationJob
from eventgen.plugin.base import generator_of, registry
from eventgen.resolve.config import RunConfig
from eventgen.schedule.plan import plan, window_for


def first_job(sample, number: int, seed: int, now: float) -> GenerationJob | None:
    """The first `number` events of the sample's plan as one job (None when the plan is empty)."""
    window = window_for(sample, now, "sample")
    jobs = plan(sample, window, seed, max(1, number))
    first = next(jobs, None)
    if first is None:
        return None
    job = first.job
    if job.timestamps is None:
        job.count = number
        return job
    stamps = [job.timestamps]
    sources = [job.extra.get("sources", b"")]
    have = len(job.timestamps)
    for planned in itertools.islice(jobs, 1000):
        if have >= number or planned.job.timestamps is None:
            break
        stamps.append(planned.job.timestamps)
        sources.append(planned.job.extra.get("sources", b""))
        have += len(planned.job.timestamps)
    job.timestamps = np.concatenate(stamps)[:number]
    job.count = len(job.timestamps)
    if "sources" in job.extra:  # a schedule group: which schedule each time came from
        job.extra["sources"] = b"".join(sources)[:number]
    return job


def preview_events(config: RunConfig, number: int, seed: int | None = None, now: float | None = None):
    """Yield (sample, generator, batch) with the first `number` events of each sample's plan."""
    now = time.time() if now is None else now
    for sample in config.samples:
        generator = generator_of(sample)
        generator.tracing = True
        job = first_job(sample, number, seed or 0, now)
        if job is not None:
            yield sample, generator, generator.generate(job)


def preview(config: RunConfig, number: int, seed: int | None, stream: TextIO, show_state: bool = False) -> None:
    now = time.time()
    for sample in config.samples:
        if getattr(registry.get("input", sample.settings["input"]), "on_demand", False):
            stream.write(
                f"== {sample.label} ({sample.settings['generator']}, no events: input = {sample.settings['input']} "
                "takes the event times from requests during a run) ==\n"
            )
            continue
        for _, generator, batch in preview_events(dataclasses.replace(config, samples=[sample]), number, seed, now):
            stream.write(f"== {sample.label} ({sample.settings['generator']}, {len(batch)} events) ==\n")
            for i, event in enumerate(batch.events):
                stream.write(event + "\n")
                if show_state:
                    state = json.dumps(generator.preview_state(), default=str)
                    stream.write(f"   state after event {i + 1}: {state}\n")
    stream.flush()
