"""Thread mode's transport: worker threads in this process, each with a small job queue."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Hashable

from eventgen.core.batch import GenerationJob
from eventgen.rpc.events import Done, Event, Joined, Leaving
from eventgen.run.pipeline import Pipeline

_WAKE = object()


class ThreadTransport:
    """`count` threads run `pipelines[i].handle(job)`; reports come back on one inbox queue."""

    wakes = True  # `wake()` interrupts `poll`: the engine loop need not poll for new work

    def __init__(self, pipelines: list[Pipeline], run_id: str, capacity: int = 2):
        self.pipelines = pipelines
        self.run_id = run_id
        self.capacity = capacity
        self.inbox: queue.Queue = queue.Queue()  # not SimpleQueue: its get(timeout) can hang after a signal (3.11)
        self.queues: list[queue.Queue] = [queue.Queue() for _ in pipelines]
        self.threads = [
            threading.Thread(target=self._work, args=(i,), name=f"generator-{i}", daemon=True)
            for i in range(len(pipelines))
        ]
        self._woken = threading.Event()
        self.abort = threading.Event()  # set at the drain deadline: unstarted jobs are returned, not run

    def start(self) -> None:
        for thread in self.threads:
            thread.start()
        for i in range(len(self.threads)):
            self.inbox.put(Joined(i, self.capacity, f"thread-{i}"))

    def _work(self, index: int) -> None:
        pipeline, jobs = self.pipelines[index], self.queues[index]
        returned: list[tuple[str, int]] = []
        while (job := jobs.get()) is not None:
            if self.abort.is_set():
                returned.append((job.sample, job.seq))
                continue
            report = pipeline.handle(job, self.run_id)
            self.inbox.put(Done(index, report.run, report.key, report.delta, report.error, report.handback))
        self.inbox.put(Leaving(index, returned, True))

    def poll(self, timeout: float) -> list[Event]:
        events: list[Event] = []
        try:
            item = self.inbox.get(timeout=timeout) if timeout > 0 else self.inbox.get_nowait()
        except queue.Empty:
            return events
        while True:
            if item is _WAKE:
                self._woken.clear()
            else:
                events.append(item)
            try:
                item = self.inbox.get_nowait()
            except queue.Empty:
                return events

    def send(self, peer: Hashable, job: GenerationJob) -> bool:
        self.queues[peer].put(job)  # type: ignore[index]
        return True

    def wake(self) -> None:
        if not self._woken.is_set():
            self._woken.set()
            self.inbox.put(_WAKE)

    def finish(self, timeout: float, abort: bool = False, holds=None) -> list[Event]:
        if abort:
            self.abort.set()
        for jobs in self.queues:
            jobs.put(None)
        events: list[Event] = []
        deadline = time.monotonic() + timeout
        left = len(self.threads)
        while left and (remaining := deadline - time.monotonic()) > 0:
            for event in self.poll(min(remaining, 0.2)):
                events.append(event)
                if isinstance(event, Leaving) and event.final:
                    left -= 1
        return events

    def close(self) -> None:
        for thread in self.threads:
            thread.join(0.5)
