"""The host end of the worker protocol: a ROUTER socket's messages as dispatcher events.

Process mode (ipc://, local worker processes) and the cluster (tcp://, CurveZMQ, remote workers)
both use it. It answers HELLO with WELCOME (the bundle only when the worker does not already hold
it, by digest), keeps each peer's liveness from its messages and heartbeats, serves STATUS (what
`status` returns), and turns JOB/DONE/BYE/FAIL traffic into `Joined`/`Done`/`Leaving`/`Lost`/`Fatal`
events. It decides nothing about jobs: the dispatcher does. Earlier runs' counts that workers hand over
go to `handover` (the controller keeps them apart, for the summary's own lines), answered TAKEN.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from eventgen import __version__
from eventgen.core.batch import GenerationJob
from eventgen.core.delta import DeltaError, JobDelta
from eventgen.format.payload import Payload
from eventgen.rpc.events import Done, Event, Fatal, Handover, JobReport, Joined, Leaving, Lost
from eventgen.rpc.protocol import DropLog, Message, MsgType, ProtocolError, decode, encode, job_key
from eventgen.rpc.sockets import Envelope, ServerTransport

log = logging.getLogger("eventgen.cluster")

BUNDLE_AGAIN = 30.0  # seconds before a peer that still lacks the bundle is sent it again
JOIN_GRACE = 30.0  # seconds a peer may take from HELLO to its first word after WELCOME (loading the conf)


@dataclass
class _Link:
    """What the host knows of one connected worker."""

    name: str
    host: str
    liveness: int
    joined: bool = True
    bundle_sent: float = -1e9  # when this peer was last sent the bundle (monotonic)
    capacity: int = 1
    ready: bool = False  # it said something after WELCOME: it has loaded the conf and takes jobs
    heard: float = 0.0  # when it last said anything (monotonic)


class PeerHost:
    """Messages from peers on `server` as events; jobs out as JOB messages. `handover` checks and keeps an
    earlier run's counts, returning '' (taken) or what is wrong with them (the message is dropped)."""

    wakes = False  # new work does not interrupt `poll`: the engine loop polls briefly while feeders run

    def __init__(
        self,
        server: ServerTransport,
        run_id: str,
        bundle: dict[str, Any] | None,
        heartbeat: float = 1.0,
        liveness: int = 3,
        status: Callable[[], dict[str, Any]] | None = None,
        handover: Callable[[Handover], str] | None = None,
    ):
        self.server = server
        self.run_id = run_id
        self.bundle = bundle or {}
        self.digest = str(self.bundle.get("digest", "local"))
        self.heartbeat = heartbeat
        self.liveness = max(1, liveness)
        self.status = status or dict
        self.handover = handover
        self.links: dict[bytes, _Link] = {}
        self.drops = DropLog(log)
        self.stopping = False
        self._next_beat = time.monotonic() + heartbeat
        self._reset_sent: dict[bytes, float] = {}
        self.bundles_sent = 0

    def start(self) -> None:
        pass

    def wake(self) -> None:
        pass

    def poll(self, timeout: float) -> list[Event]:
        events: list[Event] = []
        envelope = self.server.recv(min(timeout, max(0.0, self._next_beat - time.monotonic())))
        handled = 0
        while envelope is not None:
            self._handle(envelope, events)
            handled += 1
            envelope = self.server.recv(0) if handled < 512 else None
        if time.monotonic() >= self._next_beat:
            self._next_beat = time.monotonic() + self.heartbeat
            events.extend(self._beat())
        return events

    def send(self, peer: Hashable, job: GenerationJob) -> bool:
        return self.server.send(peer, encode(MsgType.JOB, run=self.run_id, job=job.to_wire()))  # type: ignore[arg-type]  # the dispatcher's peer ids are the ROUTER's identity bytes

    def finish(
        self, timeout: float, abort: bool = False, holds: Callable[[Hashable], bool] = lambda _: True
    ) -> list[Event]:
        """QUIT to every joined peer, then their last DONEs and BYEs until they are gone or `timeout`. Only peers
        that hold jobs (`holds`) or spoke lately are waited for: a silent one never delays the end."""
        self.stopping = True
        events: list[Event] = []
        for peer, link in self.links.items():
            if link.joined:
                self.server.send(peer, encode(MsgType.QUIT, reason="run finished", abort=abort))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(
            self._awaited(peer, link, holds) for peer, link in self.links.items()
        ):
            events.extend(self.poll(0.1))
        for peer, link in self.links.items():
            if not link.joined:
                continue
            link.joined = False
            if link.ready and holds(peer):
                events.append(Lost(peer, "did not leave after QUIT"))
            elif link.ready:
                events.append(Leaving(peer, [], True))  # told to quit, holding nothing: it has left this run
        return events

    def _awaited(self, peer: bytes, link: _Link, holds: Callable[[Hashable], bool]) -> bool:
        """Whether the end waits for a peer's BYE: it holds jobs, or it spoke within two heartbeats (it is alive
        and answers at once; waiting lets it read its QUIT before this socket closes)."""
        if not link.joined:
            return False
        return (link.ready and holds(peer)) or time.monotonic() - link.heard < 2 * self.heartbeat

    def close(self) -> None:
        self.server.close()

    # ----- messages -------------------------------------------------------------------------

    def _handle(self, envelope: Envelope, events: list[Event]) -> None:
        peer = envelope.peer
        if envelope.problem:
            self.drops.drop(_name(peer), envelope.problem)
            return
        try:
            self._on(peer, decode(envelope.data), events, envelope.address, envelope.parts)
        except ProtocolError as exc:
            self.drops.drop(_name(peer), str(exc))

    def _on(
        self,
        peer: bytes,
        message: Message,
        events: list[Event],
        address: str = "",
        parts: tuple[bytes | memoryview, ...] = (),
    ) -> None:
        kind = message.type
        if kind is MsgType.HELLO:
            self._hello(peer, message, events, address)
            return
        if kind is MsgType.STATUS:
            self.server.send(peer, encode(MsgType.STATUS_REPLY, status=self.status()))
            return
        link = self.links.get(peer)
        if link is not None and link.joined:
            link.liveness = self.liveness
            link.heard = time.monotonic()
            if not link.ready:
                self._ready(peer, link, events)
        if kind is MsgType.DONE:  # judged by the dispatcher, whoever sent it
            try:
                payloads = [(int(i), Payload.from_wire(p, parts)) for i, p in message["payloads"]]
                delta, unreadable = JobDelta.from_wire(message["stats"]), ""
            except DeltaError as exc:
                payloads, delta, unreadable = [], JobDelta(), str(exc)
            except (KeyError, TypeError, ValueError) as exc:  # a payload that is not one (the job is made again)
                payloads, delta, unreadable = [], JobDelta(), f"unreadable payload ({type(exc).__name__}: {exc})"
            report = JobReport(job_key(message["key"]), message["run"], delta, message["error"], payloads)
            events.append(Done(peer, report, unreadable))
            if link is None or not link.joined:
                self._reset(peer)
        elif link is None or not link.joined:
            self._reset(peer)
        elif kind is MsgType.HEARTBEAT:
            self.server.send(peer, encode(MsgType.HEARTBEAT, inflight=0))
        elif kind is MsgType.BYE:
            returned = [job_key(k) for k in message["returned"]]
            closing = message.fields.get("closing")  # optional: outputs the worker failed to close
            closing = {f"{k} ({link.name})": str(v) for k, v in closing.items()} if isinstance(closing, dict) else {}
            events.append(Leaving(peer, returned, message["final"], closing))
            if message["final"]:
                link.joined = False
                self._log("worker %s left (%s)", link.name, link.host)
            else:  # it stops taking jobs: QUIT follows every job already sent to it, so it knows none is left
                self.server.send(peer, encode(MsgType.QUIT, reason="leaving: no more jobs", abort=True))
                self._log("worker %s is leaving (%s): gave back %d job(s)", link.name, link.host, len(returned))
        elif kind is MsgType.HANDOVER:
            self._handover(peer, link, message)
        elif kind is MsgType.FAIL:
            link.joined = False  # it is gone: no BYE follows
            events.append(Fatal(peer, f"worker {link.name} ({link.host}): {message['reason']}"))
        else:
            raise ProtocolError(f"unexpected {kind.value} from a worker")

    def _hello(self, peer: bytes, message: Message, events: list[Event], address: str = "") -> None:
        if self.stopping:
            self.server.send(peer, encode(MsgType.REFUSE, reason="the run is finishing"))
            return
        if message["version"] != __version__:
            log.warning("worker %s runs eventgen %s, this host %s", message["name"], message["version"], __version__)
        link = self.links.get(peer)
        if link is None or not link.joined:
            host = f"{message['host']} pid {message['pid']}" + (f" at {address}" if address else "")
            # Not a peer for the dispatcher until its first word after WELCOME: loading a bundle takes a while
            # (seconds on a busy host, with the worker silent meanwhile), and a job sent before then would be in
            # flight to a worker that may be found lost before it ever began: re-issued for nothing.
            link = self.links[peer] = _Link(
                message["name"],
                host,
                max(self.liveness, int(JOIN_GRACE / self.heartbeat) + 1),
                bundle_sent=link.bundle_sent if link is not None else -1e9,
                capacity=max(1, message["capacity"]),
            )
        else:
            link.liveness = self.liveness
        link.heard = time.monotonic()
        bundle: dict[str, Any] = {}
        now = time.monotonic()
        if message["bundle"] != self.digest and now - link.bundle_sent > BUNDLE_AGAIN:
            bundle, link.bundle_sent = self.bundle, now  # once per worker (by digest), not once per HELLO
            self.bundles_sent += 1
        self.server.send(
            peer, encode(MsgType.WELCOME, worker=_name(peer), run=self.run_id, bundle=bundle, heartbeat=self.heartbeat)
        )

    def _handover(self, peer: bytes, link: _Link, message: Message) -> None:
        """An earlier run's counts from a worker whose controller went away: to `handover`, answered TAKEN."""
        run = message["run"]
        if run == self.run_id:
            raise ProtocolError("a handover of this very run")
        if self.handover is None:
            raise ProtocolError("a handover to a host that keeps no earlier runs")
        try:
            delta = JobDelta.from_wire(message["stats"])
        except DeltaError as exc:
            raise ProtocolError(f"a handover of run {run}: {exc}") from None
        problem = self.handover(Handover(peer, run, link.name, link.host, message["jobs"], delta))
        if problem:
            raise ProtocolError(problem)
        self.server.send(peer, encode(MsgType.TAKEN, run=run))
        self._log("worker %s handed over run %s's counts: %d job(s), %d events made", link.name, run,
                  message["jobs"], sum(delta.generated.values()))  # fmt: skip

    def knows(self, peer: bytes) -> bool:
        """Whether `peer` ever said HELLO."""
        return peer in self.links

    def lose(self, peer: bytes, reason: str) -> Lost | None:
        """A peer known to be gone (its process exited): Lost, once, if it had joined."""
        link = self.links.get(peer)
        if link is None or not link.joined:
            return None
        link.joined = False
        return Lost(peer, reason)

    def _ready(self, peer: bytes, link: _Link, events: list[Event]) -> None:
        link.ready = True
        events.append(Joined(peer, link.capacity, link.name, link.host))
        self._log("worker %s joined from %s (capacity %d)", link.name, link.host, link.capacity)

    def _beat(self) -> list[Event]:
        lost: list[Event] = []
        for peer, link in self.links.items():
            if not link.joined:
                continue
            link.liveness -= 1
            if link.liveness <= 0 and not link.ready:
                link.joined = False  # it holds no job: nothing to re-issue; if it comes back it is RESET
                log.warning("worker %s (%s) said HELLO but nothing since: forgotten", link.name, link.host)
            elif link.liveness <= 0:
                link.joined = False
                lost.append(Lost(peer, f"no message for {self.liveness} heartbeats"))
                log.warning("worker %s (%s) lost: no message for %d heartbeats", link.name, link.host, self.liveness)
        return lost

    def _reset(self, peer: bytes) -> None:
        """A peer we do not know (lost, or from a previous run): ask it to say HELLO again, at most once a second."""
        now = time.monotonic()
        if now - self._reset_sent.get(peer, 0.0) > 1.0:
            self._reset_sent[peer] = now
            self.server.send(peer, encode(MsgType.RESET, reason="unknown worker: say hello again"))

    def _log(self, message: str, *args: Any) -> None:
        log.info(message, *args)  # the controller shows eventgen.cluster's info lines by default


def _name(peer: bytes) -> str:
    return peer.decode("utf-8", "replace")[:64] or "?"
