"""Live rate control of a running engine: `engine.rate`, a `RateControl`.

    engine.rate.set_rate(5000)            # events/s, from now on
    engine.rate.set_volume(2.5)           # GB/day (2³⁰ bytes), converted at the event size measured so far
    engine.rate.set_shape(parse_shape("1000@10s,1000..8000@60s"))
    engine.rate.current()                 # RateReading: target, achieved, lag, counts, the shape

The rate lives where the plan's jobs are released: the run's `Clock` (`schedule/clock.py`). A target rate
becomes a speed, target ÷ the plan's own rate (its *base*), and the feeders release every sample's jobs at that
speed, so the change reaches the workers within one job's span (PACE, 0.05 s) plus the feeders' wake-up
(MAX_SLEEP, 0.25 s). Thread, process and cluster runs alike: the plan is walked by the host (the controller);
workers only render the jobs they are sent, so every worker follows at once. Nothing restarts and no count is
lost: the jobs stay the same jobs, only their release times (and their events' timestamps) move.

The base is exact for `input = rate` samples (what `--rate` and `--shape` choose): the sum of their rates. Any
other schedule's rate is measured from the jobs its feeder has released (events per plan second so far); a
target set before that is known is applied as soon as it is.

All methods are thread-safe. `attach` and `update` are the engine's; the rest are the API (the server's).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from eventgen.core.errors import EventgenError
from eventgen.core.shapes import Shape
from eventgen.run.accounting import Stats
from eventgen.schedule.clock import Clock
from eventgen.schedule.pacing import Feeder

log = logging.getLogger(__name__)

GIB = 2**30  # perDayVolume's GB
DAY = 86400.0
WINDOW = 2.0  # seconds of history behind the achieved rate
SAMPLE_EVERY = 0.1  # the engine loop records the counts at most this often
MEASURE_AFTER = 0.5  # plan seconds a schedule must have released before its rate is taken as measured


class RateError(EventgenError):
    """A rate that cannot be applied (one line): not a number above 0, or GB/day before any event was sent."""


@dataclass(frozen=True)
class RateReading:
    """Where a run's rate stands."""

    target: float | None  # events/s asked for; None: never steered (the conf's own rate)
    base: float | None  # events/s the plan makes at speed 1; None: not known yet
    speed: float  # plan seconds per real second (target ÷ base)
    achieved: float  # events/s made over the last WINDOW seconds
    lag: float  # seconds behind schedule (the worst feeder's lag, or jobs due that wait for room)
    generated: int
    sent: int
    failed: int
    resent: int
    bytes: int
    shape: str | None = None  # the shape being followed, in `parse_shape`'s form
    shape_seconds: float | None = None  # how far into the shape the run is
    shape_ended: bool = False

    @property
    def pending(self) -> bool:
        """A target is set but not applied yet (the base is not known yet)."""
        return self.target is not None and self.base is None

    def bytes_per_event(self) -> float | None:
        return self.bytes / self.sent if self.sent else None


def check_rate(events_per_second: float, what: str = "rate") -> float:
    rate = float(events_per_second)
    if not (math.isfinite(rate) and rate > 0):
        raise RateError(f"{what} must be a finite number of events/s above 0, got {events_per_second!r}")
    return rate


