"""Counts checked at the door: whether a completion's counts fit the job it claims to complete.

Every mode's completions (threads, worker processes, remote workers) pass here before the dispatcher
merges them, so a stranger, a lying or a buggy worker cannot make the summary say what did not happen.
A job's delta (`JobDelta`) fits its job when:
- every count is a non-negative int (bytes too: `JobDelta.from_wire` refuses others from another process), and
  the samples it names are the job's;
- each output row names an output of that sample, once, and its sent + failed equals the events made;
- the events made equal the job's count for generators that make one event per time (`exact_count`), or
  fewer only with a failure, renders a template discarded (`dispatch.drop()`) or an exhausted template.
Templates and scripts make any number of events per time, so for them the rows are held to what was made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from eventgen.core.batch import GenerationJob
from eventgen.core.delta import JobDelta
from eventgen.plugin.base import generator_class, registry


@dataclass(frozen=True, slots=True)
class SampleShape:
    """What a completion of one sample's job may claim."""

    outputs: frozenset[str]  # the output labels its rows may name (its outputMode entries)
    exact: bool = True  # a job of N times makes exactly N events (fewer only with a reason)


def shapes_of(samples: Iterable[Any]) -> dict[str, SampleShape]:
    """Each sample's shape, from its outputs and what its generator plugin declares."""
    shapes = {}
    for sample in samples:
        name = sample.settings.get("generator")
        exact = bool(name) and registry.has("generator", name) and generator_class(name).exact_count(sample)
        shapes[sample.label] = SampleShape(frozenset(sample.settings.get("outputMode") or ()), exact)
    return shapes


def misfit(job: GenerationJob, delta: JobDelta, error: str, shape: SampleShape | None = None) -> str:
    """Why the completion's `delta` does not fit `job` ('' when it fits). Without a shape, rows may name any
    output and the count is held exact. (Counts from another process were read by `JobDelta.from_wire`, which
    refuses any that is not an int >= 0.)"""
    sample = job.sample
    other = next((s for s in delta.generated if s != sample), None)
    if other is not None:
        return f"its 'generated' names sample {other!r}, not the job's {sample!r}"
    made = delta.generated.get(sample, 0)
    for (named, output), counts in delta.rows.items():
        if named != sample:
            return f"a row names sample {named!r}, not the job's {sample!r}"
        if counts.sent + counts.failed != made:
            return f"{output}: {counts.sent:,} sent + {counts.failed:,} failed of {made:,} events made"
    if shape is not None:
        strange = sorted(o for _, o in delta.rows if o not in shape.outputs)
        if strange:
            return f"a row names {strange[0]!r}, not an output of sample {sample}"
    other = next((s for s in delta.dropped if s != sample), None)
    if other is not None:
        return f"its 'dropped' names sample {other!r}, not the job's {sample!r}"
    if any(s != sample for s in delta.exhausted):
        return "its 'exhausted' names another sample"
    if shape is None or shape.exact:
        if made > job.count:
            return f"{made:,} events made for a job of {job.count:,}"
        if made < job.count and not (error or sum(delta.dropped.values()) or delta.exhausted):
            return f"{made:,} events made for a job of {job.count:,}, with no failure or drop to say why"
    return ""


def malformed(delta: JobDelta) -> str:
    """Why an aggregate of completions (a worker's counts of a run, handed over) is not well formed ('' when it
    is): per output row sent + failed equal to its sample's events made."""
    for (sample, output), counts in delta.rows.items():
        if sample not in delta.generated:
            return "a row names a sample it made no events of"
        made = delta.generated[sample]
        if counts.sent + counts.failed != made:
            return f"{output}: {counts.sent:,} sent + {counts.failed:,} failed of {made:,} events made"
    return ""
