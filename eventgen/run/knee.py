"""The knee search: raise a running generator's rate until its outputs break, and find the highest rate they hold.

`KneeSearch` is the decision, pure and in memory: which rate to hold next and, from how each hold went, when to
stop. It ramps from `start` by `step` times while each rate holds, and once one breaks it bisects (geometric
mean) between the highest rate held and the lowest that broke until they are within `precision`.

On the way up the buffers between the run and its destination (socket buffers, a receiver's queue) fill, and hide
a rate too high for as long as they take to fill; once full they stay full while the rate is near the knee. So
the rates held before the first break count only once held again after it: the search goes on just under what
the outputs took during the last broken hold (their throughput, measured with the buffers full), or a step down
when they took all of it (it broke on failures or lag), and bisects from the first rate that holds. Holds must be
long compared with the time the buffers take to fill at the excess rate, or a rate too high may pass.

`search(control, …)` plays it on a live run through its `RateControl`: each rate is set, given `warmup` seconds to
take effect, then held for `hold` seconds while the bounds are watched (a bound crossed ends the hold at once).
After a broken hold the run stops owing what it fell behind (`RateControl.forgive`: its queued jobs are dropped
and counted as dropped), so the next hold does not pay for it. At the end the run is stepped back to the rate
found.

A hold breaks when, over its seconds, outputs failed more than `max_fail` events, resent more than
`max_resent`, the run fell `max_lag` seconds further behind schedule than it was when the hold began, or it made
fewer than `min_achieved` x the target events/s (the outputs took less than was asked). Each hold is judged on
its own.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from eventgen.run.rate import RateControl, RateReading

POLL = 0.1  # seconds between readings during a hold
MAX_HOLDS = 40  # a search ends after this many holds, whatever it found


@dataclass(frozen=True)
class KneeBounds:
    """What a rate must keep to count as held."""

    max_lag: float = 1.0  # seconds behind schedule
    max_fail: int = 0  # failed events per hold
    max_resent: int | None = None  # resent events per hold (None: not a bound)
    min_achieved: float = 0.95  # events made per second, at least this fraction of the target


@dataclass(frozen=True)
class KneePlan:
    """How the search moves."""

    start: float
    step: float = 1.25  # the factor each held rate is raised by
    hold: float = 5.0  # seconds each rate is held
    precision: float = 0.05  # stop when the lowest broken rate is within this fraction above the highest held
    max_rate: float | None = None  # never ask for more than this
    warmup: float = 0.5  # seconds after a change before the hold is measured

    def check(self) -> None:
        for name, value, low in (("start", self.start, 0), ("hold", self.hold, 0), ("precision", self.precision, 0)):
            if not (math.isfinite(value) and value > low):
                raise ValueError(f"knee {name} must be a finite number above {low}, got {value!r}")
        if not (math.isfinite(self.step) and self.step > 1):
            raise ValueError(f"knee step must be a factor above 1 (e.g. 1.25), got {self.step!r}")
        if self.max_rate is not None and not self.max_rate >= self.start:
            raise ValueError(f"knee max rate {self.max_rate!r} is below the start rate {self.start!r}")


@dataclass(frozen=True)
class Hold:
    """What one held rate did."""

    rate: float
    seconds: float
    achieved: float  # events made per second over the hold
    failed: int
    resent: int
    lag: float  # how much further behind schedule the run fell during the hold (seconds)
    broke: str = ""  # why it broke ('' when it held)

    @property
    def held(self) -> bool:
        return not self.broke

    def line(self) -> str:
        verdict = "held" if self.held else f"broke: {self.broke}"
        return (
            f"knee: {self.rate:,.0f} events/s for {self.seconds:.1f}s: achieved {self.achieved:,.0f}/s, "
            f"lag {self.lag:.2f}s, failed {self.failed:,}, resent {self.resent:,}: {verdict}"
        )


def judge(rate: float, seconds: float, first: RateReading, last: RateReading, lag: float, bounds: KneeBounds) -> Hold:
    """A hold from the readings at its start and end and `lag`, how much further behind the run fell."""
    failed, resent = last.failed - first.failed, last.resent - first.resent
    achieved = (last.generated - first.generated) / seconds if seconds > 0 else 0.0
    why = []
    if failed > bounds.max_fail:
        why.append(f"{failed:,} failed > {bounds.max_fail:,}")
    if bounds.max_resent is not None and resent > bounds.max_resent:
        why.append(f"{resent:,} resent > {bounds.max_resent:,}")
    if lag > bounds.max_lag:
        why.append(f"lag {lag:.2f}s > {bounds.max_lag:g}s")
    if achieved < bounds.min_achieved * rate:
        why.append(f"achieved {achieved:,.0f}/s < {bounds.min_achieved:g} x target")
    return Hold(rate, seconds, achieved, failed, resent, lag, "; ".join(why))


@dataclass
class KneeSearch:
    """Which rate to hold next, from the holds so far."""

    plan: KneePlan
    holds: list[Hold] = field(default_factory=list)
    best: float | None = None  # the highest rate held
    worst: float | None = None  # the lowest rate that broke

    def next_rate(self) -> float | None:
        """The rate to hold next, or None when the search is over."""
        plan = self.plan
        if len(self.holds) >= MAX_HOLDS:
            return None
        if not self.holds:
            return plan.start
        if self.worst is None:  # still ramping up
            assert self.best is not None
            if plan.max_rate is not None and self.best >= plan.max_rate:
                return None
            rate = self.best * plan.step
            return min(rate, plan.max_rate) if plan.max_rate is not None else rate
        if self.best is None:  # nothing held since the first break: just under what the outputs took, or a step down
            took = self.holds[-1].achieved * (1 - plan.precision / 2)
            return took if 0 < took < self.worst else self.worst / plan.step
        if self.worst <= self.best * (1 + plan.precision):
            return None
        return math.sqrt(self.best * self.worst)

    def record(self, hold: Hold) -> None:
        self.holds.append(hold)
        if hold.held:
            self.best = max(self.best or 0.0, hold.rate)
            return
        if self.worst is None:
            self.best = None  # held while buffers were filling: held again after this break before it counts
        self.worst = min(self.worst if self.worst is not None else math.inf, hold.rate)

    @property
    def found(self) -> float | None:
        return self.best


def search(
    control: RateControl,
    plan: KneePlan,
    bounds: KneeBounds,
    stop: threading.Event,
    report: Callable[[Hold], None] = lambda hold: None,
) -> KneeSearch:
    """Run the search on a live run; its rate is left at the rate found (or at the lowest tried)."""
    plan.check()
    knee = KneeSearch(plan)
    while not stop.is_set() and (rate := knee.next_rate()) is not None:
        if knee.holds and not knee.holds[-1].held:
            control.forgive()  # the run stops owing what the broken rate left behind (queued jobs dropped, counted)
        hold = _hold(control, rate, plan, bounds, stop)
        if hold is None:
            break
        knee.record(hold)
        report(hold)
    back = knee.found if knee.found is not None else (knee.worst or plan.start) / plan.step
    if not stop.is_set():
        control.set_rate(back)
    return knee


def _hold(control: RateControl, rate: float, plan: KneePlan, bounds: KneeBounds, stop: threading.Event) -> Hold | None:
    control.set_rate(rate)
    if stop.wait(plan.warmup):
        return None
    first = control.current()
    started = time.monotonic()
    worst_lag = first.lag
    last = first
    while (elapsed := time.monotonic() - started) < plan.hold:
        if stop.wait(min(POLL, plan.hold - elapsed)):
            return None
        last = control.current()
        worst_lag = max(worst_lag, last.lag)
        if last.failed - first.failed > bounds.max_fail or worst_lag - first.lag > bounds.max_lag:
            break  # broken already: no need to hold on
    return judge(rate, max(time.monotonic() - started, 1e-9), first, last, worst_lag - first.lag, bounds)
