"""What a run reports, typed: `RunSummary` and its parts. `report.py` renders it; nothing here prints.

A summary is made from the run's counts (`Stats`), the dispatcher's job counts and workers, and the engine
loop's state (`record.py`), at the end of the run and whenever a status is asked for. Every sample of the run
has a row per output, even one that made nothing (an output "" for a sample without any).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from eventgen.core.delta import Counts, JobDelta, Totals
from eventgen.run.accounting import Stats


@dataclass(frozen=True, slots=True)
class SummaryRow:
    sample: str
    output: str
    generated: int
    sent: int
    failed: int
    bytes: int
    resent: int
    acked: int
    may_be_duplicated: int  # events of re-issued jobs this output may have been sent twice
    events_per_second: float


@dataclass(slots=True)
class JobCounts:
    """What became of jobs beyond being done (the dispatcher's counts)."""

    reissued: int = 0
    reissued_events: int = 0
    returned: int = 0
    refused: int = 0
    failed: int = 0
    failed_events: int = 0
    dropped: int = 0
    dropped_events: int = 0


@dataclass(frozen=True, slots=True)
class Policy:
    """The catch-up policy of a live run and where it stands."""

    catchup: float  # a backlog is caught up at no more than this many times the schedule's rate
    behind_seconds: float = 0.0
    catching_up: bool = False


@dataclass(frozen=True, slots=True)
class WorkerRow:
    """One worker (thread, process or remote) as the summary and the status show it."""

    id: str
    name: str
    host: str
    state: str
    capacity: int
    inflight: int
    jobs: int
    refused: int
    generated: int
    sent: int
    failed: int
    bytes: int


@dataclass(frozen=True, slots=True)
class EarlierRow:
    sample: str
    output: str
    generated: int
    sent: int
    failed: int
    bytes: int


@dataclass(frozen=True, slots=True)
class EarlierRun:
    """One worker's counts of one earlier run, handed over (its controller went away before its summary)."""

    run: str
    worker: str
    host: str
    jobs: int
    generated: int
    rows: tuple[EarlierRow, ...]


@dataclass(frozen=True, slots=True)
class ClusterPart:
    """What a controller adds: the bundles it sent, messages it dropped, and earlier runs' counts kept apart."""

    bundles_sent: int
    dropped_messages: int
    earlier_runs: tuple[EarlierRun, ...] = ()


@dataclass(frozen=True)
class RunSummary:
    """A run as it ended (or stands): rows, totals, jobs, notes, pacing, workers, and the live state."""

    elapsed: float
    rows: tuple[SummaryRow, ...]
    total: Totals
    errors: dict[str, str]
    jobs_done: int
    run_id: str = ""
    state: str = "finished"
    jobs: JobCounts = field(default_factory=JobCounts)
    notes: tuple[str, ...] = ()
    close_errors: dict[str, str] = field(default_factory=dict)
    pacing: dict[str, float] = field(default_factory=dict)  # achieved rate and worst lag of paced jobs
    asked: int | None = None  # events the plan held, when a bounded run was interrupted
    workers: tuple[WorkerRow, ...] = ()
    queued: int = 0
    inflight: int = 0
    lag: float = 0.0
    planned: int | None = None  # events of the whole plan, once counted (every sample bounded)
    live: bool = False  # some sample runs without an end
    policy: Policy = Policy(1.0)
    fatal: str = ""  # why the run failed as a whole (a worker cannot run the conf, a schedule failed)
    incomplete: bool = False  # a bounded plan was not made to its end
    cluster: ClusterPart | None = None

    @property
    def rate(self) -> float:
        return self.total.generated / self.elapsed

    @property
    def failed(self) -> bool:
        """Something failed (exit status 1): the run, events, jobs, or closing an output."""
        return bool(self.fatal or self.total.failed or self.jobs.failed or self.close_errors)


def summarize(
    stats: Stats,
    elapsed: float,
    expected: list[tuple[str, str]] | None = None,
    exact: frozenset[str] = frozenset(),
    **more: Any,
) -> RunSummary:
    """The summary of `stats` (`more`: the other fields of RunSummary)."""
    counts, reissued = stats.snapshot()
    return RunSummary(
        elapsed=elapsed,
        rows=summary_rows(counts, reissued, elapsed, expected or [], exact),
        total=counts.totals(),
        errors=dict(counts.errors),
        jobs_done=stats.jobs_done,
        close_errors=dict(stats.closing),
        **more,
    )


def summary_rows(
    counts: JobDelta,
    reissued: dict[str, int],
    elapsed: float,
    expected: list[tuple[str, str]],
    exact: frozenset[str] = frozenset(),
) -> tuple[SummaryRow, ...]:
    """A row per (sample, output) counted or `expected`, and one (output "") per sample without any; events of
    re-issued jobs may be duplicated at every output but those written only for accepted jobs (`exact`)."""
    keys = set(counts.rows) | {(s, o) for s, o in expected if o}
    samples = set(counts.generated) | {s for s, _ in expected}
    keys |= {(s, "") for s in samples - {s for s, _ in keys}}
    rows = []
    for sample, output in sorted(keys):
        row = counts.rows.get((sample, output)) or Counts()
        rows.append(
            SummaryRow(
                sample,
                output,
                counts.generated.get(sample, 0),
                row.sent,
                row.failed,
                row.bytes,
                row.resent,
                row.acked,
                0 if output in exact else reissued.get(sample, 0),
                round(row.sent / elapsed, 1),
            )
        )
    return tuple(rows)


class Notes:
    """The summary's notes, each once, in the order they came (any thread may add)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._notes: list[str] = []

    def add(self, message: str) -> bool:
        """Add a note once; True when it is new (so that the caller logs it once)."""
        with self._lock:
            if message in self._notes:
                return False
            self._notes.append(message)
            return True

    def all(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._notes)
