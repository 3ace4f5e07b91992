"""The dispatcher: one implementation of backlog, credits, pinning, re-issue, drain and acceptance.

Thread, process and cluster modes differ only in the transport under it. Planned jobs wait in a
bounded backlog (a full backlog blocks the feeders: backpressure). A peer (a worker thread, process
or remote worker) holds at most `capacity` jobs; each job in flight is recorded against exactly one
peer. A completion counts only when it names this run and a job in flight to that peer, and its counts fit
that job (`admission`); everything else is refused and counted, so a stranger, a previous run, a lost or a
lying worker cannot change the summary. A lost peer's jobs, and a job whose counts did not fit, go back to the
front of the backlog (re-issued: delivery is at-least-once, and the summary counts re-issued jobs). Stateful
samples are pinned to one peer.

Live runs catch up a backlog at a bounded rate (`catchup.py`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Hashable

from eventgen.core.batch import GenerationJob
from eventgen.core.delta import JobDelta
from eventgen.rpc.events import JobKey
from eventgen.run.accounting import Stats
from eventgen.run.admission import SampleShape, misfit
from eventgen.run.catchup import CATCHUP, CatchUp
from eventgen.run.peer import FAILED, LEAVING, LEFT, LOST, WORKING, Peer, load, peer_text
from eventgen.run.summary import JobCounts, Notes, Policy

__all__ = ["CATCHUP", "FAILED", "LEAVING", "LEFT", "LOST", "WORKING", "Dispatcher", "Peer"]

log = logging.getLogger(__name__)

MISFITS = 3  # completions of one job refused for counts that do not fit it before the job is given up as failed


class Dispatcher:
    """`put` is called by feeder threads; every other method by the one engine loop."""

    def __init__(
        self,
        run_id: str,
        stats: Stats,
        backlog: int,
        pinned: set[str] | dict[str, int],
        stop: threading.Event,
        catchup: float = CATCHUP,
        shapes: dict[str, SampleShape] | None = None,
        notes: Notes | None = None,
    ):
        self.run_id = run_id
        self.shapes = shapes or {}  # what a completion of each sample's job may claim (admission)
        self.catchup = CatchUp(catchup)
        self.due: dict[JobKey, float] = {}  # paced jobs in the backlog: monotonic due time
        self._blocked: dict[str, float] = {}  # sample → due time of the job its feeder waits to queue
        self.stats = stats
        self.notes = notes or Notes()
        self.limit = max(1, backlog)
        # stateful samples → their state lanes (GeneratorPlugin.state_lanes): each lane is pinned on its own
        self.pinned = dict(pinned) if isinstance(pinned, dict) else dict.fromkeys(pinned, 1)
        self.stop = stop
        self.backlog: deque[GenerationJob] = deque()
        self.ended: set[str] = set()  # samples whose generator has nothing more to make
        self.peers: dict[Hashable, Peer] = {}
        self.pins: dict[Hashable, Hashable] = {}  # sample, or (sample, lane) with lanes → its peer
        self.counts = JobCounts()
        self._cond = threading.Condition()
        self._dispatches = 0
        self._refusals_logged: set[tuple[str, str]] = set()
        self._shunned: dict[JobKey, Hashable] = {}  # a job refused for its counts: not to that peer again
        self._misfits: dict[JobKey, int] = {}  # how often each job's counts were refused

    # ----- feeders ----------------------------------------------------------------------------

    def put(self, job: GenerationJob, due: float | None = None) -> bool:
        """Queue a job (`due`: the monotonic time a paced job is due), blocking while the backlog is full;
        False once the run is stopping. (The caller wakes the engine loop: `Engine.queue`.)"""
        with self._cond:
            if due is not None and len(self.backlog) >= self.limit:
                self._blocked[job.sample] = due  # waits outside the backlog: its clock must wait for it too
            while len(self.backlog) >= self.limit and not self.stop.is_set():
                self._cond.wait(0.2)
            self._blocked.pop(job.sample, None)
            if self.stop.is_set():
                return False
            if job.sample in self.ended:
                return True  # the sample was ended (`end_sample`): nothing more of it is made
            if due is not None:
                self.due[(job.sample, job.seq)] = due
            self.backlog.append(job)
        return True

    # ----- peers ------------------------------------------------------------------------------

    def join(self, peer_id: Hashable, capacity: int, name: str = "", host: str = "") -> Peer:
        """A peer starts (or starts again) taking jobs; a rejoining peer keeps its counters."""
        old = self.peers.get(peer_id)
        if old is not None and old.alive:
            old.capacity = max(1, capacity)
            old.state = WORKING
            return old
        peer = Peer(peer_id, name or str(peer_id), max(1, capacity), host)
        if old is not None:
            peer.counts, peer.jobs_done, peer.refused = old.counts, old.jobs_done, old.refused
        self.peers[peer_id] = peer
        return peer

    def leaving(self, peer_id: Hashable, returned: list[JobKey]) -> None:
        """A peer stops taking jobs and gives back the ones it had not begun."""
        peer = self.peers.get(peer_id)
        if peer is None:
            return
        peer.state = LEAVING if peer.alive else peer.state
        jobs = [job for key in returned if (job := peer.inflight.pop(key, None)) is not None]
        self.counts.returned += len(jobs)  # given back unstarted: reassigned, never re-issued after loss
        self._requeue(jobs)

    def gone(self, peer_id: Hashable, state: str = LEFT, reason: str = "") -> int:
        """A peer left or was lost: its jobs in flight are re-issued. Returns how many."""
        peer = self.peers.get(peer_id)
        if peer is None or not peer.alive:
            return 0
        peer.state = state
        jobs = [peer.inflight[key] for key in sorted(peer.inflight)]
        peer.inflight.clear()
        for pin, pinned in list(self.pins.items()):
            if pinned == peer_id:
                del self.pins[pin]
                if jobs or not self.stop.is_set():
                    where = f"{pin[0]} (state lane {pin[1]})" if isinstance(pin, tuple) else pin
                    log.warning(
                        "sample %s: its worker %s is gone; its state starts afresh on another", where, peer.name
                    )
        if jobs:
            self.counts.reissued += len(jobs)
            self.counts.reissued_events += self.stats.reissue((j.sample, j.count) for j in jobs)
            log.warning(
                "worker %s %s%s: re-issuing its %d job(s) in flight",
                peer.name,
                state,
                f" ({reason})" if reason else "",
                len(jobs),
            )
        self._requeue(jobs)
        return len(jobs)

    def working(self) -> list[Peer]:
        return [p for p in self.peers.values() if p.alive]

    # ----- jobs -------------------------------------------------------------------------------

    def assign(self, now: float | None = None) -> list[tuple[Peer, GenerationJob]]:
        """Jobs to send now: oldest first, each to the least loaded peer with room (its pin if stateful),
        a paced job only once its sample's catch-up clock has reached its due time."""
        out: list[tuple[Peer, GenerationJob]] = []
        now = time.monotonic() if now is None else now
        self.catchup.advance(now)
        if not self.backlog:
            return out
        ready = [p for p in self.peers.values() if p.free > 0]
        if not ready:
            self._hold(now)
            return out
        kept: list[GenerationJob] = []
        with self._cond:
            while self.backlog and ready:
                job = self.backlog.popleft()
                due = self.due.get((job.sample, job.seq))
                if due is not None and due > self.catchup.gate(job.sample, now).clock:
                    kept.append(job)  # not yet: its sample's clock has not reached it
                    if len(kept) > 4 * self.limit:
                        break
                    continue
                peer = self._peer_for(job, ready)
                if peer is None:
                    kept.append(job)
                    if len(kept) > 4 * self.limit:
                        break
                    continue
                self._dispatches += 1
                peer.order = self._dispatches
                self.due.pop((job.sample, job.seq), None)
                peer.inflight[(job.sample, job.seq)] = job
                out.append((peer, job))
                if peer.free <= 0:
                    ready.remove(peer)
            self.backlog.extendleft(reversed(kept))
            self._cond.notify_all()
        self._hold(now)
        return out

    # ----- catch-up --------------------------------------------------------------------------

    def _hold(self, now: float) -> None:
        """Each sample's clock stops at the due time of its first job that is due but still waiting (for room)."""
        with self._cond:
            waiting = dict(self._blocked)
            for job in self.backlog:
                due = self.due.get((job.sample, job.seq))
                if due is not None:
                    waiting[job.sample] = min(due, waiting.get(job.sample, due))
        self.catchup.hold(now, waiting)

    def behind(self, now: float | None = None) -> float:
        """Seconds the furthest-behind sample's catch-up clock trails the present (0 when caught up)."""
        return self.catchup.behind(now)

    def policy(self) -> Policy:
        """The catch-up policy and where it stands, for status and the summary."""
        return self.catchup.policy()

    def _peer_for(self, job: GenerationJob, ready: list[Peer]) -> Peer | None:
        key = (job.sample, job.seq)
        pin = self._pin(job)
        if pin is not None:
            pinned = self.pins.get(pin)
            if pinned is not None:
                peer = self.peers.get(pinned)
                if peer is not None and peer.alive:
                    return peer if peer in ready else None
            working = self._others(key, [p for p in self.peers.values() if p.state == WORKING])
            choice = min(working, key=load, default=None)
            if choice is None:
                return None
            self.pins[pin] = choice.id
            return choice if choice in ready else None
        return min(self._others(key, ready), key=load, default=None)

    def _pin(self, job: GenerationJob) -> Hashable | None:
        """What a stateful job is pinned by: its sample, or (sample, lane) when the sample has state lanes."""
        lanes = self.pinned.get(job.sample)
        if lanes is None:
            return None
        return job.sample if lanes == 1 else (job.sample, job.seq % lanes)

    def _others(self, key: JobKey, peers: list[Peer]) -> list[Peer]:
        """`peers` but the one whose counts for this job were refused, while another is working."""
        shunned = self._shunned.get(key)
        if shunned is None or not any(p.state == WORKING and p.id != shunned for p in self.peers.values()):
            return peers
        return [p for p in peers if p.id != shunned]

    def unassign(self, peer: Peer, job: GenerationJob) -> None:
        """A send that did not go through: the job goes back to the front."""
        if peer.inflight.pop((job.sample, job.seq), None) is not None:
            self._requeue([job])

    def done(
        self, peer_id: Hashable, run_id: str, key: JobKey, delta: JobDelta, error: str, unreadable: str = ""
    ) -> bool:
        """A completion: merged when it is this run's, the job is in flight to that peer and its counts fit the
        job (`admission.misfit`); else refused. Counts that do not fit (or could not be read: `unreadable`)
        re-issue the job."""
        peer = self.peers.get(peer_id)
        if run_id != self.run_id:
            return self._refuse(peer_id, peer, "run", "it is not from this run")
        if peer is None:
            return self._refuse(peer_id, peer, "peer", "the peer never joined")
        job = peer.inflight.pop(key, None)
        if job is None:
            return self._refuse(peer_id, peer, "job", f"job {key[0]}#{key[1]} is not in flight to it")
        why = unreadable or misfit(job, delta, error, self.shapes.get(job.sample))
        if why:
            self._refuse(peer_id, peer, "counts", f"its counts do not fit job {key[0]}#{key[1]}: {why}")
            self._redo(peer, job, why)
            return False
        self._shunned.pop(key, None)
        self._misfits.pop(key, None)
        self.stats.merge(delta)
        peer.counts.add(delta)
        peer.jobs_done += 1
        if error:
            self.counts.failed += 1
            self.counts.failed_events += job.count
            if self.notes.add(f"sample {key[0]}: generator failed: {error}"):
                log.error("sample %s: generator failed: %s", key[0], error)
        return True

    def _redo(self, peer: Peer, job: GenerationJob, why: str) -> None:
        """A job whose completion was refused for its counts: re-issued (to another peer, where one works), or
        given up as failed once its completions were refused MISFITS times."""
        key = (job.sample, job.seq)
        tries = self._misfits[key] = self._misfits.get(key, 0) + 1
        if tries >= MISFITS:
            del self._misfits[key]
            self._shunned.pop(key, None)
            self.counts.failed += 1
            self.counts.failed_events += self._given_up(job, why)
            if self.notes.add(
                f"sample {job.sample}: job(s) whose counts were refused {MISFITS} times were given up as failed"
            ):
                log.error("sample %s: job #%d given up: its counts were refused %d times (%s)", *key, tries, why)
            return
        self._shunned[key] = peer.id
        pin = self._pin(job)
        if pin is not None and self.pins.get(pin) == peer.id:
            del self.pins[pin]  # a stateful sample (lane) moves too: its state starts afresh on another
        self.counts.reissued += 1
        self.counts.reissued_events += self.stats.reissue([(job.sample, job.count)])
        self._requeue([job])

    def _given_up(self, job: GenerationJob, why: str) -> int:
        """A job given up as failed: its events show failed in its sample's rows, as a failed generator's do."""
        shape = self.shapes.get(job.sample)
        delta = JobDelta()
        delta.job_failed(job.sample, job.count, sorted(shape.outputs) if shape else (), f"counts refused: {why}")
        self.stats.merge(delta, jobs=0)
        return job.count

    def _refuse(self, peer_id: Hashable, peer: Peer | None, category: str, why: str) -> bool:
        self.counts.refused += 1
        if peer is not None:
            peer.refused += 1
        name = peer.name if peer is not None else peer_text(peer_id)
        if (name, category) not in self._refusals_logged:
            self._refusals_logged.add((name, category))
            log.warning("refused a completion from %s: %s (counted as refused; logged once)", name, why)
        return False

    def _requeue(self, jobs: list[GenerationJob]) -> None:
        if not jobs:
            return
        with self._cond:
            self.backlog.extendleft(reversed(jobs))

    # ----- state ------------------------------------------------------------------------------

    def queued(self) -> int:
        return len(self.backlog)

    def inflight(self) -> int:
        return sum(len(p.inflight) for p in self.peers.values())

    def holds(self, peer_id: Hashable) -> bool:
        """Whether that peer holds a job of this run."""
        peer = self.peers.get(peer_id)
        return peer is not None and bool(peer.inflight)

    def idle(self) -> bool:
        return not self.backlog and not self.inflight()

    def end_sample(self, sample: str) -> tuple[int, int]:
        """A sample whose generator has nothing more to make: its queued jobs are removed and later ones refused
        (not made, never generated); (jobs, events) removed."""
        with self._cond:
            self.ended.add(sample)
            gone = [j for j in self.backlog if j.sample == sample]
            if gone:
                self.backlog = deque(j for j in self.backlog if j.sample != sample)
                for job in gone:
                    self.due.pop((job.sample, job.seq), None)
            self._cond.notify_all()
        return len(gone), sum(j.count for j in gone)

    def shed(self, now: float | None = None) -> tuple[int, int]:
        """Drop the jobs queued and not yet sent (`RateControl.forgive`): counted as dropped, never generated. The
        samples owe nothing now, so their catch-up clocks are the present again: jobs due from here on leave when
        due, not after a catch-up of the backlog that was dropped."""
        with self._cond:
            jobs = list(self.backlog)
            self.backlog.clear()
            self.due.clear()
            self._cond.notify_all()
        self._hold(time.monotonic() if now is None else now)
        self.counts.dropped += len(jobs)
        self.counts.dropped_events += sum(j.count for j in jobs)
        return len(jobs), sum(j.count for j in jobs)

    def drop_rest(self) -> tuple[int, int]:
        """Give up on what is queued and in flight (drain deadline): counted as dropped, never generated."""
        with self._cond:
            jobs = list(self.backlog)
            self.backlog.clear()
            self.due.clear()
            self._cond.notify_all()
        for peer in self.peers.values():
            jobs += peer.inflight.values()
            peer.inflight.clear()
        self.counts.dropped += len(jobs)
        self.counts.dropped_events += sum(j.count for j in jobs)
        return len(jobs), sum(j.count for j in jobs)
