"""Cutting a formatted batch into HEC requests of at most `httpeventMaxPayloadSize` bytes (an oversized event goes
alone): views of the payload, no copy, and the event index where each request starts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from eventgen.plugin import Payload

from .encoder import EVENT_PATH


def chunk_bounds(sizes: Sequence[int] | np.ndarray, limit: int) -> list[int]:
    """Split items with byte `sizes` into runs of at most `limit` bytes (an oversized item alone):
    returns the start index of each run and, last, len(sizes). One search per run, not per item."""
    ends = np.concatenate(([0], np.cumsum(np.asarray(sizes, dtype=np.int64))))
    count = len(ends) - 1
    if count == 0:
        return [0, 0]
    starts = [0]
    while starts[-1] < count:
        a = starts[-1]
        b = int(np.searchsorted(ends, ends[a] + limit, side="right")) - 1
        starts.append(max(b, a + 1))
    return starts


@dataclass(frozen=True)
class Requests:
    """The requests of one batch: `bodies[k]` holds events `starts[k]` up to `starts[k + 1]`, posted to `path`."""

    bodies: Sequence[memoryview | bytes]
    starts: list[int]
    path: str

    def __len__(self) -> int:
        return len(self.bodies)

    def events(self, number: int) -> int:
        return self.starts[number + 1] - self.starts[number]

    @property
    def size(self) -> int:
        return sum(map(len, self.bodies))


def build_requests(payload: Payload, limit: int) -> Requests:
    """`payload` as requests of at most `limit` bytes each, to the path its formatter chose (the raw endpoint's
    carries the batch's metadata) or the event endpoint."""
    starts = chunk_bounds(np.diff(payload.bounds), limit)
    bodies = [payload.piece(a, b) for a, b in pairwise(starts)]  # views: no copy
    return Requests(bodies, starts, payload.info.get("path", EVENT_PATH))