class RateControl:
    """A running engine's rate: set it, shape it, read it."""

    def __init__(
        self, stats: Stats, lag: Callable[[], float] = lambda: 0.0, shed: Callable[[], tuple[int, int]] = lambda: (0, 0)
    ):
        self.stats = stats
        self._lag_of = lag
        self._shed = shed  # drops what is queued (the dispatcher's; called by the engine loop)
        self._forgiven = False
        self._lock = threading.RLock()
        self._clock: Clock | None = None
        self._feeders: list[Feeder] = []
        self._nominal: list[float | None] = []
        self._target: float | None = None
        self._shape: Shape | None = None
        self._shape_started = 0.0
        self._course: tuple[float, float] | None = None  # the shape's course: (plan time reached, its events)
        self._history: deque[tuple[float, int]] = deque()
        self._last_sample = -math.inf
        self._lag = 0.0

    # ----- the API ------------------------------------------------------------------------------

    def set_rate(self, events_per_second: float) -> RateReading:
        """Aim the whole run at `events_per_second` from now on (and stop following a shape)."""
        rate = check_rate(events_per_second)
        with self._lock:
            self._shape = None
            self._target = rate
            self._apply()
        return self.current()

    def set_volume(self, gb_per_day: float) -> RateReading:
        """Aim at `gb_per_day` GB (2³⁰ bytes) a day per output, converted to events/s at the mean size of the
        events sent so far (Splunk Eventgen's `/volume`)."""
        volume = float(gb_per_day)
        if not (math.isfinite(volume) and volume > 0):
            raise RateError(f"volume must be a finite number of GB/day above 0, got {gb_per_day!r}")
        size = self.current().bytes_per_event()
        if size is None:
            raise RateError("volume in GB/day needs the size of the events sent so far, and none was sent yet")
        return self.set_rate(volume * GIB / DAY / size)

    def set_shape(self, shape: Shape | None) -> RateReading:
        """Follow `shape` from now on (None: stop following it and hold the present target)."""
        with self._lock:
            self._shape = shape
            self._shape_started = time.monotonic()
            self._course = None
            if shape is not None:
                self._target = shape.rate_at(0.0)
            self._apply()
        return self.current()

    def forgive(self) -> None:
        """The run stops owing what it fell behind: the plan goes on from where its slowest schedule is, as of now,
        at the same target, and the jobs queued but not sent are dropped (counted as dropped, never generated;
        the engine loop drops them within SAMPLE_EVERY). The knee search does this after a rate broke, so that
        the next rate is measured on its own."""
        with self._lock:
            clock = self._clock
            reached = [f.planned_until for f in self._feeders if f.planned_until is not None and f.ended is None]
            if clock is not None and reached:
                clock.rebase(min(reached))
            self._course = None
            self._forgiven = True

    def current(self) -> RateReading:
        with self._lock:
            totals = self.stats.totals()
            shape, elapsed = self._shape, time.monotonic() - self._shape_started
            return RateReading(
                target=self._target,
                base=self._base(),
                speed=self._clock.speed if self._clock is not None else 1.0,
                achieved=round(self._achieved(), 3),
                lag=round(self._lag, 4),
                generated=totals.generated,
                sent=totals.sent,
                failed=totals.failed,
                resent=totals.resent,
                bytes=totals.bytes,
                shape=shape.text() if shape is not None else None,
                shape_seconds=round(elapsed, 3) if shape is not None else None,
                shape_ended=shape is not None and shape.ended(elapsed),
            )

    @property
    def steered(self) -> bool:
        """Whether a rate or a shape was ever set: the run's rate is not the conf's own."""
        return self._target is not None

    # ----- the engine ---------------------------------------------------------------------------

    def attach(self, clock: Clock, feeders: list[Feeder], nominal: list[float | None]) -> None:
        """The run's clock and feeders (one per sample, `nominal[i]` the exact rate of sample i or None)."""
        with self._lock:
            self._clock, self._feeders, self._nominal = clock, feeders, nominal
            if self._shape is not None:
                self._shape_started = time.monotonic()
                self._course = None
            self._apply()

    def update(self, now: float | None = None) -> None:
        """Called by the engine loop: follow the shape, apply a pending target, record the counts and lag."""
        now = time.monotonic() if now is None else now
        if now - self._last_sample < SAMPLE_EVERY:
            return
        self._last_sample = now
        if self._forgiven:
            self._forgiven = False
            jobs, events = self._shed()
            if jobs:
                log.info("rate: %d queued job(s) of %d events dropped: the run owes nothing now", jobs, events)
        lag = self._lag_of()
        generated = self.stats.totals().generated
        with self._lock:
            self._lag = lag
            self._history.append((now, generated))
            while len(self._history) > 2 and now - self._history[1][0] >= WINDOW:
                self._history.popleft()
            if self._shape is not None:
                self._target = self._shape.rate_at(now - self._shape_started)
                self._follow(now)
            else:
                self._apply()

    # ----- inside -------------------------------------------------------------------------------

    def _apply(self) -> None:
        base = self._base()
        if self._clock is None or self._target is None or not base:
            return
        speed = self._target / base
        if abs(speed - self._clock.speed) > 1e-6 * speed:
            self._clock.set_speed(speed)

    def _follow(self, now: float) -> None:
        """Keep the clock on the shape's course: the plan time it has reached is moved to where the shape's events
        so far put it, so a run makes the shape's area in events however late the engine loop samples it."""
        base, clock, shape = self._base(), self._clock, self._shape
        if clock is None or shape is None or self._target is None or not base:
            return
        events = shape.events_until(now - self._shape_started)
        if self._course is None:  # the course starts where the clock is (the shape set, the base known, forgiven)
            self._course = (clock.wall(now), events)
        reached, before = self._course
        self._course = (reached + (events - before) / base, events)
        clock.follow(self._course[0], self._target / base, now)

    def _base(self) -> float | None:
        """The plan's events/s at speed 1: exact rates plus the measured ones; None until all are known."""
        clock = self._clock
        if clock is None or not self._feeders:
            return None
        total = 0.0
        for feeder, nominal in zip(self._feeders, self._nominal, strict=False):
            if nominal is not None:
                total += nominal
                continue
            until = feeder.planned_until
            if until is None or until - clock.now < MEASURE_AFTER:
                if feeder.ended is not None:
                    continue  # a schedule that ended adds nothing
                return None
            total += feeder.paced_events / (until - clock.now)
        return total or None

    def _achieved(self) -> float:
        if len(self._history) < 2:
            return 0.0
        (t0, g0), (t1, g1) = self._history[0], self._history[-1]
        return (g1 - g0) / (t1 - t0) if t1 > t0 else 0.0
