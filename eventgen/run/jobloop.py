"""The one job loop: a worker thread that runs its jobs in order and reports each, in every mode.

Thread mode runs one `JobLoop` per worker thread over the run's shared outputs; a worker session (a local
worker process, a remote worker) runs one inside a `WorkerRunner`, over the conf it was given. Either way a
job is run once, by `handle`, and its report handed on; once aborted, jobs not yet begun are given back
(`returned`), never run.
"""

from __future__ import annotations

import logging
import queue
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

from eventgen.core.batch import GenerationJob
from eventgen.core.delta import JobDelta
from eventgen.resolve.config import RunConfig
from eventgen.rpc.events import JobKey, JobReport
from eventgen.run.outputs import OutputSet
from eventgen.run.pipeline import Pipeline

log = logging.getLogger(__name__)

Handle = Callable[[GenerationJob, str], JobReport]
Reported = Callable[[JobReport], None]


class JobLoop:
    """A thread running `handle(job, run)` on each job put, in order, and handing each report to `reported`;
    `ended(returned)` is called when it ends."""

    def __init__(
        self,
        handle: Handle,
        reported: Reported,
        name: str = "render",
        ended: Callable[[list[JobKey]], None] | None = None,
    ):
        self.handle = handle
        self.reported = reported
        self.ended = ended
        self.jobs: queue.Queue[tuple[str, GenerationJob] | None] = queue.Queue()
        self.aborted = threading.Event()  # jobs not yet begun are given back, not run
        self.go = threading.Event()  # cleared while a worker's controller is out of reach: no job is begun then
        self.go.set()
        self.busy = False
        self.returned: list[JobKey] = []
        self.count = self.sent = self.failed = 0
        self.thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self.thread.start()

    def put(self, run: str, job: GenerationJob) -> None:
        self.jobs.put((run, job))

    def _loop(self) -> None:
        while True:
            while not self.go.wait(0.1) and not self.aborted.is_set():
                pass
            item = self.jobs.get()
            if item is None:
                break
            run, job = item
            if self.aborted.is_set():
                self.returned.append((job.sample, job.seq))
                continue
            self.busy = True
            try:
                report = self.handle(job, run)
            except Exception as exc:  # a job the pipeline cannot take: reported, never fatal to the worker
                report = JobReport((job.sample, job.seq), run, JobDelta(), f"bad job: {exc}")
            self.count += 1
            for counts in report.delta.rows.values():
                self.sent += counts.sent
                self.failed += counts.failed
            self.reported(report)
            self.busy = False
        if self.ended is not None:
            self.ended(self.returned)

    def unstarted(self) -> list[JobKey]:
        """Take back the jobs not yet begun; their keys."""
        keys: list[JobKey] = []
        while True:
            try:
                item = self.jobs.get_nowait()
            except queue.Empty:
                return keys
            if item is not None:
                keys.append((item[1].sample, item[1].seq))

    def held(self) -> int:
        return self.jobs.qsize() + (1 if self.busy else 0)

    def abort(self) -> None:
        self.aborted.set()

    def end(self) -> None:
        """No more jobs: the loop ends once those queued are run (or given back, if aborted)."""
        self.go.set()
        self.jobs.put(None)


class WorkerRunner:
    """A worker session's jobs over one conf: its own outputs (those the host writes only format here), the
    pipeline, and the job loop; `folder` (an unpacked bundle) is removed when it closes."""

    def __init__(
        self,
        config: RunConfig,
        digest: str,
        host_outputs: frozenset[str],
        reported: Reported,
        folder: Path | None = None,
    ):
        self.digest = digest
        self.samples = [s.label for s in config.samples]
        self.folder = folder
        self.stop = threading.Event()
        self.outputs = OutputSet(config.samples, self.stop)
        self.loop = JobLoop(Pipeline(config.samples, self.outputs, host_outputs=host_outputs).handle, reported)

    def put(self, run: str, job: GenerationJob) -> None:
        self.loop.put(run, job)

    def held(self) -> int:
        return self.loop.held()

    def pause(self) -> None:
        self.loop.go.clear()

    def resume(self) -> None:
        self.loop.go.set()

    def unstarted(self) -> list[JobKey]:
        return self.loop.unstarted()

    def abort(self) -> None:
        self.loop.abort()

    def counted(self) -> tuple[int, int, int]:
        """Jobs done, events sent, events failed."""
        return self.loop.count, self.loop.sent, self.loop.failed

    def close(self, wait: float) -> tuple[list[JobKey], dict[str, str]]:
        """Finish the job in hand (at most `wait` seconds), close the outputs: (jobs given back, outputs that
        failed to close → why)."""
        self.loop.end()
        self.loop.thread.join(wait)
        self.stop.set()
        closing = self.outputs.close()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
        return list(self.loop.returned), closing
