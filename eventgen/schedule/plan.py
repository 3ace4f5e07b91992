"""The schedule plan: a pure function from (sample, window, seed) to the jobs of a run.

The run, `preview`, the studio's histogram and its debugger all walk this one plan. It decides
what each job makes and when it may be released (`due`, epoch seconds); releasing is pacing's job.

Time semantics (Splunk Eventgen's):
- ticks before the window's `now` (backfill, a window in the past) are due at once;
- later ticks are due at their own time, stamped with it, so no event is written before its
  timestamp; explicit timestamps (replay, rate, cron…) are cut into short jobs each due at its last
  event;
- an unbounded live run of a spreading schedule (`interval`) releases each tick's events evenly
  until the next tick, for a smooth rate;
- `timeMode = sample` (Eventum's sample mode) makes everything at once, future stamps included.

Pure: everything a plan depends on is an argument (the sample, its window with the reference time `now`, the seed,
the job size, and for a real run its `LiveRun`); the sample's input and rater are built from the classes `resolve`
chose for it (`Sample.plugins`), each with what it needs, and nothing is set on them afterwards.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from eventgen.conf.sample import Sample
from eventgen.core.batch import GenerationJob
from eventgen.core.timeutil import parse_time
from eventgen.schedule.merge import merged
from eventgen.schedule.tick import LiveRun, Tick

TIMER_STREAM = 2  # the schedule's random stream: (seed, sample ^ TIMER_STREAM)
PACE = 0.05  # paced jobs hold at most this many seconds of event times


@dataclass(frozen=True)
class Window:
    """Where a sample's plan starts and stops, and the reference time `now`."""

    start: float
    now: float
    end_count: int | None = None  # stop after this many ticks
    end_time: float | None = None  # stop at ticks after this time
    paced: bool = True  # release future ticks when due (False: timeMode = sample)

    @property
    def bounded(self) -> bool:
        return self.end_count is not None or self.end_time is not None


@dataclass(slots=True)
class PlannedJob:
    """A job and when it may be released: `due` epoch seconds, or None for at once."""

    job: GenerationJob
    due: float | None


def window_for(sample: Sample, now: float, time_mode: str | None = None) -> Window:
    """The sample's window: `backfill` (or now) to `end` (a tick count or a time)."""
    settings = sample.settings
    if sample.schedules:  # each member has its own window (`member_window`); the group's ends when all of theirs do
        members = [window_for(m, now, time_mode) for m in sample.schedules]
        ends = float("inf") if all(w.bounded for w in members) else None
        return Window(min(w.start for w in members), now, None, ends, members[0].paced)
    backfill = settings.get("backfill")
    start = parse_time(backfill, now, sample.tz) if backfill else now
    paced = (time_mode or settings["timeMode"]) != "sample"
    end = settings.get("end")
    if end is None or str(end).strip() == "":
        return Window(start, now, paced=paced)
    text = str(end).strip()
    try:
        count = int(text)
    except ValueError:
        return Window(start, now, None, parse_time(text, now, sample.tz), paced)
    return Window(start, now, None if count < 0 else count, None, paced)


def member_window(member: Sample, window: Window) -> Window:
    """A schedule group member's own window (its backfill and end) at the group's `now` and time mode."""
    return window_for(member, window.now, "live" if window.paced else "sample")


def make_rater(sample: Sample, seed: int) -> Any:
    """The sample's rater (a `RaterPlugin`), made for the run's seed."""
    return sample.plugins["rater"](sample, seed)


def make_schedule(sample: Sample, now: float, live: LiveRun | None = None) -> Any:
    """The sample's schedule (an `InputPlugin`) at the reference time `now`; `live` for a real run only."""
    return sample.plugins["input"](sample, now, live)


def ticks(
    sample: Sample, window: Window, seed: int, rater: Any = None, live: LiveRun | None = None
) -> Iterator[tuple[int, Tick, int]]:
    """(tick number, tick, rated count) in order, within the window; the schedule's only walk. `live` is given
    by a real run only: an `on_demand` schedule yields nothing without it."""
    rng = np.random.default_rng([seed, sample.stable_id ^ TIMER_STREAM])
    if sample.schedules:  # a schedule group: each member's own window, merged in time order
        streams: list[Iterator[tuple[Tick, int]]] = [
            ((tick, count) for _, tick, count in ticks(member, member_window(member, window), seed, None, live))
            for member in sample.schedules
        ]
        for number, tick in enumerate(merged(streams, rng)):
            yield number, tick, tick.count
        return
    schedule = make_schedule(sample, window.now, live)
    rater = rater or make_rater(sample, seed)
    delay = sample.settings["delay"] if window.paced and not window.bounded else 0.0
    skip_past = window.paced and sample.settings.get("skipPast")  # times before the run's start are dropped
    for number, tick in enumerate(schedule.ticks(window.start + delay, rng)):
        if window.end_count is not None and number >= window.end_count:
            return
        if window.end_time is not None and tick.time > window.end_time:
            return
        if tick.timestamps is not None:
            stamps = np.asarray(tick.timestamps, dtype=np.float64)
            if window.end_time is not None and len(stamps) and stamps[-1] > window.end_time:
                stamps = stamps[stamps <= window.end_time]
            if skip_past and len(stamps) and stamps[0] < window.now:
                stamps = stamps[stamps >= window.now]
                if not len(stamps):
                    continue
            yield number, Tick(tick.time, len(stamps), tick.earliest, tick.latest, stamps), len(stamps)
        elif not (skip_past and tick.time < window.now):
            yield number, tick, rater.rate(tick.count, tick.time, rng)


