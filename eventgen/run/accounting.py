"""Accounting: the one path every count takes, in every mode.

Workers fill a `JobDelta` per job (`core/delta.py`); the run's `Stats` adds it once, when the dispatcher
accepts the job's completion. Each event goes to every output of its sample, so per row
`sent + failed == generated`, and in the total `sent + failed == deliveries` (generated times outputs per
sample). A job whose generator failed counts its events generated and failed at every output of its sample.

Events of jobs re-issued after their worker was lost are counted per sample (`reissued`, shown as "may be
duplicated"); errors closing an output fail the run. Stats only counts: the summary (`summary.py`) is made
from it, and `report.py` renders that.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from eventgen.core.delta import JobDelta, Totals


class Stats:
    """Thread-safe run counts: the sum of every accepted job's delta."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sum = JobDelta()
        self.jobs_done = 0
        self.reissued: dict[str, int] = {}  # events of re-issued jobs, per sample
        self.closing: dict[str, str] = {}  # output → why closing it failed

    def merge(self, delta: JobDelta, jobs: int = 1) -> None:
        """Add one job's delta (`jobs=0`: counts that are no job's, such as the host's writes)."""
        with self._lock:
            self._sum.add(delta)
            self.jobs_done += jobs

    def reissue(self, jobs: Iterable[tuple[str, int]]) -> int:
        """Jobs (sample, events) re-issued after their worker was lost, or its counts refused: their events may
        reach the outputs twice. Returns how many events."""
        total = 0
        with self._lock:
            for sample, events in jobs:
                self.reissued[sample] = self.reissued.get(sample, 0) + events
                total += events
        return total

    def close_failed(self, errors: dict[str, str]) -> None:
        """Outputs whose `close` failed (their last writes may be lost): named in the summary, the run fails."""
        with self._lock:
            for output, error in errors.items():
                self.closing[output] = error
                self._sum.set_error(output, f"closing failed: {error}")

    def snapshot(self) -> tuple[JobDelta, dict[str, int]]:
        """A copy of the counts and of the re-issued events per sample."""
        with self._lock:
            return self._sum.copy(), dict(self.reissued)

    def totals(self) -> Totals:
        with self._lock:
            return self._sum.totals()

    def totals_within(self, wait: float) -> Totals | None:
        """The counts summed, or None when they are busy for `wait` seconds (a quit at once does not wait)."""
        if not self._lock.acquire(timeout=wait):
            return None
        try:
            return self._sum.totals()
        finally:
            self._lock.release()
