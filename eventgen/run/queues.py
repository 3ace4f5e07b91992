"""The job queue between timers and generator workers: one interface, several backends.

`thread`: `queue.Queue` and worker threads sharing the outputs. The process and ZeroMQ backends
(`eventgen.run.procqueue`) run workers as processes that own their outputs and send back stats.
Every backend is bounded: a full queue blocks the timer (backpressure).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Protocol

from eventgen.conf.settings import Settings
from eventgen.render.batch import GenerationJob
from eventgen.run.accounting import Stats
from eventgen.run.pipeline import STOP


class JobQueue(Protocol):
    in_process: bool

    def put(self, job: GenerationJob) -> bool: ...
    def get(self) -> GenerationJob | None: ...
    def start_thread_worker(self, target: Callable[[], None], name: str) -> None: ...
    def start_process_workers(self, count: int) -> None: ...
    def finish(self, workers: int) -> None: ...
    def join_workers(self, timeout: float) -> bool: ...
    def close(self) -> None: ...


class ThreadJobQueue:
    """Bounded `queue.Queue`; workers are threads in this process."""

    in_process = True

    def __init__(self, maxsize: int, stop: threading.Event):
        self._queue: queue.Queue[GenerationJob | None] = queue.Queue(maxsize)
        self._stop = stop
        self._threads: list[threading.Thread] = []

    def put(self, job: GenerationJob) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(job, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def get(self) -> GenerationJob | None:
        return self._queue.get()

    def start_thread_worker(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def start_process_workers(self, count: int) -> None:
        raise RuntimeError("the thread queue runs thread workers only")

    def finish(self, workers: int) -> None:
        for _ in range(workers):
            self._queue.put(STOP)

    def join_workers(self, timeout: float) -> bool:
        for thread in self._threads:
            thread.join(timeout)
        return not any(t.is_alive() for t in self._threads)

    def close(self) -> None:
        pass


def make_job_queue(engine: Settings, samples, stats: Stats, stop: threading.Event,
                   abort: threading.Event) -> JobQueue:
    """The backend the `[global]` settings ask for."""
    if engine["threading"] == "thread" and engine["queueing"] == "python":
        return ThreadJobQueue(engine["generatorQueueSize"], stop)
    from eventgen.run.procqueue import ProcessJobQueue

    return ProcessJobQueue(engine, samples, stats, stop, abort)