def plan(sample: Sample, window: Window, seed: int, job_size: int, live: LiveRun | None = None) -> Iterator[PlannedJob]:
    """Every job of the sample's run, in order, with its release time. Pure: same inputs, same jobs (but for an
    `on_demand` schedule in a real run, `live` given, whose ticks come from outside)."""
    seq = offset = 0
    schedule = sample.plugins["input"]
    spread = window.paced and not window.bounded and not sample.schedules and schedule.spread
    rater = make_rater(sample, seed)
    observes = rater.observes
    limit = sample.settings.get("maxEvents")
    if limit == 0:
        return
    stream = ticks(sample, window, seed, rater, live)
    # an on-demand schedule's next tick may be minutes away: its ticks are not held back by the look-ahead
    paired = ((item, None) for item in stream) if schedule.on_demand else _with_next(stream)
    for (number, tick, count), following in paired:
        future = window.paced and tick.time >= window.now
        rated = tick.timestamps is None  # explicit times are the schedule's, not the rater's
        position = 0
        if tick.timestamps is not None:
            parts = _stamped(tick.timestamps, job_size, window)
        elif future and spread and following is not None and count > 0:
            parts = _spread(tick, count, following[1].time - tick.time, job_size)
        else:
            parts = _split(tick, count, job_size, tick.time if future else None)
        for n, earliest, latest, stamps, due in parts:
            if limit is not None and offset + n >= limit:  # the last job: cut at `maxEvents`
                n = limit - offset
                if stamps is not None:
                    stamps = stamps[:n]
                    latest = float(stamps[-1])
            extra = {}
            if tick.sources is not None:
                extra["sources"] = np.ascontiguousarray(tick.sources[position : position + n]).tobytes()
                position += n
            job = GenerationJob(
                sample=sample.label,
                seq=seq,
                count=n,
                earliest=earliest,
                latest=latest,
                offset=offset,
                interval=number,
                now=tick.time if due is None else due,
                seed=seed,
                timestamps=stamps,
                extra=extra,
            )
            if observes and rated:
                rater.observe(job)
            yield PlannedJob(job, due)
            seq += 1
            offset += n
            if limit is not None and offset >= limit:
                return


Part = tuple[int, float, float, "np.ndarray | None", "float | None"]  # count, earliest, latest, stamps, due


def _split(tick: Tick, count: int, job_size: int, due: float | None) -> Iterator[Part]:
    for done in range(0, count, job_size):
        yield min(job_size, count - done), tick.earliest, tick.latest, None, due


def _stamped(stamps: np.ndarray, job_size: int, window: Window) -> Iterator[Part]:
    """Explicit times: the past part in `jobSize` jobs at once, the future part in paced jobs."""
    cut = int(np.searchsorted(stamps, window.now, side="left")) if window.paced else len(stamps)
    for a in range(0, cut, job_size):
        part = np.ascontiguousarray(stamps[a : min(a + job_size, cut)])
        yield len(part), float(part[0]), float(part[-1]), part, None
    future = stamps[cut:]
    for a, b in itertools.pairwise(pace_cuts(future, job_size).tolist()):
        part = np.ascontiguousarray(future[a:b])
        due = float(part.max())
        yield b - a, float(part[0]), due, part, due


def _spread(tick: Tick, count: int, span: float, job_size: int) -> Iterator[Part]:
    """An `interval` tick's events due evenly over `span` seconds. With a point window (the default
    earliest = latest = now) each event's time is its due time; otherwise each job draws from the
    tick's window shifted by the job's offset."""
    offsets = np.arange(count, dtype=np.float64) * (span / count)
    point = tick.earliest == tick.latest
    for a, b in itertools.pairwise(pace_cuts(offsets, job_size).tolist()):
        first, last = float(offsets[a]), float(offsets[b - 1])
        stamps = tick.earliest + offsets[a:b] if point else None
        yield b - a, tick.earliest + first, tick.latest + last, stamps, tick.time + last


def pace_cuts(due: np.ndarray, job_size: int, pace: float = PACE) -> np.ndarray:
    """Boundaries [0, …, n] cutting sorted due times into jobs of ≤ `pace` seconds and ≤ `job_size` events."""
    n = len(due)
    if n == 0:
        return np.zeros(1, dtype=np.int64)
    slots = np.floor((due - due[0]) / pace + 1e-6).astype(np.int64)  # + 1e-6: float noise at slot edges
    cuts = np.concatenate(([0], np.flatnonzero(np.diff(slots)) + 1, [n]))
    sizes = np.diff(cuts)
    if sizes.max() <= job_size:
        return cuts
    pieces = [np.arange(a, b, job_size) for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True)]
    return np.concatenate([*pieces, [n]])


def _with_next(items: Iterable) -> Iterator[tuple]:
    """Each item with the one after it (None for the last)."""
    iterator = iter(items)
    current = next(iterator, None)
    while current is not None:
        following = next(iterator, None)
        yield current, following
        current = following


def planned_events(
    sample: Sample, window: Window, seed: int, budget: float = 2.0, job_size: int | None = None
) -> int | None:
    """Total events of a bounded plan, or None when unbounded, fed on demand or not countable within `budget` s.

    A rater that corrects from the jobs it observes is counted over the plan itself (cut into the run's
    `job_size`), so that the count is the run's."""
    if not window.bounded or sample.plugins["input"].on_demand:
        return None
    deadline = time.monotonic() + budget
    total = 0
    if sample.plugins["rater"].observes:
        for i, planned in enumerate(plan(sample, window, seed, job_size or sample.settings["jobSize"])):
            total += planned.job.count
            if i % 64 == 0 and time.monotonic() > deadline:
                return None
        return total
    limit = sample.settings.get("maxEvents")
    for i, (_, _, count) in enumerate(ticks(sample, window, seed)):
        total += count
        if limit is not None and total >= limit:
            return limit
        if i % 256 == 0 and time.monotonic() > deadline:
            return None
    return total
