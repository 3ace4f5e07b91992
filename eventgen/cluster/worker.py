"""A worker: says HELLO, loads the controller's bundle, renders jobs and writes its own outputs.

Threads: the calling thread owns the socket (messages, heartbeats); one render thread pulls jobs
from a local queue, renders and delivers them, and puts (key, stats delta, error) on a done queue
that the socket thread turns into DONE messages. Each DONE returns one credit to the controller.
"""

from __future__ import annotations

import logging
import os
import queue
import shutil
import socket
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventgen import __version__
from eventgen.cluster.bundle import load_bundle
from eventgen.cluster.protocol import DropLog, Message, MsgType, ProtocolError, decode, encode
from eventgen.cluster.transport import ClientTransport
from eventgen.render.batch import GenerationJob
from eventgen.run.accounting import Stats
from eventgen.run.pipeline import OutputSet, Pipeline

log = logging.getLogger(__name__)

HELLO_EVERY = 5.0


@dataclass
class WorkerOptions:
    name: str = ""
    capacity: int = 4
    patience: float = 30.0  # seconds without a word from the controller before giving up


def default_name() -> str:
    return f"{socket.gethostname().split('.')[0]}-{os.getpid()}"


def make_identity(name: str) -> bytes:
    return f"{name}-{uuid.uuid4().hex[:8]}".encode()


