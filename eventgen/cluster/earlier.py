"""Counts of earlier runs that workers hand over to this controller (their own controller died first).

They are another run's, so they never merge into this run's rows; the summary shows them on their own
lines, `--stats-json`, `eventgen status --json` under `earlier_runs`. A handover is checked as an aggregate
(`admission.malformed`): non-negative counts, each output row's sent + failed equal to what its sample made.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, TextIO

from eventgen.run.admission import malformed


@dataclass(frozen=True, slots=True)
class EarlierRow:
    sample: str
    output: str
    generated: int
    sent: int
    failed: int
    bytes: int


@dataclass(frozen=True, slots=True)
class Earlier:
    """One worker's counts of one earlier run."""

    run: str
    worker: str
    host: str
    jobs: int
    generated: int
    rows: tuple[EarlierRow, ...]

    def describe(self) -> dict[str, Any]:
        return {**asdict(self), "rows": [asdict(r) for r in self.rows]}


def take(run: str, worker: str, host: str, jobs: int, stats: dict[str, Any]) -> Earlier:
    """A handover as a record; ValueError naming what is wrong with it."""
    problem = malformed(stats) or ("" if jobs >= 0 else "a negative job count")
    if problem:
        raise ValueError(f"a handover of run {run}: {problem}")
    made: dict[str, int] = {}
    for sample, n in stats.get("generated", []):
        made[sample] = made.get(sample, 0) + n
    rows = tuple(
        EarlierRow(sample, output, made[sample], sent, failed, nbytes)
        for sample, output, sent, failed, nbytes, *_ in stats.get("rows", [])
    )
    return Earlier(run, worker, host, jobs, sum(made.values()), rows)


def write_earlier(records: list[Earlier], stream: TextIO) -> None:
    """The summary's lines for earlier runs' counts (nothing when there are none)."""
    if not records:
        return
    lines = ["from earlier runs (their controller went away before its summary; not in this run's totals):"]
    for record in records:
        where = f"run {record.run}: worker {record.worker} ({record.host}), {record.jobs:,} job(s)"
        if not record.rows:
            lines.append(f"  {where}: {record.generated:,} events made, none sent")
        for row in record.rows:
            lines.append(
                f"  {where}: {row.sent:,} events of {row.sample} sent to {row.output}, {row.failed:,} failed, "
                f"{row.bytes:,} bytes"
            )
    stream.write("\n".join(lines) + "\n")
    stream.flush()
