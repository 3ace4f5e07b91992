"""One worker as the dispatcher sees it: its capacity, its jobs in flight, its state and its counters."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from eventgen.core.batch import GenerationJob
from eventgen.core.delta import JobDelta
from eventgen.rpc.events import JobKey
from eventgen.run.summary import WorkerRow

WORKING, LEAVING, LEFT, LOST, FAILED = "working", "leaving", "left", "lost", "failed"


@dataclass
class Peer:
    """A worker thread, process or remote worker; its counters outlive it (for the summary)."""

    id: Hashable
    name: str
    capacity: int
    host: str = ""
    state: str = WORKING
    inflight: dict[JobKey, GenerationJob] = field(default_factory=dict)
    counts: JobDelta = field(default_factory=JobDelta)  # its accepted jobs' counts (the engine loop's only)
    jobs_done: int = 0
    refused: int = 0
    order: int = 0  # last dispatch number (fairness on ties)

    @property
    def free(self) -> int:
        return self.capacity - len(self.inflight) if self.state == WORKING else 0

    @property
    def alive(self) -> bool:
        return self.state in (WORKING, LEAVING)

    def row(self) -> WorkerRow:
        total = self.counts.totals()
        return WorkerRow(
            peer_text(self.id),
            self.name,
            self.host,
            self.state,
            self.capacity,
            len(self.inflight),
            self.jobs_done,
            self.refused,
            total.generated,
            total.sent,
            total.failed,
            total.bytes,
        )


def peer_text(peer_id: Hashable) -> str:
    """A peer id as text: a socket identity's bytes decoded, never a Python bytes repr."""
    if isinstance(peer_id, bytes):
        return peer_id.decode("utf-8", "replace")
    return str(peer_id)


def load(peer: Peer) -> tuple[float, int]:
    """How full a peer is (jobs held / capacity), then how recently it was sent one: the least loaded goes first."""
    return len(peer.inflight) / max(1, peer.capacity), peer.order
