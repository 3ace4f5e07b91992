"""Per-sample timer: turns a sample's schedule into generation jobs on the job queue.

A run is *historical* when `end` is set: every tick up to `end` is emitted without waiting.
Otherwise it is *live*: ticks in the past (backfill) go at once, later ones on the wall clock,
until the run is stopped. Live events are released smoothly: a tick is cut into small jobs
(at most `PACE` seconds of event times each) and each job is queued when its last event is due,
so no event leaves before its timestamp and none much after it.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from eventgen.conf.sample import Sample
from eventgen.conf.settings import SettingError
from eventgen.plugin.base import Tick, registry
from eventgen.render.batch import GenerationJob
from eventgen.schedule.time import parse_time

log = logging.getLogger(__name__)

TIMER_STREAM = 2
PACE = 0.05  # live: seconds of event times per job (a job is released when its last event is due)
LAG_WARN = 1.0  # live: warn when a job goes out this many seconds after it was due
WARN_EVERY = 10.0  # live: at most one "behind schedule" warning per sample this often


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


def _with_next(ticks: Iterable[Tick]) -> Iterator[tuple[Tick, Tick | None]]:
    """Each tick with the one after it (None for the last)."""
    iterator = iter(ticks)
    current = next(iterator, None)
    while current is not None:
        following = next(iterator, None)
        yield current, following
        current = following


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
        self.lag = 0.0  # how late the latest live job went out (seconds)
        self.worst_lag = 0.0  # the latest any live job went out
        self.live_events = 0  # events released on the wall clock (due at or after the run's start)
        self.ended: float | None = None  # when the timer stopped releasing
        self._warned = 0.0

    @property
    def live(self) -> bool:
        return not self.window.historical

    def run(self) -> None:
        try:
            self._run()
        finally:
            self.ended = time.time()

    def _run(self) -> None:
        sample = self.sample
        rng = np.random.default_rng([self.seed, sample.stable_id ^ TIMER_STREAM])
        schedule = registry.get("input", sample.settings["input"])(sample)  # type: ignore[call-arg]
        rater = registry.get("rater", sample.settings["rater"])(sample)  # type: ignore[call-arg]
        window = self.window
        live = self.live
        delay = (sample.settings.get("delay") or 0.0) if live else 0.0
        if delay and self.stop.wait(delay):
            return
        spread = live and getattr(schedule, "spread", False)
        for number, (tick, following) in enumerate(_with_next(schedule.ticks(window.start + delay, rng))):
            if self.stop.is_set():
                return
            if window.end_count is not None and number >= window.end_count:
                return
            if window.end_time is not None and tick.time > window.end_time:
                return
            if tick.timestamps is not None:
                stamps = np.asarray(tick.timestamps, dtype=np.float64)
                if window.end_time is not None and len(stamps) and stamps[-1] > window.end_time:
                    stamps = stamps[stamps <= window.end_time]
                ok = self.emit_stamps(tick, stamps, number, live)
            else:
                count = rater.rate(tick.count, tick.time, rng)
                span = following.time - tick.time if spread and following is not None else 0.0
                if live and span > 0 and count > 0:
                    ok = self.emit_spread(tick, count, number, span)
                else:
                    if live and not self._wait_until(tick.time):
                        return
                    ok = self.emit(tick, count, number)
            if not ok:
                return

    def _wait_until(self, when: float) -> bool:
        """Sleep until `when` (live); False when the run was stopped meanwhile. Tracks lag."""
        delay = when - time.time()
        if delay > 0:
            if self.stop.wait(delay):
                return False
            delay = when - time.time()
        if when >= self.now:
            self.lag = max(0.0, -delay)
            if self.lag > self.worst_lag:
                self.worst_lag = self.lag
            if self.lag > LAG_WARN and time.time() - self._warned > WARN_EVERY:
                self._warned = time.time()
                log.warning("sample %s: behind schedule by %.1fs (generation or output cannot keep up)",
                            self.sample.label, self.lag)
        return True

    def _job(self, tick: Tick, n: int, number: int, earliest: float, latest: float,
             stamps: np.ndarray | None, due: float) -> GenerationJob:
        return GenerationJob(
            sample=self.sample.label,
            seq=self.seq,
            count=n,
            earliest=earliest,
            latest=latest,
            offset=self.offset,
            interval=number,
            now=due,
            seed=self.seed,
            timestamps=stamps,
        )

    def _put(self, job: GenerationJob, due: float, live: bool) -> bool:
        if not self.put(job):
            return False
        self.seq += 1
        self.offset += job.count
        if live and due >= self.now:
            self.live_events += job.count
        return True

    def emit(self, tick: Tick, count: int, number: int) -> bool:
        """Split one tick into jobs of `jobSize`; False when the run was stopped while waiting for room."""
        stamps = tick.timestamps
        if stamps is not None:
            count = len(stamps)
        done = 0
        while done < count:
            n = min(self.job_size, count - done)
            part = None if stamps is None else np.ascontiguousarray(stamps[done : done + n])
            job = self._job(tick, n, number, tick.earliest, tick.latest, part, tick.time)
            if not self._put(job, tick.time, self.live):
                return False
            done += n
        return True

    def emit_stamps(self, tick: Tick, stamps: np.ndarray, number: int, live: bool) -> bool:
        """Explicit event times: historical in `jobSize` jobs; live in paced jobs, each sent when due."""
        if not live:
            return self.emit(Tick(tick.time, len(stamps), tick.earliest, tick.latest, stamps), len(stamps), number)
        if not len(stamps):  # nothing in this tick: still wait for it, so a schedule never runs ahead
            return self._wait_until(tick.time)
        cuts = pace_cuts(stamps, self.job_size).tolist()
        for a, b in itertools.pairwise(cuts):
            part = np.ascontiguousarray(stamps[a:b])
            due = float(part.max())
            if not self._wait_until(due):
                return False
            if not self._put(self._job(tick, b - a, number, float(part[0]), due, part, due), due, True):
                return False
        return True

    def emit_spread(self, tick: Tick, count: int, number: int, span: float) -> bool:
        """Live `interval`-style tick: its `count` events are due evenly over `span` seconds.

        With a point window (earliest == latest, the default `now`) each event's time is its due
        time; otherwise each job draws from the tick's window shifted by the job's due offset.
        """
        offsets = np.arange(count, dtype=np.float64) * (span / count)
        point = tick.earliest == tick.latest
        cuts = pace_cuts(offsets, self.job_size).tolist()
        for a, b in itertools.pairwise(cuts):
            first, last = float(offsets[a]), float(offsets[b - 1])
            due = tick.time + last
            if not self._wait_until(due):
                return False
            stamps = tick.earliest + offsets[a:b] if point else None
            job = self._job(tick, b - a, number, tick.earliest + first, tick.latest + last, stamps, due)
            if not self._put(job, due, True):
                return False
        return True


def share_rate(samples: list[Sample], rate: float) -> None:
    """`--rate EPS`: every sample runs the `rate` schedule at an equal share of EPS events/s."""
    if rate <= 0:
        raise SettingError(f"--rate must be above 0, got {rate}")
    share = rate / max(len(samples), 1)
    for sample in samples:
        sample.settings = sample.settings.with_values(input="rate", rate=share)


def pacing_report(timers: list[Timer], generated_by_sample: dict[str, int],
                  target_rate: float | None) -> dict[str, float]:
    """Target vs achieved rate and worst lag of the live samples ({} when the run was historical).

    Achieved = events generated on the wall clock (not backfill) / seconds from the run's start to
    the moment the timers stopped.
    """
    live = [t for t in timers if t.live]
    if not live:
        return {}
    start = min(t.now for t in live)
    end = max(t.ended or time.time() for t in live)
    span = max(end - start, 1e-9)
    events = sum(t.live_events for t in live)
    backfilled = sum(max(0, generated_by_sample.get(t.sample.label, 0) - t.live_events) for t in live)
    report = {
        "seconds": round(span, 3),
        "events": events,
        "achieved_rate": round(events / span, 1),
        "worst_lag_seconds": round(max(t.worst_lag for t in live), 4),
    }
    if backfilled:
        report["backfill_events"] = backfilled
    if target_rate:
        report["target_rate"] = target_rate
    return report


def describe_pacing(report: dict[str, float]) -> str:
    """One summary line for a pacing report."""
    if not report:
        return ""
    target = f"target {report['target_rate']:,.0f} events/s, " if report.get("target_rate") else ""
    line = (f"live pacing: {target}achieved {report['achieved_rate']:,.0f} events/s over "
            f"{report['seconds']:.1f}s, worst lag {report['worst_lag_seconds']:.3f}s")
    target_rate = report.get("target_rate")
    if target_rate and report["achieved_rate"] < 0.95 * target_rate:
        line += " — BEHIND: the target rate was not reached"
    elif report["worst_lag_seconds"] > LAG_WARN:
        line += " — fell behind schedule at times"
    return line


def record_pacing(stats, timers: list[Timer]) -> None:
    """Put the live pacing report into a run's Stats (field `pacing` and a summary note)."""
    generated: dict[str, int] = {}
    for (sample, _output), counter in list(stats.rows.items()):
        generated[sample] = max(generated.get(sample, 0), counter.generated)
    stats.pacing = pacing_report(timers, generated, stats.target_rate)
    if stats.pacing:
        stats.notes.append(describe_pacing(stats.pacing))


validate_window = _validate_window
