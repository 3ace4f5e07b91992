"""Counts checked at the door: whether a completion's counts fit the job it claims to complete.

Every mode's completions (threads, worker processes, remote workers) pass here before the dispatcher
merges them, so a stranger, a lying or a buggy worker cannot make the summary say what did not happen.
A job's delta (`Tally.delta`) fits its job when:
- every count is a non-negative int (bytes too), and the samples it names are the job's;
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
from eventgen.plugin.base import registry


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
        exact = bool(name) and registry.has("generator", name) and registry.get("generator", name).exact_count(sample)
        shapes[sample.label] = SampleShape(frozenset(sample.settings.get("outputMode") or ()), exact)
    return shapes


def misfit(job: GenerationJob, delta: Any, error: str, shape: SampleShape | None = None) -> str:
    """Why the completion's `delta` does not fit `job` ('' when it fits). Without a shape, rows may name any
    output and the count is held exact."""
    made, problem = _made(delta, job.sample)
    if problem:
        return problem
    rows, problem = _rows(delta, job.sample, made)
    if problem:
        return problem
    if shape is not None:
        strange = sorted(o for o in rows if o not in shape.outputs)
        if strange:
            return f"a row names {strange[0]!r}, not an output of sample {job.sample}"
    dropped, problem = _pairs(delta.get("dropped", []), job.sample, "dropped")
    if problem:
        return problem
    exhausted = delta.get("exhausted", [])
    if not isinstance(exhausted, list) or any(s != job.sample for s in exhausted):
        return "its 'exhausted' names another sample"
    if not isinstance(delta.get("errors", {}), dict):
        return "its 'errors' is not a map"
    if shape is None or shape.exact:
        if made > job.count:
            return f"{made:,} events made for a job of {job.count:,}"
        if made < job.count and not (error or sum(dropped.values()) or exhausted):
            return f"{made:,} events made for a job of {job.count:,}, with no failure or drop to say why"
    return ""


def malformed(delta: Any) -> str:
    """Why an aggregate of completions (a worker's counts of a run, handed over) is not well formed ('' when it
    is): non-negative int counts, and per output row sent + failed equal to its sample's events made."""
    made, problem = _pairs(delta.get("generated", []) if isinstance(delta, dict) else None, None, "generated")
    if problem:
        return problem
    for sample in made:
        rows, problem = _rows(delta, sample, made[sample], only=True)
        if problem:
            return problem
    rows = delta.get("rows", [])
    if not isinstance(rows, list) or any(not isinstance(r, list) or not r or r[0] not in made for r in rows):
        return "a row names a sample it made no events of"
    return ""


def _made(delta: Any, sample: str) -> tuple[int, str]:
    if not isinstance(delta, dict):
        return 0, "its counts are not a map"
    made, problem = _pairs(delta.get("generated", []), sample, "generated")
    return made.get(sample, 0), problem


def _pairs(value: Any, sample: str | None, what: str) -> tuple[dict[str, int], str]:
    """[[sample, n], …] as {sample: n}; `sample`: the only one allowed."""
    if not isinstance(value, list):
        return {}, f"its '{what}' is not a list"
    out: dict[str, int] = {}
    for pair in value:
        if not (isinstance(pair, list | tuple) and len(pair) == 2 and isinstance(pair[0], str) and _count(pair[1])):
            return {}, f"its '{what}' holds {pair!r}, not [sample, count >= 0]"
        if sample is not None and pair[0] != sample:
            return {}, f"its '{what}' names sample {pair[0]!r}, not the job's {sample!r}"
        out[pair[0]] = out.get(pair[0], 0) + pair[1]
    return out, ""


def _rows(delta: dict, sample: str, made: int, only: bool = False) -> tuple[set[str], str]:
    """The outputs of `sample`'s rows; each [sample, output, sent, failed, bytes(, resent, acked)] with counts
    >= 0 and sent + failed == made. `only`: skip other samples' rows instead of refusing them."""
    rows = delta.get("rows", [])
    if not isinstance(rows, list):
        return set(), "its 'rows' is not a list"
    outputs: set[str] = set()
    for row in rows:
        if not (isinstance(row, list | tuple) and 5 <= len(row) <= 7 and isinstance(row[0], str)):
            return set(), f"a row {row!r} is not [sample, output, sent, failed, bytes, resent, acked]"
        if row[0] != sample:
            if only:
                continue
            return set(), f"a row names sample {row[0]!r}, not the job's {sample!r}"
        output, counts = row[1], row[2:]
        if not isinstance(output, str) or not all(_count(n) for n in counts):
            return set(), f"a row {row!r} holds a count that is not an int >= 0"
        if output in outputs:
            return set(), f"two rows for output {output!r}"
        outputs.add(output)
        if counts[0] + counts[1] != made:
            return set(), f"{output}: {counts[0]:,} sent + {counts[1]:,} failed of {made:,} events made"
    return outputs, ""


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
