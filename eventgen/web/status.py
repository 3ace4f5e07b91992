"""A generator's status answer, made from its spec and its current (or last) run."""

from __future__ import annotations

from collections.abc import Callable

from eventgen.run.peer import WORKING
from eventgen.web.models import GeneratorStatus, OutputStats, State, WorkerStats
from eventgen.web.runner import GeneratorRun
from eventgen.web.secrets import masked
from eventgen.web.specs import GeneratorSpec


def masked_spec(spec: GeneratorSpec) -> GeneratorSpec:
    return spec.model_copy(update={"params": masked(spec.params), "overrides": masked(spec.overrides)})


def state_of(run: GeneratorRun | None) -> State:
    if run is None:
        return "stopped"
    if run.error:
        return "failed"
    if run.running:
        state = run.engine.state.state
        return state if state in ("starting", "running", "stopping") else "running"  # type: ignore[return-value]  # narrowed by the `in` test, which mypy does not read as a Literal
    summary = run.summary()
    return "failed" if summary.fatal else "finished"


def status_of(spec: GeneratorSpec, run: GeneratorRun | None, scrub: Callable[[str], str]) -> GeneratorStatus:
    """The answer for one generator (counts of its run, rates over the last few seconds)."""
    shown = masked_spec(spec)
    if run is None:
        return GeneratorStatus(id=spec.id, spec=shown, state="stopped", target_rate=spec.rate)
    summary = run.summary()
    rate_now, per_output = run.meter.rates() if run.running else (0.0, {})
    total = summary.total
    error = run.error or summary.fatal
    return GeneratorStatus(
        id=spec.id,
        spec=shown,
        state=state_of(run),
        run_id=summary.run_id,
        target_rate=run.target(),
        rate_now=round(rate_now, 1),
        generated=total.generated,
        sent=total.sent,
        failed=total.failed,
        bytes=total.bytes,
        resent=total.resent,
        lag=round(summary.lag, 3),
        workers=sum(1 for w in summary.workers if w.state == WORKING),
        inflight=summary.inflight,
        queued=summary.queued,
        elapsed=round(summary.elapsed, 3),
        error=scrub(error),
        outputs=[
            OutputStats(
                sample=row.sample,
                output=row.output,
                generated=row.generated,
                sent=row.sent,
                failed=row.failed,
                bytes=row.bytes,
                resent=row.resent,
                rate_now=round(per_output.get(row.output, 0.0), 1),
            )
            for row in summary.rows
        ],
        worker_rows=[
            WorkerStats(
                id=w.id,
                name=w.name,
                state=w.state,
                capacity=w.capacity,
                inflight=w.inflight,
                generated=w.generated,
                sent=w.sent,
                failed=w.failed,
            )
            for w in summary.workers
        ],
    )
