"""Counts of earlier runs that workers hand over to this controller (their own controller died first).

They are another run's, so they never merge into this run's rows; the summary shows them on their own
lines, `--stats-json`, `eventgen status --json` under `earlier_runs`. A handover is checked as an aggregate
(`admission.malformed`): non-negative counts (read by `JobDelta.from_wire`), each output row's sent + failed
equal to what its sample made.
"""

from __future__ import annotations

from eventgen.rpc.events import Handover
from eventgen.run.admission import malformed
from eventgen.run.summary import EarlierRow, EarlierRun


def take(handover: Handover) -> EarlierRun:
    """A handover as a record; ValueError naming what is wrong with it."""
    problem = malformed(handover.delta) or ("" if handover.jobs >= 0 else "a negative job count")
    if problem:
        raise ValueError(f"a handover of run {handover.run}: {problem}")
    made = handover.delta.generated
    rows = tuple(
        EarlierRow(sample, output, made[sample], c.sent, c.failed, c.bytes)
        for (sample, output), c in handover.delta.rows.items()
    )
    return EarlierRun(handover.run, handover.worker, handover.host, handover.jobs, sum(made.values()), rows)
