"""Thread mode's transport: worker threads in this process, each a `JobLoop` over its own pipeline."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Hashable
from functools import partial

from eventgen.core.batch import GenerationJob
from eventgen.rpc.events import Done, Event, JobKey, JobReport, Joined, Leaving
from eventgen.run.jobloop import JobLoop
from eventgen.run.pipeline import Pipeline

_WAKE = object()


class ThreadTransport:
    """One worker thread per pipeline; their reports come back on one inbox queue."""

    wakes = True  # `wake()` interrupts `poll`: the engine loop need not poll for new work

    def __init__(self, pipelines: list[Pipeline], run_id: str, capacity: int = 2):
        self.pipelines = pipelines
        self.run_id = run_id
        self.capacity = capacity
        self.inbox: queue.Queue = queue.Queue()  # not SimpleQueue: its get(timeout) can hang after a signal (3.11)
        self.loops: list[JobLoop] = []
        self._woken = False

    def start(self) -> None:
        for index, pipeline in enumerate(self.pipelines):
            self.loops.append(
                JobLoop(pipeline.handle, partial(self._done, index), f"generator-{index}", partial(self._left, index))
            )
            self.inbox.put(Joined(index, self.capacity, f"thread-{index}"))

    def _done(self, index: int, report: JobReport) -> None:
        self.inbox.put(Done(index, report))

    def _left(self, index: int, returned: list[JobKey]) -> None:
        self.inbox.put(Leaving(index, returned, True))

    def poll(self, timeout: float) -> list[Event]:
        events: list[Event] = []
        try:
            item = self.inbox.get(timeout=timeout) if timeout > 0 else self.inbox.get_nowait()
        except queue.Empty:
            return events
        while True:
            if item is _WAKE:
                self._woken = False
            else:
                events.append(item)
            try:
                item = self.inbox.get_nowait()
            except queue.Empty:
                return events

    def send(self, peer: Hashable, job: GenerationJob) -> bool:
        self.loops[peer].put(self.run_id, job)  # type: ignore[call-overload]  # thread mode's peers are list indices
        return True

    def wake(self) -> None:
        if not self._woken:
            self._woken = True
            self.inbox.put(_WAKE)

    def finish(
        self, timeout: float, abort: bool = False, holds: Callable[[Hashable], bool] | None = None
    ) -> list[Event]:
        for loop in self.loops:
            if abort:
                loop.abort()
            loop.end()
        events: list[Event] = []
        deadline = time.monotonic() + timeout
        left = len(self.loops)
        while left and (remaining := deadline - time.monotonic()) > 0:
            for event in self.poll(min(remaining, 0.2)):
                events.append(event)
                if isinstance(event, Leaving) and event.final:
                    left -= 1
        return events

    def close(self) -> None:
        for loop in self.loops:
            loop.thread.join(0.5)
