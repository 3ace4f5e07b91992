"""Accounting: the one path every count takes, in every mode.

Workers fill a `Tally` per job: `generated` once per rendered batch, then `sent`/`failed`/`bytes`
per output, with the reason of any failure. The tally travels as a plain dict (a *delta*) and the
run's `Stats` merges it once, when the dispatcher accepts the job's completion. Each event goes to
every output of its sample, so per row `sent + failed == generated`, and in the total
`sent + failed == deliveries` (generated times outputs per sample). A job whose generator failed
counts its events generated and failed at every output of its sample.

Every sample of the run has a row per output (`expect`), even one that made nothing. Events of jobs
re-issued after their worker was lost are counted per sample (`reissued`) and shown as "may be
duplicated" at each output the lost worker wrote itself; errors closing an output fail the run.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

from eventgen.run.progress import eta
from eventgen.run.summary_table import summary_lines


@dataclass
class Counter:
    sent: int = 0
    failed: int = 0
    bytes: int = 0
    resent: int = 0  # events sent again after a failure that may have delivered them (at-least-once)
    acked: int = 0  # events the destination confirmed stored (HEC indexer acknowledgement)


class Tally:
    """One job's counts, filled by the worker that ran it (not thread-safe: one per job)."""

    def __init__(self) -> None:
        self.generated: dict[str, int] = {}
        self.rows: dict[tuple[str, str], Counter] = {}
        self.errors: dict[str, str] = {}
        self.dropped: dict[str, int] = {}
        self.exhausted: list[str] = []

    def made(self, sample: str, events: int, dropped: int = 0, exhausted: bool = False) -> None:
        """`events` made; `dropped` renders the generator discarded; `exhausted`: the sample has nothing more."""
        self.generated[sample] = self.generated.get(sample, 0) + events
        if dropped:
            self.dropped[sample] = self.dropped.get(sample, 0) + dropped
        if exhausted and sample not in self.exhausted:
            self.exhausted.append(sample)

    def delivered(
        self,
        sample: str,
        output: str,
        sent: int,
        failed: int,
        nbytes: int,
        error: str = "",
        resent: int = 0,
        acked: int = 0,
    ) -> None:
        row = self.rows.setdefault((sample, output), Counter())
        row.sent += sent
        row.failed += failed
        row.bytes += nbytes
        row.resent += resent
        row.acked += acked
        if error:
            self.errors[output] = error

    def job_failed(self, sample: str, count: int, outputs: Iterable[str], error: str) -> None:
        """A job whose events could not be made or believed: its `count` events are counted generated (asked for)
        and failed at every output of its sample, so each row keeps sent + failed == generated."""
        self.made(sample, count)
        for output in outputs:
            self.delivered(sample, output, 0, count, 0, error)

    def delta(self) -> dict[str, Any]:
        """A msgpack/JSON-safe dict for `Stats.merge`."""
        return {
            "generated": [[s, n] for s, n in self.generated.items()],
            "rows": [[s, o, c.sent, c.failed, c.bytes, c.resent, c.acked] for (s, o), c in self.rows.items()],
            "errors": dict(self.errors),
            **({"dropped": [[s, n] for s, n in self.dropped.items()]} if self.dropped else {}),
            **({"exhausted": list(self.exhausted)} if self.exhausted else {}),
        }


