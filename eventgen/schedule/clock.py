"""The run's clock: the plan's time mapped onto `time.monotonic()`, played at a speed that may change live.

A run's plan says when each job is due in the plan's time (epoch seconds from the reference time `now`). The
clock pins `now` to a monotonic instant once, so a wall-clock step neither bursts nor stalls a run. Its speed
is how many plan seconds pass per real second: 1 unless the run's rate is steered (`run/rate.py`). A new speed
takes effect from the present on: the plan time reached so far is kept, and later jobs are due sooner (faster)
or later (slower). Every schedule is steered the same way, whatever made its plan.

Events keep real times: once the speed has ever changed, a job released by the feeder is restamped (`retime`)
from plan time to the wall time at which the clock releases it, so a steered run still writes events stamped
with the present.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time

import numpy as np

from eventgen.core.batch import GenerationJob


class Clock:
    """The plan's reference time `now` (epoch seconds) pinned to the monotonic instant `mono`, at `speed`."""

    def __init__(self, now: float, mono: float | None = None):
        self.now = now
        self.mono = time.monotonic() if mono is None else mono
        self._anchor = (now, self.mono, 1.0)  # plan time, the monotonic instant it falls on, speed: one tuple
        self._lock = threading.Lock()
        self.warped = False  # the speed has changed at least once: jobs are restamped on release

    @property
    def speed(self) -> float:
        return self._anchor[2]

    def set_speed(self, speed: float, at: float | None = None) -> None:
        """From the monotonic instant `at` (the present) on, `speed` plan seconds pass per real second."""
        if not (math.isfinite(speed) and speed > 0):
            raise ValueError(f"a clock's speed must be a finite number above 0, got {speed!r}")
        with self._lock:
            at = time.monotonic() if at is None else at
            plan, mono, old = self._anchor
            self._anchor = (plan + (at - mono) * old, at, speed)
            self.warped = self.warped or speed != old

    def rebase(self, plan: float, at: float | None = None) -> None:
        """Plan time `plan` falls on the monotonic instant `at` (the present) from now on: a run that fell behind
        stops owing it, and later jobs are due from there on at the same speed."""
        with self._lock:
            at = time.monotonic() if at is None else at
            old_plan, mono, speed = self._anchor
            if plan < old_plan + (at - mono) * speed:
                self._anchor = (plan, at, speed)
                self.warped = True

    def follow(self, plan: float, speed: float, at: float | None = None) -> None:
        """Plan time `plan` falls on the monotonic instant `at` (the present), and `speed` plan seconds pass per
        real second from there: a shape keeps the clock on its exact course, ahead or back, each time it is
        sampled."""
        if not (math.isfinite(speed) and speed > 0):
            raise ValueError(f"a clock's speed must be a finite number above 0, got {speed!r}")
        with self._lock:
            at = time.monotonic() if at is None else at
            self._anchor = (plan, at, speed)
            self.warped = True

    def monotonic(self, due: float) -> float:
        """The monotonic instant of the plan's epoch time `due`."""
        plan, mono, speed = self._anchor
        return mono + (due - plan) / speed

    def until(self, due: float) -> float:
        """Seconds from the present until `due` (negative when past)."""
        return self.monotonic(due) - time.monotonic()

    def wall(self, at: float | None = None) -> float:
        """The plan's present: the plan time the clock has reached (by the monotonic instant `at`)."""
        plan, mono, speed = self._anchor
        return plan + ((time.monotonic() if at is None else at) - mono) * speed

    def epoch(self, due: float) -> float:
        """The wall time (epoch seconds) at which plan time `due` is released."""
        return self.now + self.monotonic(due) - self.mono

    def retime(self, job: GenerationJob, due: float) -> GenerationJob:
        """`job` (due at plan time `due`) with real times: explicit timestamps mapped through the clock, a window
        moved by as much as its due time moved. The job itself when the speed never changed."""
        if not self.warped:
            return job
        plan, mono, speed = self._anchor
        shift = self.now - self.mono + mono  # epoch(t) = shift + (t - plan) / speed
        if job.timestamps is not None:
            stamps = shift + (np.asarray(job.timestamps, dtype=np.float64) - plan) / speed
            first, last = (float(stamps[0]), float(stamps[-1])) if len(stamps) else (job.earliest, job.latest)
            return dataclasses.replace(
                job, timestamps=stamps, earliest=first, latest=last, now=shift + (job.now - plan) / speed
            )
        moved = shift + (due - plan) / speed - due
        return dataclasses.replace(job, earliest=job.earliest + moved, latest=job.latest + moved, now=job.now + moved)
