"""One run of a conf in any mode: plan → pacing → dispatcher → transport → workers → accounting.

The engine loop is the only thread that talks to the dispatcher's peers and the transport; feeder
threads (one per sample) release planned jobs into the dispatcher's bounded backlog when due.
Thread, process and cluster runs are this same loop over a different `Transport`.
"""

from __future__ import annotations

import logging
import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from eventgen.plugin.base import LiveRun
from eventgen.resolve.config import RunConfig
from eventgen.rpc.events import Done, Event, Fatal, Joined, Leaving, Lost, Transport
from eventgen.run.accounting import Stats
from eventgen.run.admission import shapes_of
from eventgen.run.dispatcher import CATCHUP, FAILED, LOST, Dispatcher
from eventgen.run.pipeline import OutputSet, OutputStage, expected_rows, is_stateful
from eventgen.run.progress import StatusPrinter
from eventgen.schedule.pacing import Clock, Feeder, describe_pacing, pacing_report
from eventgen.schedule.plan import Window, plan, planned_events, window_for

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


class Engine:
    """`execute()` runs to the end of the plan (or until `stop()`) and returns the run's Stats."""

    def __init__(
        self,
        config: RunConfig,
        options: RunOptions | None = None,
        transport: Callable[[Engine], Transport] | None = None,
    ):
        self.config = config
        self.options = options or RunOptions()
        engine = config.engine
        seed = self.options.seed if self.options.seed is not None else engine.get("seed")
        self.seed = seed if seed is not None else secrets.randbits(63)
        self.run_id = self.options.run_id or secrets.token_hex(8)
        self.stop_event = threading.Event()
        self.stats = Stats()
        self.stats.expect(expected_rows(config.samples))
        pinned = {s.label for s in config.samples if is_stateful(s)}
        self.dispatcher = Dispatcher(
            self.run_id,
            self.stats,
            engine.get("generatorQueueSize") or 64,
            pinned,
            self.stop_event,
            self._wake,
            self.options.catchup,
            shapes_of(config.samples),
        )
        self.feeders: list[Feeder] = []
        self.windows: list[Window] = []  # one per sample, parallel to `feeders`
        self.fatal = ""
        self.incomplete = False
        self.planned: int | None = None  # events of the whole plan, once counted (every sample bounded)
        self.live = False  # some sample runs without an end: the status line shows the lag
        self.printer: StatusPrinter | None = None
        self.state = "starting"
        self.host_outputs: set[str] = set()  # outputs the host writes itself (single writer)
        self.host_stage: OutputStage | None = None
        self._host_set: OutputSet | None = None
        self.transport = (transport or _default_transport)(self)

    # ----- lifecycle ------------------------------------------------------------------------

    def stop(self) -> None:
        self.stop_event.set()

    def _wake(self) -> None:
        transport = getattr(self, "transport", None)
        if transport is not None:
            transport.wake()

    def keep_host_outputs(self, names: set[str]) -> None:
        """Outputs written by this process (the single writer) from payloads the workers format and hand back."""
        engine = self.config.engine
        self.host_outputs = names
        self.stats.exact = set(names)  # written here for accepted jobs only: a re-issued job is not written twice
        if names:
            self._host_set = OutputSet(self.config.samples, self.stop_event)  # same order as the workers' sets
            self.host_stage = OutputStage(
                self._host_set, self.stats, engine["outputWorkers"], engine["generatorQueueSize"]
            )

    def execute(self) -> Stats:
        self.transport.start()  # first: worker processes are forked before any other thread starts
        self._await_workers()
        started = time.monotonic()
        clock = Clock(self.options.now if self.options.now is not None else time.time())  # the plan starts now
        threads = self._start_feeders(clock)
        self._log_plan()
        if self.options.duration:
            stopper = threading.Timer(self.options.duration, self.stop)
            stopper.daemon = True
            stopper.start()
        self.state = "running"
        deadline: float | None = None
        try:
            deadline = self._loop(threads)
        finally:
            self.stop_event.set()
            self.state = "stopping"
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
                self.stats.lag = self.lag()
                self.printer.close(self.stats.status_line(self.planned, self.live))
        return self.stats

    def _await_workers(self) -> None:
        wanted = self.options.expect_workers
        next_note = time.monotonic() + 5
        while len(self.dispatcher.working()) < wanted and not self.stop_event.is_set():
            for event in self.transport.poll(0.1):
                self._on(event)
            if time.monotonic() > next_note:
                next_note = time.monotonic() + 5
                log.warning("waiting for workers: %d of %d joined", len(self.dispatcher.working()), wanted)
        self.stats.started = time.time()

    def _job_size(self, sample) -> int:
        engine = self.config.engine
        cap = engine["maxQueueLength"] if engine.get("maxQueueLength", 0) > 0 else None
        return cap or sample.settings["jobSize"]

    def _start_feeders(self, clock: Clock) -> list[threading.Thread]:
        threads = []
        live = LiveRun(self.stop_event, clock.wall)  # on-demand schedules (http) open their servers for this run
        for sample in self.config.samples:
            window = window_for(sample, clock.now, self.options.time_mode)
            jobs = plan(sample, window, self.seed, self._job_size(sample), live)
            self.feeders.append(Feeder(sample.label, jobs, self.dispatcher.put, clock, self.stop_event))
            self.windows.append(window)
            threads.append(threading.Thread(target=self.feeders[-1].run, name=f"feeder-{sample.label}", daemon=True))
        for thread in threads:
            thread.start()
        self.live = any(not w.bounded for w in self.windows)
        if self.windows and not self.live and not log.isEnabledFor(logging.INFO):  # -v counts before it logs
            threading.Thread(target=self._count_plan, name="plan-count", daemon=True).start()
        return threads

    def _count_plan(self) -> list[int | None]:
        """The events each bounded sample's plan holds (None: unbounded, or too long to count) and, when every
        sample is bounded and counted, the run's total for the progress line."""
        counts = [
            planned_events(s, w, self.seed, job_size=self._job_size(s)) if w.bounded else None
            for s, w in zip(self.config.samples, self.windows, strict=True)
        ]
        if not self.live and all(c is not None for c in counts):
            self.planned = sum(c or 0 for c in counts)
        return counts

    def _log_plan(self) -> None:
        """`-v`: each sample with its schedule, window and outputs, then every output with its destination."""
        if not log.isEnabledFor(logging.INFO):
            return
        from datetime import datetime

        from eventgen.plugin.base import registry

        def format_epoch(stamp: float, tz) -> str:
            return datetime.fromtimestamp(stamp, tz).isoformat(timespec="seconds")

        outputs: dict[tuple[str, str], list[str]] = {}
        counts = self._count_plan()
        for sample, window, count in zip(self.config.samples, self.windows, counts, strict=True):
            settings = sample.settings
            schedule = settings["input"]
            if schedule == "interval":
                schedule += f" every {settings.get('interval')}s, count {settings.get('count')}"
            start = format_epoch(window.start, sample.tz)
            if window.end_time is not None:
                span = f"{start} to {format_epoch(window.end_time, sample.tz)} (historical)"
            elif window.end_count is not None:
                span = f"from {start}, {window.end_count} tick(s) (bounded)"
            else:
                span = f"from {start}, live until stopped"
            if window.bounded:
                span += f", {'?' if count is None else f'{count:,}'} events planned"
            names = list(settings.get("outputMode") or [])
            log.info(
                "plan: sample %s: generator %s, input %s, rater %s, %s; outputs %s",
                sample.label,
                settings["generator"],
                schedule,
                settings["rater"],
                span,
                ", ".join(names) or "none",
            )
            for name in names:
                plugin = registry.get("output", name)
                shown = [
                    f"{s.name}={settings.get(s.name)}"
                    for s in plugin.settings
                    if settings.get(s.name) not in (None, "") and not _secret(s.name)
                ]
                outputs.setdefault((name, " ".join(shown)), []).append(sample.label)
        for (name, shown), labels in outputs.items():
            log.info("plan: output %s%s for %s", name, f" ({shown})" if shown else "", ", ".join(labels))

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
            if next_status is not None and now >= next_status:
                next_status = now + interval
                self._print_status()
            if self.fatal:
                self.stop_event.set()
                return now
            if self.stop_event.is_set():
                if deadline is None:
                    deadline = now + self.options.drain_seconds
                    self.state = "stopping"
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
            accepted = d.done(event.peer, event.run, event.key, event.delta, event.error)
            if accepted:
                for sample in event.delta.get("exhausted", ()):
                    self._end_sample(str(sample))
            if log.isEnabledFor(logging.DEBUG):
                made = sum(n for _, n in event.delta.get("generated", []))
                rows = event.delta.get("rows", [])
                log.debug(
                    "job %s#%d done: %d made, %d sent, %d failed%s%s",
                    event.key[0],
                    event.key[1],
                    made,
                    sum(r[2] for r in rows),
                    sum(r[3] for r in rows),
                    f" ({event.error})" if event.error else "",
                    "" if accepted else " (refused)",
                )
            if accepted and event.handback and self.host_stage is not None:
                for item in event.handback:
                    self.host_stage.submit(item)
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
            self.fatal = event.message
            if self.stats.note(f"run failed: {event.message}"):
                log.error("%s", event.message)

    def _end_sample(self, sample: str) -> None:
        """A generator said its sample has nothing more to make (`dispatch.exhaust()`): stop planning it."""
        if sample in self.dispatcher.ended:
            return
        for feeder in self.feeders:
            if feeder.label == sample:
                feeder.end()
        jobs, events = self.dispatcher.end_sample(sample)
        self.stats.note(f"sample {sample}: ended by its template (dispatch.exhaust()); the rest of its plan not made")
        log.info("sample %s ended by its template: %d queued job(s) of %d events removed", sample, jobs, events)

    def _finish(self, started: float) -> None:
        if self.host_stage is not None:
            self.host_stage.close()
        if self._host_set is not None:
            self.stats.close_failed(self._host_set.close())
        self.stats.ended = time.time()
        jobs, events = self.dispatcher.drop_rest()
        if jobs:
            self.stats.note(
                f"stopped with {jobs:,} job(s) ({events:,} events) queued or unconfirmed: not made, not counted"
            )
        self.stats.jobs = {k: v for k, v in self.dispatcher.counts.items() if v}
        for sample, dropped in sorted(self.stats.dropped.items()):
            self.stats.note(f"sample {sample}: {dropped:,} render(s) discarded by its template (dispatch)")
        for feeder in self.feeders:
            if feeder.error:
                self.fatal = self.fatal or feeder.error
                self.stats.note(feeder.error)
        self.stats.pacing = pacing_report(self.feeders, started, self.stats.target_rate)
        if self.stats.pacing:
            self.stats.note(describe_pacing(self.stats.pacing))
        runs = list(zip(self.config.samples, self.feeders, self.windows, strict=True))
        bounded = [(s, f, w) for s, f, w in runs if w.bounded]
        if bounded and not all(f.exhausted for _, f, _ in bounded):
            self.incomplete = True
            made = sum(self.stats.generated.get(f.label, 0) for _, f, _ in bounded)
            asked = [planned_events(s, w, self.seed, job_size=self._job_size(s)) for s, _, w in bounded]
            if all(a is not None for a in asked):
                self.stats.asked = total = sum(a or 0 for a in asked)
                self.stats.note(
                    f"interrupted: made {made:,} of the {total:,} events asked for ({100 * made / max(total, 1):.1f}%)"
                )
            else:
                self.stats.note(f"interrupted: made {made:,} events before the end of the plan")
        self.state = "finished"

    # ----- reporting ------------------------------------------------------------------------

    def failed(self) -> bool:
        counts = self.dispatcher.counts
        return bool(self.fatal or self.stats.totals()["failed"] or counts["failed"] or self.stats.closing)

    def _status_interval(self) -> float:
        interval = self.options.status_interval
        if interval is None:
            interval = self.config.engine.get("statusInterval", 5)
        return max(0.0, interval or 0.0)

    def lag(self) -> float:
        return max((f.lag for f in self.feeders), default=0.0)

    def _print_status(self) -> None:
        self.stats.lag = self.lag()
        if self.printer is not None:
            line = self.stats.status_line(self.planned, self.live)
            if self.live:
                line += "; " + describe_policy(self.dispatcher.policy())
            self.printer.show(line)

    def status(self) -> dict[str, Any]:
        d = self.dispatcher
        return {
            "state": self.state,
            "run": self.run_id,
            "elapsed": round(self.stats.elapsed(), 3),
            "workers": [p.describe() for p in d.peers.values()],
            "lag": round(self.lag(), 3),
            "totals": self.stats.totals(),
            "jobs": {"queued": d.queued(), "inflight": d.inflight(), "done": self.stats.jobs_done, **d.counts},
            "samples": self.stats.summary()["rows"],
            "pacing": {**d.policy(), "live": self.live},
        }


