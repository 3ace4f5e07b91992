"""One run of a conf in any mode: plan → pacing → dispatcher → transport → workers → accounting.

The engine loop is the only thread that talks to the dispatcher's peers and the transport; feeder
threads (one per sample) release planned jobs into the dispatcher's bounded backlog when due.
Thread, process and cluster runs are this same loop over a different `Transport`; `wire.py` builds
it and its parts.
"""

from __future__ import annotations

import logging
import secrets
import sys
import threading
import time
from dataclasses import dataclass
from typing import TextIO

from eventgen.core.batch import GenerationJob
from eventgen.core.shapes import Shape
from eventgen.resolve.config import RunConfig
from eventgen.rpc.events import Done, Event, Fatal, Joined, Leaving, Lost, Transport
from eventgen.run.catchup import CATCHUP
from eventgen.run.dispatcher import FAILED, LOST
from eventgen.run.outputs import OutputSet, OutputStage
from eventgen.run.plan_log import log_plan
from eventgen.run.progress import StatusPrinter
from eventgen.run.rate import RateControl
from eventgen.run.record import RunRecord
from eventgen.run.report import made_line, status_line
from eventgen.run.summary import RunSummary
from eventgen.schedule.clock import Clock
from eventgen.schedule.pacing import Feeder, describe_pacing, pacing_report
from eventgen.schedule.plan import Window, plan, planned_events, window_for
from eventgen.schedule.tick import LiveRun

log = logging.getLogger(__name__)


@dataclass
class RunOptions:
    seed: int | None = None
    status_interval: float | None = None
    status_stream: TextIO | None = None
    drain_seconds: float = 30.0
    now: float | None = None  # `--now`: the reference time of the plan (default: the present)
    time_mode: str | None = None  # `--no-wait`: "sample" makes future timestamps at once
    run_id: str | None = None
    expect_workers: int = 0  # wait until this many workers have joined before the plan starts
    duration: float | None = None  # `--duration`: stop this many seconds after the plan starts
    catchup: float = CATCHUP  # `--catchup`: a live backlog is caught up at most this many times the schedule
    target_rate: float | None = None  # `--rate`: the events/s the run was asked for (for the pacing report)
    shape: Shape | None = None  # `--shape` / `shape`: the load shape the run follows from its start


