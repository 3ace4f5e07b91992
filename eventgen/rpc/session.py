"""A worker session: HELLO, the conf (a bundle, or the one it was forked with), jobs, DONEs, BYE.

Remote cluster workers and the local worker processes of process mode run this same session; only the socket's
address and keys differ, and what the role above provides (`load`, and the ledger hooks of a remote worker).
Threads: the calling thread owns the socket (messages, heartbeats); the `Runner` (run/jobloop.py) runs each job
on a thread of its own and hands its report to `reported`, which the socket thread sends as a DONE carrying the
job's run id and counts.

When the connection to the controller drops, the worker begins no new job until the controller speaks again
(a new controller is a new run: the old run's unstarted jobs are dropped). What it finished the role above may
keep (`finished`) and hand over to the next controller it joins (`handovers`), so every event that reached a
receiver is in some summary.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from eventgen import __version__
from eventgen.core.batch import GenerationJob
from eventgen.core.delta import JobDelta
from eventgen.core.errors import EventgenError
from eventgen.rpc.events import JobKey, JobReport
from eventgen.rpc.protocol import DropLog, Message, MsgType, ProtocolError, decode, encode
from eventgen.rpc.sockets import ClientTransport, Envelope

log = logging.getLogger("eventgen.worker")

HELLO_EVERY = 2.0  # seconds between HELLOs until WELCOME, reached by doubling from FIRST_HELLO_AGAIN
FIRST_HELLO_AGAIN = 0.05  # a HELLO sent before the connection is up is dropped (IMMEDIATE): try again soon


@dataclass
class WorkerOptions:
    name: str = ""
    capacity: int = 4
    patience: float = 30.0  # seconds without a word from a controller before giving up (before and after joining)


class Runner(Protocol):
    """What runs a session's jobs over one conf (run/jobloop.py's `WorkerRunner`)."""

    digest: str  # the conf's: "local" for the one a process was forked with, else its bundle's
    samples: list[str]

    def put(self, run: str, job: GenerationJob) -> None: ...
    def held(self) -> int: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def unstarted(self) -> list[JobKey]: ...
    def abort(self) -> None: ...
    def counted(self) -> tuple[int, int, int]: ...
    def close(self, wait: float) -> tuple[list[JobKey], dict[str, str]]: ...


def default_name() -> str:
    return f"{socket.gethostname().split('.')[0]}-{os.getpid()}"


def make_identity(name: str) -> bytes:
    return f"{name}-{uuid.uuid4().hex[:8]}".encode()


class Session:
    """One worker's session with a host. `run()` returns an exit status. The role above overrides `load` (and,
    for a remote worker, the ledger hooks `finished`, `taken`, `handovers`, `ended`)."""

    def __init__(self, transport: ClientTransport, options: WorkerOptions):
        self.transport = transport
        self.options = options
        self.name = options.name or default_name()
        self.stop_event = threading.Event()
        self.drops = DropLog(log)
        wakeup = getattr(transport, "wakeup", None)
        self.notify = wakeup() if wakeup is not None else None  # else the socket thread polls while busy
        self.reports: queue.Queue[JobReport] = queue.Queue()
        self.runner: Runner | None = None
        self.welcomed = False
        self.run_id = ""  # the run of the controller that welcomed us
        self.settled = False  # our controller is alive at the end: its summary holds what it accepted
        self.heartbeat = 1.0
        self.quit_reason = ""
        self.abort = False
        self.failure = ""
        self.jobs_received = 0

    # ----- what the role above provides -----------------------------------------------------

    def load(self, bundle: dict[str, Any] | None) -> Runner | None:
        """The runner for `bundle`, or (None) for the conf this worker starts with, if any; EventgenError when
        the bundle cannot be loaded here (the run fails)."""
        return None

    def finished(self, report: JobReport) -> None:
        """Each job's report, before it is sent (whether or not its run's controller is there to hear it)."""

    def taken(self, run: str) -> None:
        """The controller took run `run`'s counts (handed over)."""

    def handovers(self) -> list[tuple[str, int, JobDelta]]:
        """Earlier runs' counts to hand to the controller that just welcomed us: (run, jobs, counts)."""
        return []

    def ended(self) -> None:
        """The session is over (`settled`: our controller's summary holds what it accepted)."""

    # ----- the session ----------------------------------------------------------------------

    def reported(self, report: JobReport) -> None:
        """From the runner's thread: a job's report, for the socket thread to send."""
        self.reports.put(report)
        if self.notify is not None:
            self.notify()

    def stop(self) -> None:
        self.stop_event.set()

    def made_line(self) -> str:
        """How much this worker did, on one line (said when it quits at once)."""
        if self.runner is None:
            done = "no job done"
        else:
            count, sent, failed = self.runner.counted()
            done = f"{count:,} job(s) done, {sent:,} events sent, {failed:,} failed"
        return f"{self.jobs_received:,} job(s) received, {done}"

    def run(self) -> int:
        if self.runner is None:
            self.runner = self.load(None)
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
                        bundle=self.runner.digest if self.runner else "",
                    )
                    next_hello = now + hello_again
                    hello_again = min(2 * hello_again, HELLO_EVERY)
                if self.welcomed and now >= next_beat:
                    self._send(MsgType.HEARTBEAT, inflight=self.runner.held() if self.runner else 0)
                    next_beat = now + self.heartbeat
                busy = self.runner is not None and self.runner.held() > 0
                envelope = self.transport.recv(0.002 if busy and self.notify is None else 0.05)
                heard = envelope is not None
                while envelope is not None:
                    last_heard = time.monotonic()
                    self._handle(envelope)
                    envelope = self.transport.recv(0)
                if self.runner is not None and heard:
                    self.runner.resume()  # after a RESET has dropped what the old run left unstarted
                elif self.runner is not None and getattr(self.transport, "link_down", False):
                    self.runner.pause()  # the controller is gone (for now): begin nothing it may not see
                self._flush()
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

    def _send(self, kind: MsgType, parts: Sequence[bytes | memoryview] = (), **fields: Any) -> None:
        self.transport.send(encode(kind, **fields), parts)

    def _handle(self, envelope: Envelope) -> None:
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
            if self.runner is None or not self.welcomed:
                raise ProtocolError("job before welcome")
            self.jobs_received += 1
            self._job(message["run"], message["job"])
        elif kind is MsgType.WELCOME:
            self._welcome(message)
        elif kind is MsgType.TAKEN:
            self.taken(message["run"])
        elif kind is MsgType.QUIT:
            self.settled = self.welcomed  # our controller is alive: its summary counts what it accepted
            self.quit_reason = message["reason"] or "quit"
            self.abort = message["abort"]
        elif kind is MsgType.REFUSE:
            self.quit_reason = f"refused: {message['reason']}"
        elif kind is MsgType.RESET:
            if self.welcomed:
                log.warning("the controller no longer knows this worker: joining again")
                if self.runner is not None:
                    self.runner.unstarted()  # the controller re-issued them already
                self.welcomed = False
        elif kind is MsgType.HEARTBEAT:
            pass
        else:
            raise ProtocolError(f"unexpected {kind.value} from the controller")

    def _job(self, run: str, wire: dict[str, Any]) -> None:
        assert self.runner is not None
        try:
            job = GenerationJob.from_wire(wire)
        except Exception as exc:  # a malformed job: reported, never fatal to the worker
            self.reported(JobReport(_key(wire), run, JobDelta(), f"bad job: {exc}"))
            return
        self.runner.put(run, job)

    def _welcome(self, message: Message) -> None:
        if self.welcomed:
            return  # a repeated WELCOME (we said HELLO twice)
        bundle = message["bundle"]
        if bundle and (self.runner is None or self.runner.digest != bundle.get("digest")):
            if self.runner is not None:
                self.runner.close(30)
                self._flush()  # its last reports go to the role above: their run's controller is gone
                self.runner = None
            try:
                self.runner = self.load(bundle)
            except EventgenError as exc:
                self.failure = f"cannot load the controller's conf here: {exc}"
                self._send(MsgType.FAIL, reason=str(exc))
                return
        if self.runner is None:
            return  # the bundle is on its way in an earlier WELCOME (or comes with a later one)
        self.heartbeat = float(message["heartbeat"])
        self.welcomed = True
        self.run_id = message["run"]
        for run, jobs, delta in self.handovers():  # counts their dead controller never summed up
            self._send(MsgType.HANDOVER, run=run, jobs=jobs, stats=delta.to_wire())
        samples = ", ".join(self.runner.samples)
        log.info("worker %s: joined run %s as %s; samples: %s", self.name, message["run"], message["worker"], samples)

    def _hand_back(self, returned: list[JobKey]) -> list[JobKey]:
        """Stopped (SIGTERM, Ctrl-C) mid-run: BYE (not final) gives back the unstarted jobs at once and asks the
        controller to send no more; its QUIT answer comes after every job it sent before it, so the jobs still on
        the wire are collected here and given back too, none is left for the controller to find lost and re-issue.
        Returns the jobs received meanwhile (unstarted, for the final BYE)."""
        self._send(MsgType.BYE, returned=returned, final=False)
        late: list[JobKey] = []
        deadline = time.monotonic() + max(5.0, 3 * self.heartbeat)
        while time.monotonic() < deadline:
            envelope = self.transport.recv(0.05)
            self._flush()  # the job being rendered finishes meanwhile: its DONE goes out as usual
            if envelope is None or envelope.problem:
                continue
            try:
                message = decode(envelope.data)
            except ProtocolError as exc:
                self.drops.drop("controller", str(exc))
                continue
            if message.type is MsgType.JOB:
                self.jobs_received += 1
                late.append(_key(message["job"]))
            elif message.type is MsgType.QUIT:
                self.settled = True  # it answered: it is alive, and takes our last DONE
                return late
        log.warning("the controller did not answer our BYE: leaving anyway")
        return late

    def _flush(self) -> None:
        """Send the DONE of every job reported since (those of a run whose controller is gone: kept only)."""
        while True:
            try:
                report = self.reports.get_nowait()
            except queue.Empty:
                return
            self.finished(report)
            if not self.welcomed or report.run != self.run_id:
                continue  # its controller is gone (or does not know us now): the role above keeps its counts
            frames: list[bytes | memoryview] = []  # the payloads' bytes, sent as they lie (no copy into the message)
            self._send(
                MsgType.DONE,
                frames,
                run=report.run,
                key=list(report.key),
                stats=report.delta.to_wire(),
                error=report.error,
                payloads=[[index, payload.to_wire(True, frames)] for index, payload in report.handback],
            )

    def _leave(self) -> None:
        """Give back unstarted jobs, finish the current one, report it, say BYE."""
        runner = self.runner
        returned: list[JobKey] = []
        closing: dict[str, str] = {}
        if runner is not None:
            if self.abort or self.stop_event.is_set() or self.failure:
                runner.abort()
                returned = runner.unstarted()
            if self.stop_event.is_set() and self.welcomed and not self.quit_reason and not self.failure:
                returned = self._hand_back(returned)
            given_back, closing = runner.close(wait=60)
            returned += given_back
            self._flush()
            _, sent, failed = runner.counted()
            log.info("worker %s: %d job(s) received, %d events sent, %d failed", self.name, self.jobs_received, sent,
                     failed)  # fmt: skip
        if self.welcomed:
            self._send(MsgType.BYE, returned=returned, final=True, closing=closing)
        self.ended()
        self.transport.close()


def _key(wire: Any) -> JobKey:
    """A job key from a job's wire form, as far as it can be read (a malformed job is reported under it)."""
    sample = wire.get("sample") if isinstance(wire, dict) else None
    seq = wire.get("seq") if isinstance(wire, dict) else None
    return str(sample), seq if isinstance(seq, int) and not isinstance(seq, bool) else 0