def describe_policy(policy: dict[str, Any]) -> str:
    """The catch-up policy in a few words: its bound and, while a backlog is caught up, how far behind."""
    text = f"backlog caught up at <= {policy['catchup']:g}x the rate"
    if policy.get("catching_up"):
        text += f", catching up {policy['behind_seconds']:.1f}s"
    return text


def _secret(name: str) -> bool:
    return any(word in name.lower() for word in ("password", "token", "key", "secret", "auth"))


def _default_transport(engine: Engine) -> Transport:
    """Threads, or local worker processes, as `[global] threading` asks."""
    settings = engine.config.engine
    if settings["threading"] == "process" or settings["queueing"] == "zeromq":
        from eventgen.cluster.processes import ProcessTransport

        return ProcessTransport(engine)
    from eventgen.run.pipeline import Pipeline, SharedGenerators
    from eventgen.run.threads import ThreadTransport

    samples = engine.config.samples
    outputs = OutputSet(samples, engine.stop_event)
    engine._host_set = outputs  # closed at the end of the run
    stage = None
    if settings.get("useOutputQueue"):
        stage = OutputStage(outputs, engine.stats, settings["outputWorkers"], settings["generatorQueueSize"])
        engine.host_stage = stage
    shared = SharedGenerators()
    pipelines = [Pipeline(samples, outputs, shared, stage=stage) for _ in range(max(1, settings["generatorWorkers"]))]
    return ThreadTransport(pipelines, engine.run_id)
