"""Generator workers as processes, fed over multiprocessing queues or ZeroMQ.

The parent keeps the timers' jobs in a bounded backlog and hands each worker at most `WINDOW`
jobs at a time (credit), so it always knows which jobs a worker holds: when a worker dies it is
reported and replaced, and its unfinished jobs are sent again. Workers render and write to their
own outputs; only outputs that need a single writer (stdout, modinput) get the event text back in
the parent. Every message is msgpack; stats travel as per-job deltas, so the summary is exact.
"""

from __future__ import annotations

import collections
import logging
import multiprocessing as mp
import queue as queue_mod
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

import msgpack

from eventgen.conf.settings import Settings
from eventgen.render.batch import EventBatch, GenerationJob
from eventgen.run.accounting import Stats
from eventgen.run.pipeline import OutputSet, OutputStage, Pipeline

log = logging.getLogger(__name__)

WINDOW = 2  # jobs a worker may hold at once
STOP_MESSAGE = msgpack.packb({"type": "stop"})


def _pack(message: dict[str, Any]) -> bytes:
    return msgpack.packb(message, use_bin_type=True)


def _unpack(data: bytes) -> dict[str, Any]:
    return msgpack.unpackb(data, raw=False)


class _Channels:
    """Parent-side transport: a job channel per worker and one shared result channel."""

    def send_job(self, worker: int, data: bytes) -> None: ...
    def recv_result(self, timeout: float) -> bytes | None: ...
    def worker_args(self, worker: int) -> tuple: ...
    def add_worker(self, worker: int) -> None: ...
    def close(self) -> None: ...


class _QueueChannels(_Channels):
    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.jobs: dict[int, Any] = {}
        self.results = ctx.Queue()

    def add_worker(self, worker: int) -> None:
        self.jobs[worker] = self.ctx.Queue()

    def send_job(self, worker: int, data: bytes) -> None:
        self.jobs[worker].put(data)

    def recv_result(self, timeout: float) -> bytes | None:
        try:
            return self.results.get(timeout=timeout)
        except queue_mod.Empty:
            return None

    def worker_args(self, worker: int) -> tuple:
        return ("python", self.jobs[worker], self.results)

    def close(self) -> None:
        for q in [*self.jobs.values(), self.results]:
            q.cancel_join_thread()
            q.close()


class _ZmqChannels(_Channels):
    """PUSH per worker (ipc://) for jobs, one PULL for results; each socket used by one thread."""

    def __init__(self) -> None:
        import zmq

        self.zmq = zmq
        self.context = zmq.Context()
        self.folder = tempfile.mkdtemp(prefix="eventgen-zmq-")
        self.pushes: dict[int, Any] = {}
        self.results = self.context.socket(zmq.PULL)
        self.result_address = f"ipc://{self.folder}/results"
        self.results.bind(self.result_address)

    def add_worker(self, worker: int) -> None:
        old = self.pushes.pop(worker, None)
        if old is not None:
            old.close(linger=0)
        push = self.context.socket(self.zmq.PUSH)
        push.bind(f"ipc://{self.folder}/jobs-{worker}-{time.monotonic_ns()}")
        self.pushes[worker] = push

    def send_job(self, worker: int, data: bytes) -> None:
        self.pushes[worker].send(data)

    def recv_result(self, timeout: float) -> bytes | None:
        if self.results.poll(int(timeout * 1000)):
            return self.results.recv()
        return None

    def worker_args(self, worker: int) -> tuple:
        address = self.pushes[worker].getsockopt(self.zmq.LAST_ENDPOINT).decode()
        return ("zeromq", address, self.result_address)

    def close(self) -> None:
        for sock in [*self.pushes.values(), self.results]:
            sock.close(linger=0)
        self.context.term()
        shutil.rmtree(self.folder, ignore_errors=True)


