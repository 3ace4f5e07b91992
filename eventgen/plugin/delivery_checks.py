"""Values plugin code hands back are checked before the core counts them.

A generator's batch, a formatter's payload, and what an output's `write` returns (its `WriteResult`, or the shapes
plugins returned before it) or raises (`OutputError.sent`, `.resent`, `.acked`), and `encoded_size`, must fit the job
or batch they belong to. Anything out of range, or of
the wrong type, raises `Violation`, whose message names the plugin and what it handed back; the caller counts
the whole batch failed with that reason. Checks are per batch, never per event (a list of failed indices is
checked in one pass).
"""

from __future__ import annotations

import threading
from numbers import Integral
from typing import Any

from eventgen.core.batch import EventBatch, GenerationJob
from eventgen.format.payload import Payload
from eventgen.plugin.result import WriteResult


class Violation(Exception):
    """A plugin handed back a value the core cannot believe."""


def described(exc: BaseException) -> str:
    """An exception raised by plugin code, on one line: its type and message. A KeyboardInterrupt on the main
    thread is the user's Ctrl-C, not the plugin's answer: it is raised again. (Signals reach the main thread
    only: on any other thread a KeyboardInterrupt was raised by the plugin itself, and counts as its failure.)"""
    if isinstance(exc, KeyboardInterrupt) and threading.current_thread() is threading.main_thread():
        raise exc
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def shown(value: Any) -> str:
    """A returned value, short enough for one line."""
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}…{text[-15:]} ({type(value).__name__} of {len(value)})"


def is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def count_in(what: str, value: Any, low: int, high: int | None) -> int:
    """`value` as an int in [low, high] (high None: no upper bound), else Violation naming `what`."""
    if is_int(value) and value >= low and (high is None or value <= high):
        return int(value)
    allowed = f"an integer {low}..{high}" if high is not None else f"an integer >= {low}"
    raise Violation(f"{what} is {shown(value)}, not {allowed}")


def checked_write(output: str, result: Any, n: int) -> WriteResult:
    """What `write` returned for `n` events, as a checked WriteResult. Besides a WriteResult, the shapes plugins
    returned before it are taken: None (all sent), a count of failed events, or a list of their distinct indices."""
    if isinstance(result, WriteResult):
        if result.failed_indices is None:
            count_in(f"output {output}: WriteResult.failed", result.failed, 0, n)
        elif _indices(result.failed_indices, n) is None:
            raise Violation(
                f"output {output}: write() returned failed_indices {shown(result.failed_indices)} for a batch of "
                f"{n} event(s); allowed: distinct indices 0..{n - 1}"
            )
        count_in(f"output {output}: resent", result.resent, 0, None)
        count_in(f"output {output}: acked", result.acked, 0, n)
        if result.bytes is not None:
            count_in(f"output {output}: WriteResult.bytes", result.bytes, 0, None)
        if not isinstance(result.item_error, str):
            raise Violation(f"output {output}: item_error is {shown(result.item_error)}, not a string")
        return result
    if result is None:
        return ALL_SENT
    if is_int(result):
        if 0 <= result <= n:
            return WriteResult(failed=int(result))
    elif isinstance(result, list | tuple):
        indices = _indices(result, n)
        if indices is not None:
            return WriteResult(failed_indices=indices)
    raise Violation(
        f"output {output}: write() returned {shown(result)} for a batch of {n} event(s); allowed: None, a count "
        f"of failed events 0..{n}, or a list of distinct failed indices 0..{n - 1}"
    )


ALL_SENT = WriteResult()  # what None says (one shared value: made once, not per batch)


def _indices(values: Any, n: int) -> list[int] | None:
    """`values` as a list of distinct ints 0..n-1 (one pass), or None."""
    if not isinstance(values, list | tuple | range):
        return None
    indices = [int(i) if is_int(i) else -1 for i in values]
    if all(0 <= i < n for i in indices) and len(set(indices)) == len(indices):
        return indices
    return None


def checked_payload(output: str, payload: Any, batch: EventBatch) -> Payload:
    """A formatter's payload: a Payload of the batch's events, as many as the batch holds."""
    if not isinstance(payload, Payload):
        raise Violation(f"output {output}: its formatter returned {shown(payload)}, not a Payload")
    if not is_int(payload.count) or payload.count != len(batch):
        raise Violation(
            f"output {output}: its formatter made a payload of {shown(payload.count)} event(s) "
            f"for a batch of {len(batch)}"
        )
    if not isinstance(payload.data, bytes | bytearray | memoryview):
        raise Violation(f"output {output}: its formatter's payload data is {type(payload.data).__name__}, not bytes")
    return payload


def checked_batch(generator: str, batch: Any, job: GenerationJob, most: int | None) -> EventBatch:
    """A generator's batch for `job`: its sample and job, parallel columns, at most `most` events (None: the
    generator declares no bound)."""
    where = f"generator {generator} (sample {job.sample}, job {job.seq})"
    if not isinstance(batch, EventBatch):
        raise Violation(f"{where} returned {shown(batch)}, not an EventBatch")
    if (batch.sample, batch.seq) != (job.sample, job.seq):
        raise Violation(f"{where} returned the batch of sample {batch.sample!r}, job {batch.seq!r}")
    if not isinstance(batch.events, list):
        raise Violation(f"{where} returned events as {type(batch.events).__name__}, not a list")
    n = len(batch.events)
    if most is not None and n > most:
        raise Violation(f"{where} made {n:,} event(s) for a job of {most:,}")
    if len(batch.times) != n:
        raise Violation(f"{where} made {n:,} event(s) with {len(batch.times):,} time(s)")
    for name, column in batch.columns.items():
        if len(column) != n:
            raise Violation(f"{where} made {n:,} event(s) with {len(column):,} value(s) of column {name!r}")
    count_in(f"{where}: dropped", batch.dropped, 0, None)
    return batch
