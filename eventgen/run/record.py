"""What a run's summary and status are made of: the counts, the notes, the dispatcher's jobs and workers, and
the engine loop's own state. `summary()` makes a `RunSummary` of them at any moment (status) and at the end."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

from eventgen.run.accounting import Stats
from eventgen.run.dispatcher import Dispatcher
from eventgen.run.summary import Notes, RunSummary, summarize
from eventgen.schedule.pacing import Feeder


@dataclass
class RunState:
    """The engine loop's state (written by the engine loop only)."""

    state: str = "starting"
    started: float = field(default_factory=time.time)  # wall clock: when the plan started
    ended: float | None = None
    feeders: list[Feeder] = field(default_factory=list)  # one per sample
    live: bool = False  # some sample runs without an end: the status line shows the lag
    planned: int | None = None  # events of the whole plan, once counted (every sample bounded)
    pacing: dict[str, float] = field(default_factory=dict)
    asked: int | None = None  # events the plan held, when a bounded run was interrupted
    fatal: str = ""
    incomplete: bool = False

    def lag(self) -> float:
        return max((f.lag for f in self.feeders), default=0.0)

    def elapsed(self) -> float:
        return max((self.ended or time.time()) - self.started, 1e-9)


@dataclass
class RunRecord:
    """The sources of one run's summary; `expected` rows each get a row, `exact` outputs are written only for
    accepted jobs (never duplicated by a re-issue)."""

    run_id: str
    stats: Stats
    notes: Notes
    dispatcher: Dispatcher
    expected: list[tuple[str, str]]
    exact: frozenset[str] = frozenset()
    state: RunState = field(default_factory=RunState)

    def summary(self) -> RunSummary:
        state, d = self.state, self.dispatcher
        return summarize(
            self.stats,
            state.elapsed(),
            self.expected,
            self.exact,
            run_id=self.run_id,
            state=state.state,
            jobs=dataclasses.replace(d.counts),
            notes=self.notes.all(),
            pacing=dict(state.pacing),
            asked=state.asked,
            workers=tuple(p.row() for p in d.peers.values()),
            queued=d.queued(),
            inflight=d.inflight(),
            lag=state.lag(),
            planned=state.planned,
            live=state.live,
            policy=d.policy(),
            fatal=state.fatal,
            incomplete=state.incomplete,
        )