@dataclass
class Stats:
    """Thread-safe run totals, merged from deltas."""

    started: float = field(default_factory=time.time)
    generated: dict[str, int] = field(default_factory=dict)
    rows: dict[tuple[str, str], Counter] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)  # renders templates discarded (`dispatch.drop()`)
    jobs_done: int = 0
    lag: float = 0.0
    notes: list[str] = field(default_factory=list)
    target_rate: float | None = None  # `--rate`: the events/s the run was asked for
    pacing: dict[str, float] = field(default_factory=dict)  # achieved rate and worst lag of paced jobs
    jobs: dict[str, int] = field(default_factory=dict)  # dispatcher counts: reissued, refused, failed…
    asked: int | None = None  # events the plan held, when a bounded run was interrupted
    ended: float | None = None
    expected: list[tuple[str, str]] = field(default_factory=list)  # (sample, output) of every row the run has
    reissued: dict[str, int] = field(default_factory=dict)  # events of re-issued jobs, per sample
    exact: set[str] = field(default_factory=set)  # outputs written only for accepted jobs (the host's)
    closing: dict[str, str] = field(default_factory=dict)  # output → why closing it failed
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def merge(self, delta: dict[str, Any], jobs: int = 1) -> None:
        """Add one job's delta (from `Tally.delta`); raises ValueError/TypeError on a malformed one."""
        generated = [(str(s), int(n)) for s, n in delta.get("generated", [])]
        rows = [(str(s), str(o), *(int(n) for n in counts), 0, 0)[:7] for s, o, *counts in delta.get("rows", [])]
        if any(len(r) != 7 for r in rows):  # resent and acked may be left out
            raise ValueError("a tally row is [sample, output, sent, failed, bytes, resent, acked]")
        errors = {str(k): str(v) for k, v in dict(delta.get("errors", {})).items()}
        dropped = [(str(s), int(n)) for s, n in delta.get("dropped", [])]
        with self._lock:
            for sample, n in generated:
                self.generated[sample] = self.generated.get(sample, 0) + n
            for sample, n in dropped:
                self.dropped[sample] = self.dropped.get(sample, 0) + n
            for sample, output, sent, failed, nbytes, resent, acked in rows:
                row = self.rows.setdefault((sample, output), Counter())
                row.sent += sent
                row.failed += failed
                row.bytes += nbytes
                row.resent += resent
                row.acked += acked
            for output, error in errors.items():  # the latest error last, for the status line
                self.errors.pop(output, None)
                self.errors[output] = error
            self.jobs_done += jobs

    def expect(self, rows: list[tuple[str, str]]) -> None:
        """Every (sample, output) of the run gets a row, made events or not (output "" for a sample without any)."""
        with self._lock:
            self.expected = list(rows)

    def reissue(self, jobs: Iterable[tuple[str, int]]) -> int:
        """Jobs (sample, events) re-issued after their worker was lost, or its counts refused: their events may
        reach the outputs twice. Returns how many events."""
        total = 0
        with self._lock:
            for sample, events in jobs:
                self.reissued[sample] = self.reissued.get(sample, 0) + events
                total += events
        return total

    def job_failed(self, job: Any, shape: Any, why: str) -> int:
        """A job given up as failed by the dispatcher (its counts refused again and again): its events show failed
        in its sample's rows (`shape.outputs`), as a failed generator's do. Returns how many events."""
        tally = Tally()
        tally.job_failed(job.sample, job.count, sorted(shape.outputs) if shape else (), f"counts refused: {why}")
        self.merge(tally.delta(), jobs=0)
        return job.count

    def close_failed(self, errors: dict[str, str]) -> None:
        """Outputs whose `close` failed (their last writes may be lost): named in the summary, the run fails."""
        with self._lock:
            for output, error in errors.items():
                self.closing[output] = error
                self.errors.pop(output, None)
                self.errors[output] = f"closing failed: {error}"

    def made_line(self) -> str:
        """How much was made so far, on one line (for a quit at once: taken without waiting on a busy lock)."""
        if not self._lock.acquire(timeout=0.5):
            return "counts unavailable (busy)"
        try:
            generated = sum(self.generated.values())
            sent = sum(c.sent for c in self.rows.values())
            failed = sum(c.failed for c in self.rows.values())
        finally:
            self._lock.release()
        return f"{generated:,} events generated, {sent:,} sent, {failed:,} failed"

    def note(self, message: str) -> bool:
        """Add a summary note once; True when it is new."""
        with self._lock:
            if message in self.notes:
                return False
            self.notes.append(message)
            return True

    def totals(self) -> dict[str, int]:
        with self._lock:
            return {
                "generated": sum(self.generated.values()),
                "deliveries": sum(self.generated.get(s, 0) for s, _ in self.rows),
                "sent": sum(c.sent for c in self.rows.values()),
                "failed": sum(c.failed for c in self.rows.values()),
                "bytes": sum(c.bytes for c in self.rows.values()),
                "resent": sum(c.resent for c in self.rows.values()),
                "acked": sum(c.acked for c in self.rows.values()),
            }

    def elapsed(self) -> float:
        return max((self.ended or time.time()) - self.started, 1e-9)

    def status_line(self, planned: int | None = None, live: bool = False) -> str:
        """Counts, rate and throughput; with `planned` (a bounded plan's events) the percent done and an
        ETA; in a `live` run how far behind schedule it is; and the latest output error, all on one line."""
        total = self.totals()
        elapsed = self.elapsed()
        rate = total["generated"] / elapsed
        parts = []
        if planned:
            done = min(total["generated"], planned)
            parts.append(f"{100 * done / planned:.1f}% of {planned:,}")
        parts += [
            f"{total['generated']:,} generated",
            f"{total['sent']:,} sent",
            f"{total['failed']:,} failed",
            f"{rate:,.0f} events/s",
            f"{total['bytes'] / elapsed / 1e6:,.1f} MB/s",
        ]
        if planned and total["generated"] < planned:
            parts.append(f"ETA {eta((planned - total['generated']) / rate)}" if rate > 0 else "ETA ?")
        if self.lag > 1.0:
            parts.append(f"behind schedule by {self.lag:.1f}s")
        elif live:
            parts.append(f"lag {self.lag:.1f}s")
        line = "eventgen: " + ", ".join(parts)
        if self.errors:
            output, error = next(reversed(self.errors.items()))
            line += f"; last error from {output}: {error}"
        return line

    def summary(self) -> dict[str, Any]:
        elapsed = self.elapsed()
        with self._lock:
            keys = set(self.rows) | {(s, o) for s, o in self.expected if o}
            samples = set(self.generated) | {s for s, _ in self.expected}
            keys |= {(s, "") for s in samples - {s for s, _ in keys}}  # a sample without outputs: one row
            rows = []
            for sample, output in sorted(keys):
                counter = self.rows.get((sample, output), Counter())
                rows.append(
                    {
                        "sample": sample,
                        "output": output,
                        "generated": self.generated.get(sample, 0),
                        **asdict(counter),
                        "may_be_duplicated": 0 if output in self.exact else self.reissued.get(sample, 0),
                        "events_per_second": round(counter.sent / elapsed, 1),
                    }
                )
        total = self.totals()
        data = {
            "elapsed_seconds": round(elapsed, 3),
            "rows": rows,
            "total": {**total, "events_per_second": round(total["generated"] / elapsed, 1)},
            "errors": dict(self.errors),
            "jobs": {"done": self.jobs_done, **self.jobs},
            "notes": list(self.notes),
        }
        if self.closing:
            data["close_errors"] = dict(self.closing)
        if self.pacing:
            data["pacing"] = dict(self.pacing)
        if self.asked is not None:
            data["asked"] = self.asked
        return data

    def write_summary(self, stream: TextIO) -> None:
        stream.write("\n".join(summary_lines(self.summary())) + "\n")
        stream.flush()

    def write_json(self, path: str, extra: dict[str, Any] | None = None) -> None:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump({**self.summary(), **(extra or {})}, handle, indent=2)
