"""The studio's template debugger: one event per step from a fresh generator, with its state after each."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from eventgen.conf.sample import Sample
from eventgen.core.batch import GenerationJob
from eventgen.plugin.base import generator_of
from eventgen.schedule.plan import ticks as plan_ticks
from eventgen.schedule.plan import window_for
from eventgen.tools.studio.convert import bounded, iso_time, jsonable
from eventgen.tools.studio.files import Files

if TYPE_CHECKING:
    from eventgen.tools.studio.workspace import Workspace

MAX_STEPS = 500
TIME_BUDGET = 5.0  # seconds one debug request may spend walking a schedule


def debug(
    workspace: Workspace,
    sample: str,
    steps: int = 1,
    seed: int | None = None,
    conf_text: str | None = None,
    files: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Render one event per step from a fresh generator and record `preview_state()` after each.

    Steps follow the sample's schedule as the Timer would (rater applied, explicit timestamps
    honoured), each step being a one-event job, so counters and state advance as in a run.
    """
    steps = bounded(steps, 1, MAX_STEPS, "steps")
    out: list[dict[str, Any]] = []
    error = None
    with Files(workspace).overlaid(files), workspace.loaded(conf_text) as config:
        seed, _ = workspace.effective_seed(seed, config)
        chosen = workspace.pick(config, sample)
        generator = generator_of(chosen)
        for job in _step_jobs(chosen, seed or 0, steps):
            try:
                batch = generator.generate(job)
            except Exception as exc:  # show the failing render instead of a 500
                error = {"step": job.seq + 1, "message": f"{type(exc).__name__}: {exc}"}
                break
            times = np.asarray(batch.times, dtype=float).tolist()
            out.append(
                {
                    "step": job.seq + 1,
                    "events": list(batch.events),
                    "time": iso_time(times[0], chosen) if times else None,
                    "state": jsonable(generator.preview_state()),
                }
            )
    generator_name = chosen.settings["generator"]
    return {"sample": chosen.label, "generator": generator_name, "seed": seed, "steps": out, "error": error}


def _step_jobs(sample: Sample, seed: int, steps: int) -> Iterator[GenerationJob]:
    """At most `steps` one-event jobs along the sample's schedule (within the time budget)."""
    deadline = time.monotonic() + TIME_BUDGET
    made = 0
    for number, tick, count in plan_ticks(sample, window_for(sample, time.time(), "sample"), seed):
        if made >= steps or time.monotonic() > deadline:
            return
        stamps = tick.timestamps
        for i in range(min(count, steps - made)):
            yield GenerationJob(
                sample.label,
                made,
                1,
                tick.earliest,
                tick.latest,
                offset=made,
                interval=number,
                now=tick.time,
                seed=seed,
                timestamps=None if stamps is None else np.asarray(stamps[i : i + 1]),
                extra={} if tick.sources is None else {"sources": tick.sources[i : i + 1].tobytes()},
            )
            made += 1
