"""Counters per (sample, output), the live status line and the final summary.

Workers record deltas; one Stats object owns the totals. Across processes or machines the
deltas travel as plain dicts (`Delta`) and are merged with `merge`.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO


@dataclass
class Counter:
    generated: int = 0
    sent: int = 0
    failed: int = 0
    bytes: int = 0

    def add(self, other: Counter) -> None:
        self.generated += other.generated
        self.sent += other.sent
        self.failed += other.failed
        self.bytes += other.bytes


@dataclass
class Stats:
    """Thread-safe run totals."""

    started: float = field(default_factory=time.time)
    rows: dict[tuple[str, str], Counter] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    jobs_done: int = 0
    lag: float = 0.0
    notes: list[str] = field(default_factory=list)
    target_rate: float | None = None  # `--rate`: the events/s the run was asked for
    pacing: dict[str, float] = field(default_factory=dict)  # live runs: achieved rate, worst lag
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, sample: str, output: str, generated: int, sent: int, failed: int, nbytes: int,
               error: str = "") -> None:
        with self._lock:
            row = self.rows.setdefault((sample, output), Counter())
            row.generated += generated
            row.sent += sent
            row.failed += failed
            row.bytes += nbytes
            if error:
                self.errors[output] = error

    def job_done(self) -> None:
        with self._lock:
            self.jobs_done += 1

    def merge(self, delta: dict[str, Any]) -> None:
        """Add a delta produced by `delta_of` in another process."""
        with self._lock:
            for sample, output, generated, sent, failed, nbytes in delta.get("rows", []):
                self.rows.setdefault((sample, output), Counter()).add(Counter(generated, sent, failed, nbytes))
            self.errors.update(delta.get("errors", {}))
            self.jobs_done += delta.get("jobs", 0)

    def take_delta(self) -> dict[str, Any]:
        """The counts since the last call, as a wire-safe dict, and reset them."""
        with self._lock:
            rows = [[s, o, c.generated, c.sent, c.failed, c.bytes] for (s, o), c in self.rows.items()]
            delta = {"rows": rows, "errors": dict(self.errors), "jobs": self.jobs_done}
            self.rows.clear()
            self.errors.clear()
            self.jobs_done = 0
        return delta

    def totals(self) -> Counter:
        with self._lock:
            total = Counter()
            for counter in self.rows.values():
                total.add(counter)
            return total

    def elapsed(self) -> float:
        return max(time.time() - self.started, 1e-9)

    def status_line(self) -> str:
        total = self.totals()
        rate = total.sent / self.elapsed()
        line = (f"eventgen: {total.generated:,} generated, {total.sent:,} sent, {total.failed:,} failed, "
                f"{rate:,.0f} events/s, {total.bytes / self.elapsed() / 1e6:,.1f} MB/s")
        if self.lag > 1.0:
            line += f", behind schedule by {self.lag:.1f}s"
        return line

    def summary(self) -> dict[str, Any]:
        elapsed = self.elapsed()
        with self._lock:
            rows = [
                {"sample": s, "output": o, **asdict(c), "events_per_second": round(c.sent / elapsed, 1)}
                for (s, o), c in sorted(self.rows.items())
            ]
        total = self.totals()
        return {
            "elapsed_seconds": round(elapsed, 3),
            "rows": rows,
            "total": {**asdict(total), "events_per_second": round(total.sent / elapsed, 1)},
            "errors": dict(self.errors),
            "notes": list(self.notes),
            **({"pacing": dict(self.pacing)} if self.pacing else {}),
        }

    def write_summary(self, stream: TextIO) -> None:
        data = self.summary()
        header = (f"{'sample':<28} {'output':<12} {'generated':>12} {'sent':>12} {'failed':>8} {'bytes':>14} "
                  f"{'events/s':>12}")
        lines = ["", f"eventgen summary ({data['elapsed_seconds']:.2f}s)", header]
        for row in data["rows"]:
            lines.append(
                f"{row['sample'][:28]:<28} {row['output'][:12]:<12} {row['generated']:>12,} {row['sent']:>12,} "
                f"{row['failed']:>8,} {row['bytes']:>14,} {row['events_per_second']:>12,.0f}"
            )
        t = data["total"]
        lines.append(
            f"{'TOTAL':<28} {'':<12} {t['generated']:>12,} {t['sent']:>12,} {t['failed']:>8,} "
            f"{t['bytes']:>14,} {t['events_per_second']:>12,.0f}"
        )
        for output, error in data["errors"].items():
            lines.append(f"last error from {output}: {error}")
        lines.extend(data["notes"])
        stream.write("\n".join(lines) + "\n")
        stream.flush()

    def write_json(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(self.summary(), handle, indent=2)
