"""A worker session: HELLO, the conf (a bundle, or the one it was forked with), jobs, DONEs, BYE.

Remote cluster workers and the local worker processes of process mode run this same session; only
the socket's address and keys differ. Threads: the calling thread owns the socket (messages,
heartbeats); one render thread runs the pipeline on each job and queues its report, which the
socket thread sends as a DONE carrying the job's run id and counts, and adds to its ledger.

When the connection to the controller drops, the worker begins no new job until the controller speaks again
(a new controller is a new run: the old run's unstarted jobs are dropped). What it finished is in its ledger
(`ledger.py`), handed over to the next controller it joins, so every event that reached a receiver is in
some summary.
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventgen import __version__
from eventgen.cluster.bundle import load_bundle
from eventgen.cluster.ledger import Ledger
from eventgen.core.batch import GenerationJob
from eventgen.core.errors import EventgenError
from eventgen.resolve.config import RunConfig
from eventgen.rpc.protocol import DropLog, Message, MsgType, ProtocolError, decode, encode
from eventgen.rpc.sockets import ClientTransport
from eventgen.run.pipeline import JobReport, OutputSet, Pipeline

log = logging.getLogger("eventgen.worker")

HELLO_EVERY = 2.0  # seconds between HELLOs until WELCOME, reached by doubling from FIRST_HELLO_AGAIN
FIRST_HELLO_AGAIN = 0.05  # a HELLO sent before the connection is up is dropped (IMMEDIATE): try again soon


@dataclass
class WorkerOptions:
    name: str = ""
    capacity: int = 4
    patience: float = 30.0  # seconds without a word from a controller before giving up (before and after joining)
    host_outputs: frozenset[str] = frozenset()  # outputs the host writes: their payloads are handed back


def default_name() -> str:
    return f"{socket.gethostname().split('.')[0]}-{os.getpid()}"


def make_identity(name: str) -> bytes:
    return f"{name}-{uuid.uuid4().hex[:8]}".encode()


class _Renderer:
    """The render thread and its pipeline for one conf."""

    def __init__(
        self,
        config: RunConfig,
        digest: str,
        host_outputs: frozenset[str],
        folder: Path | None = None,
        notify: Callable[[], None] | None = None,
    ):
        self.config = config
        self.notify = notify  # wakes the socket thread when a report is ready
        self.digest = digest
        self.folder = folder
        self.stop = threading.Event()
        self.outputs = OutputSet(config.samples, self.stop)  # host outputs too: they format here, never open
        self.pipeline = Pipeline(config.samples, self.outputs, host_outputs=host_outputs)
        self.jobs: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
        self.done: queue.Queue[JobReport] = queue.Queue()
        self.busy = False
        self.abort = threading.Event()
        self.go = threading.Event()  # cleared while the controller is out of reach: no job is begun then
        self.go.set()
        self.returned: list[list] = []
        self.sent = self.failed = self.count = 0
        self.closing: dict[str, str] = {}  # outputs that failed to close: told to the host in the final BYE
        self.thread = threading.Thread(target=self._loop, name="render", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while True:
            while not self.go.wait(0.1) and not self.abort.is_set():
                pass  # the controller is out of reach: take no job until it (or another) speaks
            item = self.jobs.get()
            if item is None:
                return
            run, wire = item
            if self.abort.is_set():
                self.returned.append([wire.get("sample"), wire.get("seq")])
                continue
            self.busy = True
            try:
                report = self.pipeline.handle(GenerationJob.from_wire(wire), run)
            except Exception as exc:  # a malformed job: reported, never fatal to the worker
                report = JobReport((str(wire.get("sample")), int(wire.get("seq") or 0)), run, {}, f"bad job: {exc}")
            self.count += 1
            for row in report.delta.get("rows", []):
                self.sent += row[2]
                self.failed += row[3]
            self.done.put(report)
            self.busy = False
            if self.notify is not None:
                self.notify()

    def unstarted(self) -> list[list]:
        """Take back the jobs not yet begun; their keys."""
        keys = []
        while True:
            try:
                item = self.jobs.get_nowait()
            except queue.Empty:
                return keys
            if item is not None:
                keys.append([item[1].get("sample"), item[1].get("seq")])

    def held(self) -> int:
        return self.jobs.qsize() + (1 if self.busy else 0)

    def close(self, wait: float) -> None:
        self.go.set()
        self.jobs.put(None)
        self.thread.join(wait)
        self.stop.set()
        self.closing = self.outputs.close()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


class Worker:
    """One worker's session with a host. `run()` returns an exit status."""

    def __init__(self, transport: ClientTransport, options: WorkerOptions, config: RunConfig | None = None):
        self.transport = transport
        self.options = options
        self.name = options.name or default_name()
        self.stop_event = threading.Event()
        self.drops = DropLog(log)
        wakeup = getattr(transport, "wakeup", None)
        self.notify = wakeup() if wakeup is not None else None  # else the socket thread polls while busy
        self.renderer = (
            _Renderer(config, "local", options.host_outputs, notify=self.notify) if config is not None else None
        )
        self.welcomed = False
        self.run_id = ""  # the run of the controller that welcomed us
        self.ledger = Ledger()
        self.settled = False  # our controller is alive at the end: its summary holds what it accepted
        self.heartbeat = 1.0
        self.quit_reason = ""
        self.abort = False
        self.failure = ""
        self.jobs_received = 0

    def stop(self) -> None:
        self.stop_event.set()

    def made_line(self) -> str:
        """How much this worker did, on one line (said when it quits at once)."""
        r = self.renderer
        done = f"{r.count:,} job(s) done, {r.sent:,} events sent, {r.failed:,} failed" if r else "no job done"
        return f"{self.jobs_received:,} job(s) received, {done}"

    def run(self) -> int:
        last_heard = time.monotonic()
        next_hello = next_beat = 0.0
        hello_again = FIRST_HELLO_AGAIN
        try:
            while not self.quit_reason and not self.failure and not self.stop_event.is_set():
                now = time.monotonic()
                if not self.welcomed and now >= next_hello:
                    self._send(
                        MsgType.HELLO,
                        name=self.name,
                        version=__version__,
                        capacity=self.options.capacity,
                        host=socket.gethostname(),
                        pid=os.getpid(),
                        bundle=self.renderer.digest if self.renderer else "",
                    )
                    next_hello = now + hello_again
                    hello_again = min(2 * hello_again, HELLO_EVERY)
                if self.welcomed and now >= next_beat:
                    self._send(MsgType.HEARTBEAT, inflight=self.renderer.held() if self.renderer else 0)
                    next_beat = now + self.heartbeat
                busy = self.renderer is not None and self.renderer.held() > 0
                envelope = self.transport.recv(0.002 if busy and self.notify is None else 0.05)
                heard = envelope is not None
                while envelope is not None:
                    last_heard = time.monotonic()
                    self._handle(envelope)
                    envelope = self.transport.recv(0)
                if self.renderer is not None and heard:
                    self.renderer.go.set()  # after a RESET has dropped what the old run left unstarted
                elif self.renderer is not None and getattr(self.transport, "link_down", False):
                    self.renderer.go.clear()  # the controller is gone (for now): begin nothing it may not see
                self._flush_done()
                if time.monotonic() - last_heard > self.options.patience:
                    self.abort = True  # what the lost controller sent and we did not begin is nobody's now
                    where = getattr(self.transport, "address", "the controller")
                    if self.welcomed:
                        log.error("no word from the controller at %s for %gs: giving up", where, self.options.patience)
                    else:
                        log.error("no controller answered at %s within %gs: giving up", where, self.options.patience)
                    return 1
        finally:
            self._leave()
        if self.failure:
            log.error("%s", self.failure)
            return 2
        if self.quit_reason:
            log.info("controller said quit: %s", self.quit_reason)
        return 0

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
            if self.renderer is None or not self.welcomed:
                raise ProtocolError("job before welcome")
            self.jobs_received += 1
            self.renderer.jobs.put((message["run"], message["job"]))
        elif kind is MsgType.WELCOME:
            self._welcome(message)
        elif kind is MsgType.TAKEN:
            self.ledger.taken(message["run"], self.run_id)
        elif kind is MsgType.QUIT:
            self.settled = self.welcomed  # our controller is alive: its summary counts what it accepted
            self.quit_reason = message["reason"] or "quit"
            self.abort = message["abort"]
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
        if bundle and (self.renderer is None or self.renderer.digest != bundle.get("digest")):
            if self.renderer is not None:
                self.renderer.close(30)
                self._flush_done()  # its last reports go to the ledger: their run's controller is gone
                self.renderer = None
            folder = Path(tempfile.mkdtemp(prefix="eventgen-worker-"))
            try:
                config = load_bundle(bundle, folder, self.name)
            except EventgenError as exc:
                shutil.rmtree(folder, ignore_errors=True)
                self.failure = f"cannot load the controller's conf here: {exc}"
                self._send(MsgType.FAIL, reason=str(exc))
                return
            self.renderer = _Renderer(
                config, str(bundle.get("digest")), self.options.host_outputs, folder, notify=self.notify
            )
        if self.renderer is None:
            return  # the bundle is on its way in an earlier WELCOME (or comes with a later one)
        self.heartbeat = float(message["heartbeat"])
        self.welcomed = True
        self.run_id = message["run"]
        for run, counts in self.ledger.earlier(self.run_id):  # counts its dead controller never summed up
            log.warning("handing run %s's counts over to this controller: %s", run, counts.describe())
            self._send(MsgType.HANDOVER, run=run, jobs=counts.jobs, stats=counts.tally.delta())
        samples = ", ".join(s.label for s in self.renderer.config.samples)
        log.info("worker %s: joined run %s as %s; samples: %s", self.name, message["run"], message["worker"], samples)

    def _hand_back(self, returned: list[list]) -> list[list]:
        """Stopped (SIGTERM, Ctrl-C) mid-run: BYE (not final) gives back the unstarted jobs at once and asks the
        controller to send no more; its QUIT answer comes after every job it sent before it, so the jobs still on
        the wire are collected here and given back too, none is left for the controller to find lost and re-issue.
        Returns the jobs received meanwhile (unstarted, for the final BYE)."""
        self._send(MsgType.BYE, returned=returned, final=False)
        late: list[list] = []
        deadline = time.monotonic() + max(5.0, 3 * self.heartbeat)
        while time.monotonic() < deadline:
            envelope = self.transport.recv(0.05)
            self._flush_done()  # the job being rendered finishes meanwhile: its DONE goes out as usual
            if envelope is None or envelope.problem:
                continue
            try:
                message = decode(envelope.data)
            except ProtocolError as exc:
                self.drops.drop("controller", str(exc))
                continue
            if message.type is MsgType.JOB:
                self.jobs_received += 1
                late.append([message["job"].get("sample"), message["job"].get("seq")])
            elif message.type is MsgType.QUIT:
                self.settled = True  # it answered: it is alive, and takes our last DONE
                return late
        log.warning("the controller did not answer our BYE: leaving anyway")
        return late

    def _flush_done(self) -> None:
        if self.renderer is None:
            return
        while True:
            try:
                report = self.renderer.done.get_nowait()
            except queue.Empty:
                return
            self.ledger.add(report.run, report.delta)
            if not self.welcomed or report.run != self.run_id:
                continue  # its controller is gone (or does not know us now): the ledger keeps its counts
            self._send(
                MsgType.DONE,
                run=report.run,
                key=list(report.key),
                stats=report.delta,
                error=report.error,
                payloads=[[index, payload.to_wire(True)] for index, payload in report.handback],
            )

    def _leave(self) -> None:
        """Give back unstarted jobs, finish the current one, report it, say BYE."""
        renderer = self.renderer
        returned: list[list] = []
        if renderer is not None:
            if self.abort or self.stop_event.is_set() or self.failure:
                renderer.abort.set()
                returned = renderer.unstarted()
            if self.stop_event.is_set() and self.welcomed and not self.quit_reason and not self.failure:
                returned = self._hand_back(returned)
            renderer.close(wait=60)
            returned += renderer.returned
            self._flush_done()
            log.info(
                "worker %s: %d job(s) received, %d events sent, %d failed",
                self.name,
                self.jobs_received,
                renderer.sent,
                renderer.failed,
            )
        if self.welcomed:
            self._send(MsgType.BYE, returned=returned, final=True, closing=renderer.closing if renderer else {})
        if self.settled:
            self.ledger.settle(self.run_id)
        self.ledger.log_unreported(self.name)
        self.transport.close()
