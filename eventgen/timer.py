"""Per-sample timer: turns a sample's schedule into generation jobs on the job queue.

A run is *historical* when `end` is set: every tick up to `end` is emitted without waiting.
Otherwise it is *live*: ticks in the past (backfill) go at once, later ones on the wall clock,
until the run is stopped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from eventgen.jobs import GenerationJob
from eventgen.plugins import Tick, registry
from eventgen.sample import Sample
from eventgen.settings import SettingError
from eventgen.timeutil import parse_time

log = logging.getLogger(__name__)

TIMER_STREAM = 2


@dataclass
class Window:
    """Where a sample's schedule starts and stops."""

    start: float
    end_count: int | None  # stop after this many ticks
    end_time: float | None  # stop at ticks after this time

    @property
    def historical(self) -> bool:
        return self.end_count is not None or self.end_time is not None


def window_for(sample: Sample, now: float) -> Window:
    settings = sample.settings
    backfill = settings.get("backfill")
    start = parse_time(backfill, now, sample.tz) if backfill else now
    end = settings.get("end")
    if end is None or str(end).strip() == "":
        return Window(start, None, None)
    text = str(end).strip()
    try:
        count = int(text)
    except ValueError:
        return Window(start, None, parse_time(text, now, sample.tz))
    return Window(start, None if count < 0 else count, None)


def _validate_window(sample: Sample) -> list[tuple[str, str]]:
    problems = []
    for key in ("backfill", "end", "earliest", "latest"):
        value = sample.settings.get(key)
        if value is None or (key == "end" and str(value).strip().lstrip("-").isdigit()):
            continue
        try:
            parse_time(str(value), time.time(), sample.tz)
        except SettingError as exc:
            problems.append((key, str(exc)))
    return problems


class Timer:
    """Walks one sample's ticks and puts jobs of at most `jobSize` events on the queue."""

    def __init__(self, sample: Sample, put: Callable[[GenerationJob], bool], stop: threading.Event,
                 seed: int, now: float, job_size: int):
        self.sample = sample
        self.put = put
        self.stop = stop
        self.seed = seed
        self.now = now
        self.job_size = job_size
        self.window = window_for(sample, now)
        self.seq = 0
        self.offset = 0
        self.lag = 0.0

    def run(self) -> None:
        sample = self.sample
        rng = np.random.default_rng([self.seed, sample.stable_id ^ TIMER_STREAM])
        schedule = registry.get("input", sample.settings["input"])(sample)
        rater = registry.get("rater", sample.settings["rater"])(sample)
        window = self.window
        live = not window.historical
        if live and sample.settings.get("delay") and self.stop.wait(sample.settings["delay"]):
            return
        delay = sample.settings.get("delay") if live else 0
        for number, tick in enumerate(schedule.ticks(window.start + (delay or 0), rng)):
            if self.stop.is_set():
                return
            if window.end_count is not None and number >= window.end_count:
                return
            if window.end_time is not None and tick.time > window.end_time:
                return
            if live and not self._wait_until(tick.time):
                return
            count = tick.count if tick.timestamps is not None else rater.rate(tick.count, tick.time, rng)
            if not self.emit(tick, count, number):
                return

    def _wait_until(self, when: float) -> bool:
        delay = when - time.time()
        if delay > 0:
            return not self.stop.wait(delay)
        self.lag = -delay
        return True

    def emit(self, tick: Tick, count: int, number: int) -> bool:
        """Split one tick into jobs; False when the run was stopped while waiting for room."""
        stamps = tick.timestamps
        if stamps is not None:
            count = len(stamps)
        done = 0
        while done < count:
            n = min(self.job_size, count - done)
            job = GenerationJob(
                sample=self.sample.label,
                seq=self.seq,
                count=n,
                earliest=tick.earliest,
                latest=tick.latest,
                offset=self.offset,
                interval=number,
                now=tick.time,
                seed=self.seed,
                timestamps=None if stamps is None else np.ascontiguousarray(stamps[done : done + n]),
            )
            if not self.put(job):
                return False
            self.seq += 1
            self.offset += n
            done += n
        return True


validate_window = _validate_window
