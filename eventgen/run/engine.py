"""Wires one run: timers → job queue → generator workers → outputs, then the summary."""

from __future__ import annotations

import logging
import secrets
import sys
import threading
import time
from dataclasses import dataclass
from typing import TextIO

from eventgen.conf.loader import RunConfig
from eventgen.render.batch import GenerationJob
from eventgen.run.accounting import Stats
from eventgen.run.pipeline import OutputSet, OutputStage, Pipeline, SharedGenerators, work
from eventgen.run.queues import make_job_queue
from eventgen.schedule.timer import Timer, record_pacing

log = logging.getLogger(__name__)


@dataclass
class RunOptions:
    seed: int | None = None
    status_interval: float | None = None
    status_stream: TextIO | None = None
    drain_seconds: float = 30.0


class Run:
    """One run of a conf. `stop()` (Ctrl-C, SIGTERM) ends timers and drains the workers."""

    def __init__(self, config: RunConfig, options: RunOptions | None = None):
        self.config = config
        self.options = options or RunOptions()
        self.stop_event = threading.Event()
        self.abort_event = threading.Event()
        self.stats = Stats()
        engine = config.engine
        seed = self.options.seed if self.options.seed is not None else engine.get("seed")
        self.seed = seed if seed is not None else secrets.randbits(63)
        self.failed_jobs = 0

    def stop(self) -> None:
        self.stop_event.set()

    def execute(self) -> Stats:
        engine = self.config.engine
        samples = self.config.samples
        workers_count = engine["generatorWorkers"]
        job_size = engine["maxQueueLength"] if engine.get("maxQueueLength", 0) > 0 else None
        queue = make_job_queue(engine, samples, self.stats, self.stop_event, self.abort_event)
        outputs = OutputSet(samples, self.stop_event) if queue.in_process else None
        now = time.time()

        stage = None
        if outputs is not None and engine.get("useOutputQueue"):
            stage = OutputStage(Pipeline(samples, outputs, self.stats).deliver, engine["outputWorkers"],
                                engine["generatorQueueSize"])
        if outputs is not None:
            shared = SharedGenerators()
            for index in range(workers_count):
                pipeline = Pipeline(samples, outputs, self.stats, stage, shared)
                queue.start_thread_worker(
                    lambda pipeline=pipeline: work(queue.get, self._guard(pipeline.handle), self._job_failed),
                    name=f"generator-{index}",
                )
        else:
            queue.start_process_workers(workers_count)

        timers = []
        for sample in samples:
            size = job_size or sample.settings["jobSize"]
            timer = Timer(sample, queue.put, self.stop_event, self.seed, now, size)
            thread = threading.Thread(target=timer.run, name=f"timer-{sample.label}", daemon=True)
            timers.append((timer, thread))
            thread.start()

        reporter = self._start_reporter(timers)
        try:
            for _, thread in timers:
                while thread.is_alive():
                    thread.join(0.2)
            queue.finish(workers_count)
            deadline = None
            while not queue.join_workers(0.2):
                if self.stop_event.is_set():
                    deadline = deadline or time.time() + self.options.drain_seconds
                    if time.time() > deadline and not self.abort_event.is_set():
                        self.stats.notes.append("drain deadline reached: queued jobs were dropped")
                        self.abort_event.set()
        finally:
            self.failed_jobs += getattr(queue, "failed_jobs", 0)
            self.stop_event.set()
            if reporter is not None:
                reporter.join(1)
            if stage is not None:
                stage.close()
            if outputs is not None:
                outputs.close()
            queue.close()
        record_pacing(self.stats, [timer for timer, _ in timers])
        return self.stats

    def _guard(self, handle):
        def guarded(job: GenerationJob) -> None:
            if self.abort_event.is_set():
                return
            handle(job)

        return guarded

    def _job_failed(self, job: GenerationJob, exc: BaseException) -> None:
        self.failed_jobs += 1
        message = f"sample {job.sample}: generator failed: {exc}"
        if message not in self.stats.notes:
            self.stats.notes.append(message)
            log.error("%s", message)

    def _start_reporter(self, timers) -> threading.Thread | None:
        interval = self.options.status_interval
        if interval is None:
            interval = self.config.engine.get("statusInterval", 5)
        if not interval:
            return None
        stream = self.options.status_stream or sys.stderr

        def report() -> None:
            while not self.stop_event.wait(interval):
                self.stats.lag = max((t.lag for t, _ in timers), default=0.0)
                stream.write(self.stats.status_line() + "\n")
                stream.flush()

        thread = threading.Thread(target=report, name="status", daemon=True)
        thread.start()
        return thread
