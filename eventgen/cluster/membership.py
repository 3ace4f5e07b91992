"""The controller's view of its workers: liveness, credits, in-flight jobs, and which jobs are done.

Owned by the controller's socket thread only (no locks). A worker's liveness counter is reset by
any message from it and lowered once per heartbeat period; at zero the worker is lost and its
in-flight jobs are handed back for re-issue. Job keys are (sample, seq).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from eventgen.run.accounting import Stats

JobKey = tuple[str, int]

JOINED, LEAVING, LEFT, LOST = "working", "leaving", "left", "lost"


@dataclass
class Member:
    """One worker that said HELLO: its counters live on after it leaves (for the summary)."""

    identity: bytes
    name: str
    host: str = ""
    pid: int = 0
    version: str = ""
    capacity: int = 0
    credits: int = 0
    liveness: int = 0
    state: str = JOINED
    joined: float = field(default_factory=time.time)
    inflight: dict[JobKey, Any] = field(default_factory=dict)
    stats: Stats = field(default_factory=Stats)
    jobs_done: int = 0
    duplicates: int = 0
    last_dispatch: int = 0

    @property
    def id(self) -> str:
        return self.identity.decode("utf-8", "replace")

    @property
    def alive(self) -> bool:
        return self.state in (JOINED, LEAVING)

    def describe(self) -> dict[str, Any]:
        total = self.stats.totals()
        return {
            "id": self.id, "name": self.name, "host": self.host, "pid": self.pid, "state": self.state,
            "credits": self.credits, "inflight": len(self.inflight), "jobs": self.jobs_done,
            "duplicates": self.duplicates, "generated": total.generated, "sent": total.sent,
            "failed": total.failed, "bytes": total.bytes,
        }


class Ledger:
    """Which jobs are done, per sample: a watermark below which all are done, plus the done ones above."""

    def __init__(self) -> None:
        self._mark: dict[str, int] = {}
        self._above: dict[str, set[int]] = {}
        self.count = 0

    def __contains__(self, key: JobKey) -> bool:
        sample, seq = key
        return seq < self._mark.get(sample, 0) or seq in self._above.get(sample, ())

    def add(self, key: JobKey) -> bool:
        """Mark done; False when it already was (a duplicate)."""
        if key in self:
            return False
        sample, seq = key
        above = self._above.setdefault(sample, set())
        above.add(seq)
        mark = self._mark.get(sample, 0)
        while mark in above:
            above.remove(mark)
            mark += 1
        self._mark[sample] = mark
        self.count += 1
        return True


class Membership:
    """Workers by identity; `members` holds every worker ever seen, live or not."""

    def __init__(self, liveness: int = 3):
        self.liveness = liveness
        self.members: dict[bytes, Member] = {}
        self._dispatches = 0

    def join(self, identity: bytes, name: str, **info: Any) -> Member:
        """A HELLO: (re)register; a re-joining identity starts afresh with no credits.

        Returns the member; the caller re-queues whatever the previous incarnation held.
        """
        member = Member(identity, name, liveness=self.liveness, **info)
        self.members[identity] = member
        return member

    def live(self, identity: bytes) -> Member | None:
        member = self.members.get(identity)
        return member if member is not None and member.alive else None

    def seen(self, identity: bytes) -> Member | None:
        """Any message from a live worker resets its liveness."""
        member = self.live(identity)
        if member is not None:
            member.liveness = self.liveness
        return member

    def tick(self) -> list[Member]:
        """One heartbeat period passed: lower every counter; return the workers just lost."""
        lost = []
        for member in self.members.values():
            if not member.alive:
                continue
            member.liveness -= 1
            if member.liveness <= 0:
                member.state = LOST
                member.credits = 0
                lost.append(member)
        return lost

    def remove(self, member: Member, state: str) -> list[Any]:
        """Take a worker out of service; return its in-flight jobs in job order."""
        member.state = state
        member.credits = 0
        return self.take_inflight(member)

    @staticmethod
    def take_inflight(member: Member) -> list[Any]:
        jobs = [member.inflight[key] for key in sorted(member.inflight)]
        member.inflight.clear()
        return jobs

    def working(self) -> Iterator[Member]:
        return (m for m in self.members.values() if m.alive)

    def pick(self) -> Member | None:
        """The live worker with credit whose granted credits are least used (least recently served on ties)."""
        best, best_rank = None, (2.0, 0)
        for member in self.members.values():
            if member.state != JOINED or member.credits <= 0:
                continue
            held = len(member.inflight)
            rank = (held / (held + member.credits), member.last_dispatch)
            if rank < best_rank:
                best, best_rank = member, rank
        return best

    def assign(self, member: Member, key: JobKey, item: Any) -> None:
        self._dispatches += 1
        member.credits -= 1
        member.last_dispatch = self._dispatches
        member.inflight[key] = item

    def inflight(self) -> int:
        return sum(len(m.inflight) for m in self.members.values())

