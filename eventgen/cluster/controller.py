"""The controller: runs the timers, hands jobs to workers with credit, merges their stats.

Threads: one timer per sample puts encoded JOB messages in a bounded `Backlog` (blocking when
full: backpressure); the calling thread owns the socket and does everything else — registration,
dispatch by credit, heartbeats and liveness, re-issue of a lost worker's jobs, accounting, status.

Accounting is exactly-once per job key (sample, seq): the first DONE for a key is merged, later
ones are counted as duplicates and their stats dropped. Delivery to outputs is at-least-once: a
worker that dies mid-job may have written part of it before its job is re-issued.
"""

from __future__ import annotations

import logging
import secrets
import sys
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

from eventgen import __version__
from eventgen.cluster.membership import JOINED, LEAVING, LEFT, Ledger, Member, Membership
from eventgen.cluster.protocol import DropLog, Message, MsgType, ProtocolError, decode, encode, job_key
from eventgen.cluster.transport import Envelope, ServerTransport
from eventgen.conf.loader import RunConfig
from eventgen.plugin.base import registry
from eventgen.render.batch import GenerationJob
from eventgen.run.accounting import Stats
from eventgen.schedule.timer import Timer

log = logging.getLogger(__name__)

Pending = tuple[tuple[str, int], bytes, int]  # job key, encoded JOB message, events


class Backlog:
    """Bounded FIFO of encoded jobs between timer threads and the socket thread."""

    def __init__(self, maxlen: int, stop: threading.Event):
        self.maxlen = maxlen
        self.stop = stop
        self._items: deque[Pending] = deque()
        self._cond = threading.Condition()

    def put(self, job: GenerationJob) -> bool:
        """Timer side: block while full; False once the run is stopping."""
        item = ((job.sample, job.seq), encode(MsgType.JOB, job=job.to_wire()), job.count)
        with self._cond:
            while len(self._items) >= self.maxlen and not self.stop.is_set():
                self._cond.wait(0.2)
            if self.stop.is_set():
                return False
            self._items.append(item)
            return True

    def pop(self) -> Pending | None:
        with self._cond:
            if not self._items:
                return None
            item = self._items.popleft()
            self._cond.notify()
            return item

    def push_front(self, items: list[Pending]) -> None:
        """Re-issued jobs go first, in job order, regardless of the bound."""
        with self._cond:
            self._items.extendleft(reversed(items))

    def drain(self) -> list[Pending]:
        with self._cond:
            items = list(self._items)
            self._items.clear()
            self._cond.notify_all()
            return items

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class ControllerOptions:
    seed: int | None = None
    status_interval: float | None = None
    status_stream: TextIO | None = None
    drain_seconds: float = 30.0
    heartbeat: float = 1.0
    liveness: int = 3
    backlog: int | None = None


@dataclass
class Counts:
    reissued: int = 0
    duplicates: int = 0
    failed_jobs: int = 0
    dropped_jobs: int = 0
    dropped_events: int = 0
    refused: int = 0


@dataclass
class _Rate:
    at: float = field(default_factory=time.monotonic)
    sent: int = 0
    value: float = 0.0


