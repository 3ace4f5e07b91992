"""A worker's ledger: per run, the counts of the jobs it finished, kept until a summary is sure to hold them.

A controller that dies (SIGKILL, a crash, a lost node) prints no summary, and the DONEs its workers send
meanwhile reach nobody, yet their events reached the receivers. So a worker keeps, per run, the sum of what
it made and sent, and forgets a run only when
- that run's controller told it to quit, or answered its BYE (it is alive: its summary counts what it
  accepted, and re-issued what it did not), or
- a later controller took the counts as a HANDOVER (answered TAKEN) and its own run then ended with a
  summary (its QUIT): that summary shows them on their own lines, apart from its own run's totals. Should that
  controller die too, the counts go to the next one.
A worker that exits holding a run's counts logs them, so they are never silently lost. Bounded: the counts
are sums per sample and output, for the last MAX_RUNS runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from eventgen.core.delta import JobDelta

log = logging.getLogger("eventgen.worker")

MAX_RUNS = 8


@dataclass
class RunCounts:
    """One run's finished jobs on this worker, summed."""

    delta: JobDelta = field(default_factory=JobDelta)
    jobs: int = 0
    taken_by: str = ""  # the run whose controller took these counts (they are in its summary once it ends)

    def add(self, delta: JobDelta) -> None:
        self.delta.add(delta)
        self.jobs += 1

    def describe(self) -> str:
        made = sum(self.delta.generated.values())
        rows = ", ".join(
            f"{c.sent:,} sent to {output} ({c.failed:,} failed)"
            for (_, output), c in sorted(self.delta.rows.items(), key=lambda item: item[0])
        )
        return f"{self.jobs:,} job(s), {made:,} events made" + (f", {rows}" if rows else "")


class Ledger:
    def __init__(self) -> None:
        self.runs: dict[str, RunCounts] = {}

    def add(self, run: str, delta: JobDelta) -> None:
        counts = self.runs.get(run)
        if counts is None:
            counts = self.runs[run] = RunCounts()
            while len(self.runs) > MAX_RUNS:
                oldest = next(iter(self.runs))
                log.warning("run %s: %s: in no summary (more than %d runs held)", oldest, self.runs[oldest].describe(),
                            MAX_RUNS)  # fmt: skip
                del self.runs[oldest]
        counts.add(delta)

    def settle(self, run: str) -> None:
        """That run ended with a summary: it holds its own counts and those it took; forget them."""
        for other in [r for r, counts in self.runs.items() if r == run or counts.taken_by == run]:
            del self.runs[other]

    def taken(self, run: str, by: str) -> None:
        counts = self.runs.get(run)
        if counts is not None:
            counts.taken_by = by

    def earlier(self, current: str) -> list[tuple[str, RunCounts]]:
        """The runs other than `current` whose counts `current` has not taken."""
        return [(run, counts) for run, counts in self.runs.items() if run != current and counts.taken_by != current]

    def log_unreported(self, name: str) -> None:
        for run, counts in self.runs.items():
            log.warning(
                "worker %s: run %s: %s: its controller went away and no other took these counts, so no summary "
                "holds them",
                name,
                run,
                counts.describe(),
            )