class _Renderer:
    """The render thread and its pipeline, built from one bundle."""

    def __init__(self, bundle: dict[str, Any], name: str):
        self.digest = bundle.get("digest")
        self.folder = Path(tempfile.mkdtemp(prefix="eventgen-worker-"))
        self.config = load_bundle(bundle, self.folder, name)
        self.stop = threading.Event()
        self.outputs = OutputSet(self.config.samples, self.stop)
        self.stats = Stats()
        self.pipeline = Pipeline(self.config.samples, self.outputs, self.stats)
        self.jobs: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.done: queue.Queue[tuple[list, dict[str, Any], str]] = queue.Queue()
        self.busy = False
        self.totals = Stats()
        self.thread = threading.Thread(target=self._loop, name="render", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while True:
            wire = self.jobs.get()
            if wire is None:
                return
            self.busy = True
            error = ""
            key = [wire.get("sample"), wire.get("seq")]
            try:
                self.pipeline.handle(GenerationJob.from_wire(wire))
            except Exception as exc:  # a failed job is reported, never fatal to the worker
                error = f"{type(exc).__name__}: {exc}"
            delta = self.stats.take_delta()
            self.totals.merge(delta)
            self.done.put((key, delta, error))
            self.busy = False

    def unstarted(self) -> list[list]:
        """Take back the jobs not yet begun; their keys."""
        keys = []
        while True:
            try:
                wire = self.jobs.get_nowait()
            except queue.Empty:
                return keys
            if wire is not None:
                keys.append([wire.get("sample"), wire.get("seq")])

    def held(self) -> int:
        return self.jobs.qsize() + (1 if self.busy else 0)

    def close(self, wait: float) -> None:
        self.jobs.put(None)
        self.thread.join(wait)
        self.stop.set()
        self.outputs.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class Worker:
    """One worker process's session with a controller. `run()` returns an exit status."""

    def __init__(self, transport: ClientTransport, options: WorkerOptions):
        self.transport = transport
        self.options = options
        self.name = options.name or default_name()
        self.stop_event = threading.Event()
        self.drops = DropLog(log)
        self.renderer: _Renderer | None = None
        self.welcomed = False
        self.heartbeat = 1.0
        self.quit_reason = ""
        self.jobs_received = 0

    def stop(self) -> None:
        self.stop_event.set()

    def run(self) -> int:
        status = 0
        last_heard = time.monotonic()
        next_hello = 0.0
        next_beat = 0.0
        try:
            while not self.quit_reason:
                now = time.monotonic()
                if self.stop_event.is_set():
                    break
                if not self.welcomed and now >= next_hello:
                    self._send(MsgType.HELLO, name=self.name, version=__version__, capacity=self.options.capacity,
                               host=socket.gethostname(), pid=os.getpid())
                    next_hello = now + HELLO_EVERY
                if self.welcomed and now >= next_beat:
                    self._send(MsgType.HEARTBEAT, inflight=self.renderer.held() if self.renderer else 0)
                    next_beat = now + self.heartbeat
                busy = self.renderer is not None and self.renderer.held() > 0
                envelope = self.transport.recv(0.002 if busy else 0.05)
                while envelope is not None:
                    last_heard = time.monotonic()
                    self._handle(envelope)
                    envelope = self.transport.recv(0)
                self._flush_done()
                if time.monotonic() - last_heard > self.options.patience:
                    log.error("no word from the controller for %.0fs: giving up", self.options.patience)
                    status = 1
                    break
        finally:
            self._leave()
        if self.quit_reason:
            log.info("controller said quit: %s", self.quit_reason)
        return status

    def _send(self, kind: MsgType, **fields: Any) -> None:
        self.transport.send(encode(kind, **fields))

    def _handle(self, envelope) -> None:
        if envelope.problem:
            self.drops.drop("controller", envelope.problem)
            return
        try:
            self._on(decode(envelope.data))
        except ProtocolError as exc:
            self.drops.drop("controller", str(exc))

    def _on(self, message: Message) -> None:
        kind = message.type
        if kind is MsgType.JOB:
            if self.renderer is None:
                raise ProtocolError("job before welcome")
            self.jobs_received += 1
            self.renderer.jobs.put(message["job"])
        elif kind is MsgType.WELCOME:
            self._welcome(message)
        elif kind is MsgType.QUIT:
            self.quit_reason = message["reason"] or "quit"
        elif kind is MsgType.REFUSE:
            self.quit_reason = f"refused: {message['reason']}"
        elif kind is MsgType.RESET:
            if self.welcomed:
                log.warning("the controller no longer knows this worker: joining again")
                if self.renderer is not None:
                    self.renderer.unstarted()  # the controller re-issued them already
                self.welcomed = False
        elif kind is MsgType.HEARTBEAT:
            pass
        else:
            raise ProtocolError(f"unexpected {kind.value} from the controller")

    def _welcome(self, message: Message) -> None:
        if self.welcomed:
            return  # a repeated WELCOME (we said HELLO twice)
        bundle = message["bundle"]
        if self.renderer is None or self.renderer.digest != bundle.get("digest"):
            if self.renderer is not None:
                self.renderer.close(30)
            self.renderer = _Renderer(bundle, self.name)
            samples = ", ".join(s.label for s in self.renderer.config.samples)
            log.info("worker %s: joined as %s; samples: %s", self.name, message["worker"], samples)
        self.heartbeat = float(message["heartbeat"])
        self.welcomed = True
        held = self.renderer.held()
        self._send(MsgType.READY, credits=max(1, self.options.capacity - held))

    def _flush_done(self) -> None:
        if self.renderer is None:
            return
        while True:
            try:
                key, delta, error = self.renderer.done.get_nowait()
            except queue.Empty:
                return
            self._send(MsgType.DONE, key=key, stats=delta, error=error)

    def _leave(self) -> None:
        """Give back unstarted jobs, finish the current one, report it, say BYE."""
        renderer = self.renderer
        if renderer is not None:
            returned = renderer.unstarted()
            if self.welcomed and returned and not self.quit_reason:
                self._send(MsgType.BYE, returned=returned, final=False)
            renderer.close(wait=60)
            self._flush_done()
            total = renderer.totals.totals()
            log.info("worker %s: %d job(s) received, %d events sent, %d failed", self.name, self.jobs_received,
                     total.sent, total.failed)
        if self.welcomed and not self.quit_reason:
            self._send(MsgType.BYE, returned=[], final=True)
        self.transport.close()
