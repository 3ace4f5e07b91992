"""Pacing: releases planned jobs when they are due, on `time.monotonic()`.

The wall-clock `now` of the plan is mapped once onto the monotonic clock at the start of the run,
so a wall-clock step neither bursts nor stalls a run. Waiting loops until the job is due.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from eventgen.core.batch import GenerationJob
from eventgen.schedule.plan import PlannedJob

log = logging.getLogger(__name__)

LAG_WARN = 1.0  # warn when a job goes out this many seconds after it was due
WARN_EVERY = 10.0  # at most one "behind schedule" warning per sample this often
MAX_SLEEP = 0.25  # wake at least this often to notice a stop


@dataclass
class Clock:
    """The plan's reference time `now` (epoch seconds) pinned to a monotonic instant."""

    now: float
    mono: float = field(default_factory=time.monotonic)

    def until(self, due: float) -> float:
        """Seconds from the present until `due` (negative when past)."""
        return self.mono + (due - self.now) - time.monotonic()

    def monotonic(self, due: float) -> float:
        """The monotonic instant of the plan's epoch time `due`."""
        return self.mono + (due - self.now)

    def wall(self) -> float:
        """The plan's present: `now` advanced by the monotonic time elapsed."""
        return self.now + time.monotonic() - self.mono


class Waitable(Protocol):
    """What `wait_until` needs of a stop signal: a `threading.Event`, or a sample's `_Halt`."""

    def is_set(self) -> bool: ...
    def wait(self, timeout: float) -> bool: ...


def wait_until(clock: Clock, due: float, stop: Waitable) -> bool:
    """Sleep until `due`, looping; False when `stop` was set meanwhile."""
    while (left := clock.until(due)) > 0:
        if stop.wait(min(left, MAX_SLEEP)):
            return False
    return not stop.is_set()


class _Halt:
    """Set when the run stops, or when this one sample is ended (`Feeder.end`)."""

    def __init__(self, stop: threading.Event):
        self.stop = stop
        self.ended = threading.Event()

    def is_set(self) -> bool:
        return self.stop.is_set() or self.ended.is_set()

    def wait(self, timeout: float) -> bool:
        return self.stop.wait(timeout) or self.ended.is_set()


class Feeder:
    """Releases one sample's planned jobs to `put` when due; tracks lag and live events."""

    def __init__(
        self,
        label: str,
        jobs: Iterable[PlannedJob],
        put: Callable[[GenerationJob, float | None], bool],
        clock: Clock,
        stop: threading.Event,
    ):
        self.label = label
        self.jobs = jobs
        self.put = put
        self.clock = clock
        self.stop = _Halt(stop)
        self.lag = 0.0  # how late the latest paced job went out
        self.worst_lag = 0.0
        self.paced_events = 0  # events released on the clock (not at once)
        self.released_events = 0
        self.waited = False  # some job was due well after the start: the run was paced, not made at once
        self.exhausted = False  # the plan ran to its end
        self.error: str = ""
        self.ended: float | None = None
        self._warned = -WARN_EVERY

    def run(self) -> None:
        last_due: float | None = None
        try:
            for planned in self.jobs:
                if self.stop.is_set():
                    return
                if planned.due is not None:
                    if not wait_until(self.clock, planned.due, self.stop):
                        return
                    if planned.due != last_due:  # a burst's later jobs wait for room, not for the clock
                        self._track(-self.clock.until(planned.due))
                    last_due = planned.due
                if self.stop.ended.is_set():
                    return
                if not self.put(planned.job, None if planned.due is None else self.clock.monotonic(planned.due)):
                    return
                self.released_events += planned.job.count
                if planned.due is not None:
                    self.paced_events += planned.job.count
                    self.waited = self.waited or planned.due > self.clock.now + MAX_SLEEP
            # a schedule may end early because the run stops (http); one its generator ended (`end`) is done
            self.exhausted = self.stop.ended.is_set() or not self.stop.stop.is_set()
        except Exception as exc:  # a schedule plugin failing mid-run ends this sample, with its reason
            self.error = f"sample {self.label}: schedule failed: {type(exc).__name__}: {exc}"
            log.error("%s", self.error)
        finally:
            self.ended = time.monotonic()
            self._close()

    def _close(self) -> None:
        """End the plan's generators now, so that a schedule frees what it holds (an http input its port)."""
        close = getattr(self.jobs, "close", None)
        try:
            if close is not None:
                close()
        except Exception as exc:
            log.warning("sample %s: schedule did not close cleanly: %s", self.label, exc)

    def end(self) -> None:
        """End this sample's plan here (its generator has nothing more to make); noticed within MAX_SLEEP."""
        self.stop.ended.set()
        self.exhausted = True

    def _track(self, lag: float) -> None:
        self.lag = max(0.0, lag)
        self.worst_lag = max(self.worst_lag, self.lag)
        now = time.monotonic()
        if self.lag > LAG_WARN and now - self._warned > WARN_EVERY:
            self._warned = now
            log.warning(
                "sample %s: behind schedule by %.1fs (generation or output cannot keep up)", self.label, self.lag
            )


MIN_RATE_SPAN = 1.0  # seconds of pacing below which the summary states no achieved rate


def pacing_report(feeders: list[Feeder], started: float, target_rate: float | None) -> dict[str, float]:
    """Target vs achieved rate and worst lag over the paced part of a run ({} when nothing was paced)."""
    paced = [f for f in feeders if f.waited]
    if not paced:
        return {}
    end = max(f.ended or time.monotonic() for f in paced)
    span = max(end - started, 1e-9)
    events = sum(f.paced_events for f in paced)
    report = {
        "seconds": round(span, 3),
        "events": events,
        "achieved_rate": round(events / span, 1),
        "worst_lag_seconds": round(max(f.worst_lag for f in paced), 4),
    }
    at_once = sum(f.released_events - f.paced_events for f in paced)
    if at_once:
        report["backfill_events"] = at_once
    if target_rate:
        report["target_rate"] = target_rate
    return report


def describe_pacing(report: dict[str, float]) -> str:
    """One summary line for a pacing report. Below `MIN_RATE_SPAN` seconds of pacing a rate says nothing
    (3 events over 0.3 s are not "10 events/s"): the line gives the events and the lag only."""
    if not report:
        return ""
    if report["seconds"] < MIN_RATE_SPAN:
        return (
            f"live pacing: {report['events']:,} event(s) released when due over {report['seconds']:.1f}s "
            f"(too short for a rate), worst lag {report['worst_lag_seconds']:.3f}s"
        )
    target = f"target {report['target_rate']:,.0f} events/s, " if report.get("target_rate") else ""
    line = (
        f"live pacing: {target}achieved {report['achieved_rate']:,.0f} events/s over "
        f"{report['seconds']:.1f}s, worst lag {report['worst_lag_seconds']:.3f}s"
    )
    target_rate = report.get("target_rate")
    if target_rate and report["achieved_rate"] < 0.95 * target_rate:
        line += " — BEHIND: the target rate was not reached"
    elif report["worst_lag_seconds"] > LAG_WARN:
        line += " — fell behind schedule at times"
    return line