class Engine:
    """`execute()` runs to the end of the plan (or until `stop()`) and returns the run's summary."""

    def __init__(
        self,
        config: RunConfig,
        options: RunOptions,
        record: RunRecord,
        transport: Transport,
        stop: threading.Event,
        outputs: OutputSet | None = None,
        stage: OutputStage | None = None,
    ):
        self.config = config
        self.options = options
        self.record = record
        self.run_id = record.run_id
        self.stats = record.stats
        self.dispatcher = record.dispatcher
        self.state = record.state
        self.transport = transport
        self.stop_event = stop
        self.outputs = outputs  # the outputs this process writes: closed at the end
        self.stage = stage  # where the payloads workers hand back are written
        seed = options.seed if options.seed is not None else config.engine.seed
        self.seed = seed if seed is not None else secrets.randbits(63)
        self.windows: list[Window] = []  # one per sample, parallel to `state.feeders`
        self.printer: StatusPrinter | None = None
        self.rate = RateControl(
            self.stats, self._lag, self.dispatcher.shed
        )  # live rate control: the server's handle on this run
        if options.shape is not None:
            self.rate.set_shape(options.shape)

    # ----- lifecycle ------------------------------------------------------------------------

    def stop(self) -> None:
        self.stop_event.set()

    def made_line(self) -> str:
        """How much was made so far (for a quit at once: never waits long on a busy lock)."""
        return made_line(self.stats.totals_within(0.5))

    def summary(self) -> RunSummary:
        return self.record.summary()

    def queue(self, job: GenerationJob, due: float | None) -> bool:
        """The feeders' way in: a job into the backlog (blocking while it is full), the engine loop woken."""
        queued = self.dispatcher.put(job, due)
        if queued:
            self.transport.wake()
        return queued

    def execute(self) -> RunSummary:
        self.transport.start()  # first: worker processes are forked before any other thread starts
        self._await_workers()
        started = time.monotonic()
        clock = Clock(self.options.now if self.options.now is not None else time.time())  # the plan starts now
        threads = self._start_feeders(clock)
        if log.isEnabledFor(logging.INFO):
            log_plan(self.config.samples, self.windows, self._count_plan())
        if self.options.duration:
            stopper = threading.Timer(self.options.duration, self.stop)
            stopper.daemon = True
            stopper.start()
        self.state.state = "running"
        deadline: float | None = None
        try:
            deadline = self._loop(threads)
        finally:
            self.stop_event.set()
            self.state.state = "stopping"
            aborted = deadline is not None and time.monotonic() > deadline
            for event in self.transport.finish(
                max(5.0, self.options.drain_seconds / 3), aborted, self.dispatcher.holds
            ):
                self._on(event)
            self.transport.close()
            for thread in threads:
                thread.join(1)
            self._finish(started)
            if self.printer is not None:
                self.printer.close(status_line(self.summary()))
        return self.summary()

    def _await_workers(self) -> None:
        wanted = self.options.expect_workers
        next_note = time.monotonic() + 5
        while len(self.dispatcher.working()) < wanted and not self.stop_event.is_set() and not self.state.fatal:
            for event in self.transport.poll(0.1):
                self._on(event)
            if time.monotonic() > next_note:
                next_note = time.monotonic() + 5
                log.warning("waiting for workers: %d of %d joined", len(self.dispatcher.working()), wanted)
        self.state.started = time.time()

    def _job_size(self, sample) -> int:
        cap = self.config.engine.maxQueueLength
        return cap if cap > 0 else sample.settings["jobSize"]

    def _start_feeders(self, clock: Clock) -> list[threading.Thread]:
        threads = []
        feeders = self.state.feeders
        live = LiveRun(self.stop_event, clock.wall)  # on-demand schedules (http) open their servers for this run
        for sample in self.config.samples:
            window = window_for(sample, clock.now, self.options.time_mode)
            jobs = plan(sample, window, self.seed, self._job_size(sample), live)
            feeders.append(Feeder(sample.label, jobs, self.queue, clock, self.stop_event))
            self.windows.append(window)
            threads.append(threading.Thread(target=feeders[-1].run, name=f"feeder-{sample.label}", daemon=True))
        nominal = [nominal_rate(s, w) for s, w in zip(self.config.samples, self.windows, strict=True)]
        self.rate.attach(clock, feeders, nominal)
        for thread in threads:
            thread.start()
        self.state.live = any(not w.bounded for w in self.windows)
        if self.windows and not self.state.live and not log.isEnabledFor(logging.INFO):  # -v counts before it logs
            threading.Thread(target=self._count_plan, name="plan-count", daemon=True).start()
        return threads

    def _count_plan(self) -> list[int | None]:
        """The events each bounded sample's plan holds (None: unbounded, or too long to count) and, when every
        sample is bounded and counted, the run's total for the progress line."""
        counts = [
            planned_events(s, w, self.seed, job_size=self._job_size(s)) if w.bounded else None
            for s, w in zip(self.config.samples, self.windows, strict=True)
        ]
        if not self.state.live and all(c is not None for c in counts):
            self.state.planned = sum(c or 0 for c in counts)
        return counts

    def _loop(self, threads: list[threading.Thread]) -> float | None:
        interval = self._status_interval()
        if interval:
            self.printer = StatusPrinter(self.options.status_stream or sys.stderr, interval)
            interval = self.printer.interval
        debug = log.isEnabledFor(logging.DEBUG)
        next_status = time.monotonic() + interval if interval else None
        deadline: float | None = None
        next_drain_note = 0.0
        timeout = 0.05
        while True:
            for event in self.transport.poll(timeout):
                self._on(event)
            sent = 0
            for peer, job in self.dispatcher.assign():
                sent += 1
                if debug:
                    log.debug(
                        "job %s#%d: %d event(s), times %.3f to %.3f, to worker %s",
                        job.sample,
                        job.seq,
                        job.count,
                        job.earliest,
                        job.latest,
                        peer.name or peer.id,
                    )
                if not self.transport.send(peer.id, job):
                    self.dispatcher.unassign(peer, job)
            feeding = any(t.is_alive() for t in threads)
            if sent:
                timeout = 0.0
            elif feeding and not self.transport.wakes and any(p.free for p in self.dispatcher.peers.values()):
                timeout = 0.005  # room for work the feeders may queue at any moment, and no wake-up for it
            else:
                timeout = 0.05
            now = time.monotonic()
            self.rate.update(now)
            if next_status is not None and now >= next_status:
                next_status = now + interval
                if self.printer is not None:
                    self.printer.show(status_line(self.summary(), with_policy=True))
            if self.state.fatal:
                self.stop_event.set()
                return now
            if self.stop_event.is_set():
                if deadline is None:
                    deadline = now + self.options.drain_seconds
                    self.state.state = "stopping"
                if self.dispatcher.idle() or now > deadline or not self.dispatcher.working():
                    return deadline
                if now >= next_drain_note:
                    next_drain_note = now + 1.0
                    log.info(
                        "draining: %d job(s) queued, %d in flight", self.dispatcher.queued(), self.dispatcher.inflight()
                    )
            elif not feeding and self.dispatcher.idle():
                return None

    def _on(self, event: Event) -> None:
        d = self.dispatcher
        if isinstance(event, Done):
            report = event.report
            accepted = d.done(event.peer, report.run, report.key, report.delta, report.error, event.unreadable)
            if accepted:
                for sample in report.delta.exhausted:
                    self._end_sample(sample)
            if log.isEnabledFor(logging.DEBUG):
                total = report.delta.totals()
                log.debug(
                    "job %s#%d done: %d made, %d sent, %d failed%s%s",
                    report.key[0],
                    report.key[1],
                    total.generated,
                    total.sent,
                    total.failed,
                    f" ({report.error})" if report.error else "",
                    "" if accepted else " (refused)",
                )
            if accepted and report.handback and self.stage is not None and self.outputs is not None:
                for index, payload in report.handback:
                    self.stage.submit([self.outputs.at(index)], payload)
        elif isinstance(event, Joined):
            d.join(event.peer, event.capacity, event.name, event.host)
        elif isinstance(event, Leaving):
            d.leaving(event.peer, event.returned)
            self.stats.close_failed(event.closing)
            if event.final:
                d.gone(event.peer)
        elif isinstance(event, Lost):
            d.gone(event.peer, LOST, event.reason)
        elif isinstance(event, Fatal):
            d.gone(event.peer, FAILED, event.message)
            self.state.fatal = event.message
            if self.record.notes.add(f"run failed: {event.message}"):
                log.error("%s", event.message)

    def _end_sample(self, sample: str) -> None:
        """A generator said its sample has nothing more to make (`dispatch.exhaust()`): stop planning it."""
        if sample in self.dispatcher.ended:
            return
        for feeder in self.state.feeders:
            if feeder.label == sample:
                feeder.end()
        jobs, events = self.dispatcher.end_sample(sample)
        self.record.notes.add(
            f"sample {sample}: ended by its template (dispatch.exhaust()); the rest of its plan not made"
        )
        log.info("sample %s ended by its template: %d queued job(s) of %d events removed", sample, jobs, events)

    def _finish(self, started: float) -> None:
        notes, state = self.record.notes, self.state
        if self.stage is not None:
            self.stage.close()
        if self.outputs is not None:
            self.stats.close_failed(self.outputs.close())
        state.ended = time.time()
        jobs, events = self.dispatcher.drop_rest()
        if jobs:
            notes.add(f"stopped with {jobs:,} job(s) ({events:,} events) queued or unconfirmed: not made, not counted")
        counts, _ = self.stats.snapshot()
        for sample, dropped in sorted(counts.dropped.items()):
            notes.add(f"sample {sample}: {dropped:,} render(s) discarded by its template (dispatch)")
        for feeder in state.feeders:
            if feeder.error:
                state.fatal = state.fatal or feeder.error
                notes.add(feeder.error)
        target = None if self.rate.steered else self.options.target_rate  # a steered run had many targets
        state.pacing = pacing_report(state.feeders, started, target)
        if state.pacing:
            notes.add(describe_pacing(state.pacing))
        runs = list(zip(self.config.samples, state.feeders, self.windows, strict=True))
        bounded = [(s, f, w) for s, f, w in runs if w.bounded]
        if bounded and not all(f.exhausted for _, f, _ in bounded):
            state.incomplete = True
            made = sum(counts.generated.get(f.label, 0) for _, f, _ in bounded)
            asked = [planned_events(s, w, self.seed, job_size=self._job_size(s)) for s, _, w in bounded]
            if all(a is not None for a in asked):
                state.asked = total = sum(a or 0 for a in asked)
                notes.add(
                    f"interrupted: made {made:,} of the {total:,} events asked for ({100 * made / max(total, 1):.1f}%)"
                )
            else:
                notes.add(f"interrupted: made {made:,} events before the end of the plan")
        state.state = "finished"

    def _lag(self) -> float:
        """Seconds the run is behind schedule: the worst feeder's lag, or a due job that waits for room."""
        return max(self.state.lag(), self.dispatcher.behind())

    def _status_interval(self) -> float:
        interval = self.options.status_interval
        if interval is None:
            interval = self.config.engine.statusInterval
        return max(0.0, interval)


def nominal_rate(sample, window: Window) -> float | None:
    """The events/s a sample's schedule plans exactly (`input = rate`), 0 when nothing is paced, else None."""
    if not window.paced:
        return 0.0
    if sample.schedules:
        return None
    return sample.plugins["input"].nominal_rate(sample)