def _worker_main(index: int, transport: tuple, samples, single_writer_names: set[str]) -> None:
    """A worker process: render jobs, write own outputs, report a delta per job."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    kind = transport[0]
    if kind == "zeromq":
        import zmq

        context = zmq.Context()
        jobs_sock = context.socket(zmq.PULL)
        jobs_sock.connect(transport[1])
        results_sock = context.socket(zmq.PUSH)
        results_sock.connect(transport[2])
        receive: Callable[[], bytes] = jobs_sock.recv
        send: Callable[[bytes], Any] = results_sock.send
    else:
        receive, send = transport[1].get, transport[2].put
    stats = Stats()
    outputs = OutputSet(samples, select=lambda cls: cls.name not in single_writer_names)
    pipeline = Pipeline(samples, outputs, stats)
    try:
        while True:
            message = _unpack(receive())
            if message.get("type") == "stop":
                break
            job = GenerationJob.from_wire(message["job"])
            error = ""
            handback: list[dict] = []
            try:
                batch = pipeline.handle(job)
                if single_writer_names and pipeline.needs_parent(batch.sample, single_writer_names):
                    handback.append(batch.to_wire())
            except Exception as exc:  # reported to the parent, which counts and logs it
                error = f"{type(exc).__name__}: {exc}"
            send(_pack({"type": "done", "worker": index, "key": [job.sample, job.seq],
                        "delta": stats.take_delta(), "batches": handback, "error": error}))
    finally:
        outputs.close()
        if kind == "zeromq":
            jobs_sock.close(linger=0)
            results_sock.close(linger=2000)
            context.term()


class ProcessJobQueue:
    """The JobQueue for `threading = process` (Python queues) and `queueing = zeromq`."""

    in_process = False

    def __init__(self, engine: Settings, samples, stats: Stats, stop: threading.Event, abort: threading.Event):
        self.samples = samples
        self.stats = stats
        self.stop = stop
        self.abort = abort
        self.capacity = engine["generatorQueueSize"]
        self.ctx = mp.get_context("fork")
        self.channels: _Channels = _ZmqChannels() if engine["queueing"] == "zeromq" else _QueueChannels(self.ctx)
        from eventgen.plugin.base import registry

        names = {name for s in samples for name in s.settings.get("outputMode") or []}
        self.single_writer = {
            n for n in names if engine.get("useOutputQueue") or registry.get("output", n).single_writer
        }
        self.parent_outputs = OutputSet(samples, stop, select=lambda cls: cls.name in self.single_writer)
        self.parent_stage = OutputStage(Pipeline(samples, self.parent_outputs, stats).deliver,
                                        engine["outputWorkers"], self.capacity)
        self.backlog: collections.deque[GenerationJob] = collections.deque()
        self.in_flight: dict[int, dict[tuple[str, int], GenerationJob]] = {}
        self.done_keys: set[tuple[str, int]] = set()
        self.processes: dict[int, Any] = {}
        self.lock = threading.Condition()
        self.finishing = False
        self.restarts = 0
        self.pinned: dict[str, int] = {}
        self.failed_jobs = 0
        self._threads: list[threading.Thread] = []

    # --- JobQueue interface -------------------------------------------------------------
    def put(self, job: GenerationJob) -> bool:
        with self.lock:
            while len(self.backlog) >= self.capacity and not self.stop.is_set():
                self.lock.wait(0.2)
            if self.stop.is_set():
                return False
            self.backlog.append(job)
            self.lock.notify_all()
        return True

    def get(self) -> GenerationJob | None:
        raise RuntimeError("process workers pull their own jobs")

    def start_thread_worker(self, target, name: str) -> None:
        raise RuntimeError("the process queue runs process workers only")

    def start_process_workers(self, count: int) -> None:
        from eventgen.plugin.base import registry

        self.pinned = {  # stateful samples render on one worker, so their state continues across jobs
            s.label: s.stable_id % count
            for s in self.samples
            if registry.get("generator", s.settings["generator"]).is_stateful(s)
        }
        for index in range(count):
            self._spawn(index)
        for target, name in ((self._dispatch, "dispatcher"), (self._collect, "collector")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def finish(self, workers: int) -> None:
        with self.lock:
            self.finishing = True
            self.lock.notify_all()

    def join_workers(self, timeout: float) -> bool:
        for thread in self._threads:
            thread.join(timeout)
        return not any(t.is_alive() for t in self._threads)

    def close(self) -> None:
        for process in self.processes.values():
            process.join(2)
            if process.is_alive():
                process.terminate()
                process.join(2)
        self.parent_stage.close()
        self.parent_outputs.close()
        self.channels.close()
        if self.restarts:
            self.stats.notes.append(
                f"{self.restarts} worker process(es) died and were replaced; their jobs were redone"
            )

    # --- internals ------------------------------------------------------------------------
    def _spawn(self, index: int) -> None:
        self.channels.add_worker(index)
        process = self.ctx.Process(
            target=_worker_main,
            args=(index, self.channels.worker_args(index), self.samples, self.single_writer),
            name=f"eventgen-worker-{index}",
            daemon=True,
        )
        process.start()
        self.processes[index] = process
        self.in_flight[index] = {}

    def _dispatch(self) -> None:
        """Give jobs to workers with credit; replace dead workers and requeue their jobs."""
        stopping_sent = False
        while True:
            with self.lock:
                self._reap_dead()
                sent = False
                if self.abort.is_set():
                    self.backlog.clear()
                for index, held in self.in_flight.items():
                    while len(held) < WINDOW and (job := self._next_for(index)) is not None:
                        held[(job.sample, job.seq)] = job
                        self.channels.send_job(index, _pack({"type": "job", "job": job.to_wire()}))
                        sent = True
                idle = not self.backlog and not any(self.in_flight.values())
                if self.finishing and (idle or self.abort.is_set()) and not stopping_sent:
                    for index in self.in_flight:
                        self.channels.send_job(index, STOP_MESSAGE)
                    stopping_sent = True
                if stopping_sent and (idle or self.abort.is_set()):
                    return
                if sent:
                    self.lock.notify_all()
                else:
                    self.lock.wait(0.05)

    def _next_for(self, index: int) -> GenerationJob | None:
        """The oldest backlog job worker `index` may take (pinned samples only on their worker)."""
        for position, job in enumerate(self.backlog):
            if self.pinned.get(job.sample, index) == index:
                del self.backlog[position]
                return job
        return None

    def _reap_dead(self) -> None:
        for index, process in list(self.processes.items()):
            if process.is_alive() or process.exitcode == 0:
                continue
            lost = list(self.in_flight[index].values())
            log.error("worker %d (pid %s) died with exit code %s; redoing its %d job(s)",
                      index, process.pid, process.exitcode, len(lost))
            self.restarts += 1
            self.backlog.extendleft(reversed(lost))
            self._spawn(index)

    def _collect(self) -> None:
        """Merge per-job deltas; write handed-back batches to single-writer outputs."""
        while True:
            data = self.channels.recv_result(0.2)
            if data is None:
                with self.lock:
                    if self._dispatch_done() and not any(p.is_alive() for p in self.processes.values()):
                        return
                continue
            message = _unpack(data)
            if message.get("type") != "done":
                continue
            key = (message["key"][0], int(message["key"][1]))
            with self.lock:
                self.in_flight.get(message["worker"], {}).pop(key, None)
                duplicate = key in self.done_keys
                self.done_keys.add(key)
                self.lock.notify_all()
            if duplicate:
                continue
            if message.get("error"):
                self.failed_jobs += 1
                note = f"sample {key[0]}: generator failed: {message['error']}"
                if note not in self.stats.notes:
                    self.stats.notes.append(note)
                    log.error("%s", note)
                continue
            self.stats.merge(message["delta"])
            for wire in message.get("batches") or []:
                self.parent_stage.submit(EventBatch.from_wire(wire))

    def _dispatch_done(self) -> bool:
        return not self._threads[0].is_alive()