class Controller:
    """One distributed run. `run()` blocks until done (historical) or stopped; `stop()` is signal-safe."""

    def __init__(self, config: RunConfig, bundle: dict[str, Any], transport: ServerTransport,
                 options: ControllerOptions | None = None):
        self.config = config
        self.bundle = bundle
        self.transport = transport
        self.options = options or ControllerOptions()
        self.stop_event = threading.Event()
        self.stats = Stats()
        self.members = Membership(self.options.liveness)
        self.ledger = Ledger()
        self.counts = Counts()
        self.drops = DropLog(log)
        seed = self.options.seed if self.options.seed is not None else config.engine.get("seed")
        self.seed = seed if seed is not None else secrets.randbits(63)
        size = self.options.backlog or config.engine.get("generatorQueueSize") or 64
        self.backlog = Backlog(size, self.stop_event)
        self.timers: list[tuple[Timer, threading.Thread]] = []
        self.stateful = {s.label for s in config.samples if _stateful(s)}  # samples whose jobs share state
        self.pins: dict[str, Member] = {}
        self.state = "starting"
        self._rate = _Rate()
        self._reset_sent: dict[bytes, float] = {}

    # ----- lifecycle -------------------------------------------------------------------------

    def stop(self) -> None:
        self.stop_event.set()

    def run(self) -> Stats:
        self._start_timers()
        self.state = "running"
        beat = self.options.heartbeat
        next_beat = time.monotonic() + beat
        interval = self._status_interval()
        next_status = time.monotonic() + interval if interval else None
        deadline: float | None = None
        try:
            while True:
                envelope = self.transport.recv(self._poll_timeout(next_beat))
                handled = 0
                while envelope is not None:
                    self._handle(envelope)
                    handled += 1
                    envelope = self.transport.recv(0) if handled < 256 else None
                self._dispatch()
                now = time.monotonic()
                if now >= next_beat:
                    next_beat = now + beat
                    for member in self.members.tick():
                        self._lost(member)
                if next_status is not None and now >= next_status:
                    next_status = now + interval
                    self._print_status()
                if self.stop_event.is_set():
                    if deadline is None:
                        deadline = now + self.options.drain_seconds
                        self.state = "stopping"
                        log.warning("stopping: finishing queued and in-flight jobs (up to %.0fs)",
                                    self.options.drain_seconds)
                    if self._drained() or now > deadline or not any(self.members.working()):
                        break
                elif self._timers_done() and self._drained():
                    break
        finally:
            self.stop_event.set()
            self._finish()
        return self.stats

    def _finish(self) -> None:
        left = self.backlog.drain()
        inflight = [item for m in self.members.working() for item in m.inflight.values()]
        for _, _, count in left:
            self.counts.dropped_jobs += 1
            self.counts.dropped_events += count
        if left or inflight:
            self.stats.notes.append(f"stopped with {len(left)} queued and {len(inflight)} in-flight job(s) "
                                    "unconfirmed; they are not counted")
        for member in self.members.working():
            self.transport.send(member.identity, encode(MsgType.QUIT, reason="run finished"))
            member.state = LEFT
        for _, thread in self.timers:
            thread.join(1)
        self.state = "finished"

    def _start_timers(self) -> None:
        engine = self.config.engine
        cap = engine["maxQueueLength"] if engine.get("maxQueueLength", 0) > 0 else None
        now = time.time()
        for sample in self.config.samples:
            timer = Timer(sample, self.backlog.put, self.stop_event, self.seed, now, cap or sample.settings["jobSize"])
            thread = threading.Thread(target=timer.run, name=f"timer-{sample.label}", daemon=True)
            self.timers.append((timer, thread))
            thread.start()

    def _timers_done(self) -> bool:
        return not any(thread.is_alive() for _, thread in self.timers)

    def _drained(self) -> bool:
        return not len(self.backlog) and not self.members.inflight()

    def _poll_timeout(self, next_beat: float) -> float:
        until_beat = max(0.0, next_beat - time.monotonic())
        if self.members.pick() is not None and not self._timers_done():
            return min(0.005, until_beat)  # idle credit: timers may add work at any moment
        return min(0.1, until_beat)

    def _status_interval(self) -> float:
        interval = self.options.status_interval
        if interval is None:
            interval = self.config.engine.get("statusInterval", 5)
        return interval or 0.0

    # ----- messages --------------------------------------------------------------------------

    def _handle(self, envelope: Envelope) -> None:
        peer = envelope.peer
        if envelope.problem:
            self.drops.drop(_name(peer), envelope.problem)
            return
        try:
            message = decode(envelope.data)
            self._on(peer, message)
        except ProtocolError as exc:
            self.drops.drop(_name(peer), str(exc))

    def _on(self, peer: bytes, message: Message) -> None:
        kind = message.type
        if kind is MsgType.HELLO:
            self._hello(peer, message)
            return
        if kind is MsgType.STATUS:
            self.transport.send(peer, encode(MsgType.STATUS_REPLY, status=self.status()))
            return
        member = self.members.seen(peer)
        if kind is MsgType.DONE:
            self._done(peer, member, message)
            return
        if member is None:
            self._reset(peer)
            return
        if kind is MsgType.READY:
            if member.state == JOINED:
                member.credits += max(0, message["credits"])
        elif kind is MsgType.HEARTBEAT:
            self.transport.send(peer, encode(MsgType.HEARTBEAT, inflight=len(member.inflight)))
        elif kind is MsgType.BYE:
            self._bye(member, message)
        else:
            raise ProtocolError(f"unexpected {kind.value} from a worker")

    def _hello(self, peer: bytes, message: Message) -> None:
        if self.stop_event.is_set():
            self.transport.send(peer, encode(MsgType.REFUSE, reason="the controller is stopping"))
            return
        if message["version"] != __version__:
            log.warning("worker %s runs eventgen %s, the controller %s", message["name"], message["version"],
                        __version__)
        member = self.members.live(peer)
        if member is None:  # a new worker, or one we had given up on
            old = self.members.members.get(peer)
            member = self.members.join(peer, message["name"], host=message["host"], pid=message["pid"],
                                       version=message["version"], capacity=message["capacity"])
            if old is not None:
                member.stats, member.jobs_done, member.duplicates = old.stats, old.jobs_done, old.duplicates
            log.info("worker %s joined from %s (pid %d, capacity %d)", message["name"], message["host"],
                     message["pid"], message["capacity"])
        self.transport.send(peer, encode(MsgType.WELCOME, worker=member.id, bundle=self.bundle,
                                         heartbeat=self.options.heartbeat))

    def _reset(self, peer: bytes) -> None:
        """A peer we do not know (lost, or from a previous controller): ask it to say HELLO again."""
        now = time.monotonic()
        if now - self._reset_sent.get(peer, 0.0) > 1.0:
            self._reset_sent[peer] = now
            self.transport.send(peer, encode(MsgType.RESET, reason="unknown worker: say hello again"))

    def _done(self, peer: bytes, member: Member | None, message: Message) -> None:
        key = job_key(message["key"])
        record = member or self.members.members.get(peer)
        if record is not None and record.inflight.pop(key, None) is not None and record.state == JOINED:
            record.credits += 1
        if member is None:
            self._reset(peer)
        if not self.ledger.add(key):
            self.counts.duplicates += 1
            if record is not None:
                record.duplicates += 1
            return
        delta = message["stats"]
        try:
            self.stats.merge(delta)
            if record is not None:
                record.stats.merge(delta)
        except (TypeError, ValueError) as exc:
            raise ProtocolError(f"bad stats delta: {exc}") from None
        if record is not None:
            record.jobs_done += 1
        if message["error"]:
            self.counts.failed_jobs += 1
            note = f"sample {key[0]}: generator failed: {message['error']}"
            if note not in self.stats.notes:
                self.stats.notes.append(note)
                log.error("%s", note)

    def _bye(self, member: Member, message: Message) -> None:
        returned = []
        for raw in message["returned"]:
            key = job_key(raw)
            item = member.inflight.pop(key, None)
            if item is not None:
                returned.append(item)
        if message["final"]:
            returned += self.members.remove(member, LEFT)
            log.info("worker %s left", member.name)
        else:
            member.state = LEAVING
            member.credits = 0
        self._requeue(sorted(returned))

    def _lost(self, member: Member) -> None:
        jobs = self.members.take_inflight(member)
        log.warning("worker %s lost: no message for %d heartbeats; re-issuing its %d in-flight job(s)",
                    member.name, self.options.liveness, len(jobs))
        self.counts.reissued += len(jobs)
        self._requeue(jobs)

    def _requeue(self, items: list) -> None:
        pending = [(key, data, count) for key, data, count in items if key not in self.ledger]
        self.backlog.push_front(pending)

    def _dispatch(self) -> None:
        """Send queued jobs to workers with credit; a stateful sample's jobs all go to the worker it is pinned to."""
        waiting: list[Pending] = []
        for _ in range(len(self.backlog)):
            member = self.members.pick()
            if member is None:
                break
            item = self.backlog.pop()
            if item is None:
                break
            key, data, _ = item
            if key in self.ledger:
                continue
            if key[0] in self.stateful:
                pinned = self.pins.get(key[0])
                if pinned is not None and pinned.alive:
                    if pinned.state != JOINED or pinned.credits <= 0:
                        waiting.append(item)
                        continue
                    member = pinned
                else:
                    self.pins[key[0]] = member
            if self.transport.send(member.identity, data):
                self.members.assign(member, key, item)
            else:
                member.credits = 0  # gone or its pipe is full: wait for its next DONE/READY
                waiting.append(item)
        if waiting:
            self.backlog.push_front(waiting)

    # ----- reporting -------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        total = self.stats.totals()
        now = time.monotonic()
        if now - self._rate.at >= 1.0:
            self._rate = _Rate(now, total.sent, (total.sent - self._rate.sent) / (now - self._rate.at))
        return {
            "state": self.state,
            "elapsed": round(self.stats.elapsed(), 3),
            "workers": [m.describe() for m in self.members.members.values()],
            "rate": round(self._rate.value, 1),
            "lag": round(max((t.lag for t, _ in self.timers), default=0.0), 3),
            "totals": asdict(total),
            "jobs": {"queued": len(self.backlog), "inflight": self.members.inflight(), "done": self.ledger.count,
                     **asdict(self.counts)},
            "dropped_messages": self.drops.dropped,
            "samples": self.stats.summary()["rows"],
        }

    def _print_status(self) -> None:
        stream = self.options.status_stream or sys.stderr
        stream.write(status_line(self.status()) + "\n")
        stream.flush()

    def summary(self) -> dict[str, Any]:
        data = self.stats.summary()
        data["workers"] = [m.describe() for m in self.members.members.values()]
        data["jobs"] = {"done": self.ledger.count, **asdict(self.counts)}
        data["dropped_messages"] = self.drops.dropped
        return data

    def write_summary(self, stream: TextIO) -> None:
        self.stats.write_summary(stream)
        lines = [f"{'worker':<28} {'host':<16} {'state':<8} {'jobs':>8} {'sent':>12} {'failed':>8} {'dup':>5}"]
        for m in self.members.members.values():
            d = m.describe()
            lines.append(f"{m.name[:28]:<28} {m.host[:16]:<16} {m.state:<8} {d['jobs']:>8,} {d['sent']:>12,} "
                         f"{d['failed']:>8,} {d['duplicates']:>5,}")
        c = self.counts
        lines.append(f"jobs: {self.ledger.count:,} done, {c.reissued:,} re-issued, {c.duplicates:,} duplicate "
                     f"completion(s) dropped, {c.failed_jobs:,} failed; {self.drops.dropped:,} bad message(s) dropped")
        stream.write("\n".join(lines) + "\n")
        stream.flush()


def status_line(status: dict[str, Any]) -> str:
    working = sum(1 for w in status["workers"] if w["state"] in (JOINED, LEAVING))
    t, j = status["totals"], status["jobs"]
    line = (f"cluster [{status['state']}]: {working} worker(s), {status['rate']:,.0f} events/s, "
            f"lag {status['lag']:.1f}s, {t['sent']:,} sent, {t['failed']:,} failed; jobs {j['queued']} queued, "
            f"{j['inflight']} in flight, {j['done']:,} done, {j['reissued']} re-issued")
    return line


def _stateful(sample) -> bool:
    name = sample.settings.get("generator")
    if not name or not registry.has("generator", name):
        return False
    return registry.get("generator", name).is_stateful(sample)


def _name(peer: bytes) -> str:
    return peer.decode("utf-8", "replace")[:64] or "?"
