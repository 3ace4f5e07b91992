"""The catch-up policy of live runs: per-sample clocks that bound how fast a backlog is caught up.

A paced job carries the monotonic time it was due, and leaves the backlog only once its sample's catch-up
clock has reached that time. The clock is the present while work flows; while a job that is due waits for
room (no worker, or every worker full) the clock stops at that job's due time, and once room returns it runs
at `factor` times real time until it is the present again. So a backlog that built up while nobody could take
it is caught up at no more than `factor` x the schedule's rate, never burst through, and a worker joining late
gets what is due from then on plus that bounded catch-up. Jobs released at once (backfill, `--no-wait`) and
jobs given back or re-issued (already past the clock) are not held.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from eventgen.run.summary import Policy

CATCHUP = 1.25  # default: a backlog is caught up at no more than 1.25 x the schedule's rate


@dataclass
class Gate:
    """One sample's catch-up clock (monotonic seconds): paced jobs due at or before it may leave."""

    clock: float
    at: float  # when `clock` was last advanced


class CatchUp:
    """The samples' clocks; used by the engine loop only (through the dispatcher)."""

    def __init__(self, factor: float = CATCHUP):
        self.factor = max(1.0, factor)
        self.gates: dict[str, Gate] = {}

    def gate(self, sample: str, now: float) -> Gate:
        gate = self.gates.get(sample)
        if gate is None:
            gate = self.gates[sample] = Gate(now, now)
        return gate

    def advance(self, now: float) -> None:
        """Every clock runs at `factor` x real time, never past the present."""
        for gate in self.gates.values():
            gate.clock = min(now, gate.clock + self.factor * max(0.0, now - gate.at))
            gate.at = now

    def hold(self, now: float, waiting: dict[str, float]) -> None:
        """`waiting`: per sample, the due time of its first job that is due but still waits (for room). Its clock
        stops there; a sample with nothing waiting owes nothing: its clock is the present."""
        for sample, gate in self.gates.items():
            due = waiting.get(sample)
            if due is None:
                gate.clock = now
            elif due <= gate.clock:
                gate.clock = due
        for sample, due in waiting.items():
            if sample not in self.gates:
                self.gates[sample] = Gate(min(now, due), now)

    def behind(self, now: float | None = None) -> float:
        """Seconds the furthest-behind sample's clock trails the present (0 when caught up)."""
        now = time.monotonic() if now is None else now
        return max((now - g.clock for g in self.gates.values()), default=0.0)

    def policy(self) -> Policy:
        behind = self.behind()
        return Policy(self.factor, round(behind, 3), behind > 0.05)
