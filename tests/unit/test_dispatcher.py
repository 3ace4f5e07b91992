"""The one dispatcher: backlog, capacity, pinning, acceptance and re-issue, driven without a transport."""

from __future__ import annotations

import threading
from collections import Counter

from eventgen.core.batch import GenerationJob
from eventgen.core.delta import JobDelta, Totals
from eventgen.run.accounting import Stats
from eventgen.run.dispatcher import LOST, Dispatcher


def job(sample: str, seq: int, count: int = 10) -> GenerationJob:
    return GenerationJob(sample, seq, count, 0.0, 0.0)


def delta(sample: str, count: int) -> JobDelta:
    counts = JobDelta()
    counts.made(sample, count)
    counts.delivered(sample, "devnull", count, 0, count * 5)
    return counts


def make(pinned: set[str] | None = None, backlog: int = 100) -> Dispatcher:
    return Dispatcher("run-1", Stats(), backlog, pinned or set(), threading.Event())


def test_each_peer_holds_at_most_its_capacity_and_the_least_loaded_goes_first() -> None:
    d = make()
    d.join("a", 2)
    d.join("b", 1)
    for seq in range(5):
        d.put(job("s", seq))
    sent = [(peer.id, j.seq) for peer, j in d.assign()]
    assert sent == [("a", 0), ("b", 1), ("a", 2)]
    assert d.queued() == 2 and d.inflight() == 3
    assert d.assign() == []  # nobody has room until a job is done


def test_a_done_counts_only_for_a_job_in_flight_to_that_peer_in_this_run() -> None:
    d = make()
    d.join("a", 2)
    d.join("b", 2)
    d.put(job("s", 0))
    ((peer, _),) = d.assign()
    assert peer.id == "a"
    assert not d.done("stranger", "run-1", ("s", 0), delta("s", 10**6), "")  # never joined
    assert not d.done("b", "run-1", ("s", 0), delta("s", 10), "")  # not in flight to b
    assert not d.done("a", "run-0", ("s", 0), delta("s", 10), "")  # a previous run
    assert d.done("a", "run-1", ("s", 0), delta("s", 10), "")
    assert not d.done("a", "run-1", ("s", 0), delta("s", 10), "")  # a repeated completion
    assert d.counts.refused == 4
    assert d.stats.totals() == Totals(generated=10, deliveries=10, sent=10, failed=0, bytes=50, resent=0, acked=0)


def test_a_lost_peers_jobs_go_first_and_a_rejoining_peer_gets_its_full_capacity() -> None:
    d = make()
    d.join("a", 2)
    for seq in range(3):
        d.put(job("s", seq))
    assert [j.seq for _, j in d.assign()] == [0, 1]
    assert d.gone("a", LOST, "silent") == 2
    assert d.counts.reissued == 2 and d.counts.reissued_events == 20
    assert [j.seq for j in d.backlog] == [0, 1, 2]  # re-issued jobs first, in job order
    d.join("a", 2)  # the same worker says HELLO again: no credit was lost
    assert [j.seq for _, j in d.assign()] == [0, 1]
    assert not d.done("a", "run-1", ("s", 5), delta("s", 10), "")


def test_a_stateful_sample_is_pinned_to_one_peer_and_moves_only_when_that_peer_is_gone() -> None:
    d = make(pinned={"state"})
    d.join("a", 1)
    d.join("b", 4)
    for seq in range(3):
        d.put(job("state", seq))
    d.put(job("free", 0))
    first = d.assign()
    assert [(p.id, j.sample, j.seq) for p, j in first] == [("a", "state", 0), ("b", "free", 0)]
    assert [j.seq for j in d.backlog] == [1, 2]  # they wait for their peer, in order
    d.done("a", "run-1", ("state", 0), delta("state", 10), "")
    assert [(p.id, j.seq) for p, j in d.assign()] == [("a", 1)]
    d.gone("a")
    assert {(p.id, j.seq) for p, j in d.assign()} == {("b", 1), ("b", 2)}


def test_returned_jobs_are_not_reissued_and_leftovers_are_counted_as_dropped() -> None:
    d = make()
    d.join("a", 3)
    for seq in range(4):
        d.put(job("s", seq))
    d.assign()
    d.leaving("a", [("s", 1), ("s", 2)])
    assert [j.seq for j in d.backlog] == [1, 2, 3] and d.counts.reissued == 0
    assert d.assign() == []  # a leaving peer takes no more
    assert d.drop_rest() == (4, 40)


def test_a_full_backlog_blocks_the_feeder_until_the_run_stops() -> None:
    d = make(backlog=2)
    assert d.put(job("s", 0)) and d.put(job("s", 1))
    result: list[bool] = []
    feeder = threading.Thread(target=lambda: result.append(d.put(job("s", 2))))
    feeder.start()
    feeder.join(0.3)
    assert feeder.is_alive()  # backpressure
    d.stop.set()
    feeder.join(2)
    assert result == [False] and d.queued() == 2


def test_a_backlog_no_worker_could_take_is_caught_up_at_the_bounded_rate_never_burst() -> None:
    """Jobs due every 0.1 s; nobody takes any for 3 s, then a worker with room for all joins. The late joiner
    gets 1.25 x the schedule's rate (the default catch-up) until the clock is the present, then the schedule."""
    d = make(backlog=1000)
    released: dict[int, float] = {}
    due = [seq / 10 for seq in range(200)]  # 10 jobs/s over 20 s
    queued = 0
    for step in range(2001):
        now = step / 100
        while queued < len(due) and due[queued] <= now:
            d.put(job("s", queued), due[queued])
            queued += 1
        if now == 3.0:
            assert d.behind(now) == 3.0 and d.queued() == 31  # stopped at the first waiting job
            d.join("late", 1000)
        for _, sent in d.assign(now):
            released[sent.seq] = now
            d.done("late", "run-1", ("s", sent.seq), delta("s", 10), "")
    assert sorted(released) == list(range(200))  # every job, once
    per_second = Counter(int(at) for at in released.values())
    assert max(per_second.values()) <= 13, per_second  # 12.5 jobs/s at most, one at a bin's edge
    assert per_second[3] >= 12  # catching up, not idling
    assert all(released[seq] - due[seq] < 0.02 for seq in range(160, 200))  # caught up by 15 s: on time again
    assert d.behind(20.0) == 0.0


def test_returned_and_backfill_jobs_are_not_held_by_the_catch_up_clock() -> None:
    d = make()
    d.put(job("s", 0), 0.0)  # paced, due at 0: waits with no worker
    d.put(job("s", 1))  # at once (backfill): no due time
    assert d.assign(10.0) == [] and d.behind(10.0) == 10.0
    d.join("a", 4)
    assert [j.seq for _, j in d.assign(10.0)] == [0, 1]  # the held one is due at the clock; backfill never held
    d.leaving("a", [("s", 0), ("s", 1)])
    d.join("b", 4)
    assert [j.seq for _, j in d.assign(10.0)] == [0, 1]  # given back: out again at once, whatever the clock
    assert d.policy().catchup == 1.25


def test_a_shed_backlog_is_owed_no_more_and_the_next_job_leaves_when_due() -> None:
    """The knee search's forgive: the queued jobs are dropped and counted as dropped, and the sample's catch-up
    clock is the present again, so the next job leaves when it is due, not after a catch-up of what was dropped
    (which starved the output and let the buffers it had filled drain before the next hold)."""
    d = make(backlog=1000)
    for seq in range(30):
        d.put(job("s", seq), seq / 10)
    assert d.assign(3.0) == [] and d.behind(3.0) == 3.0  # nobody to take them: 3 s behind
    assert d.shed(3.0) == (30, 300) and (d.counts.dropped, d.counts.dropped_events) == (30, 300)
    assert d.behind(3.0) == 0.0 and d.queued() == 0
    d.join("a", 4)
    d.put(job("s", 30), 3.05)
    assert [j.seq for _, j in d.assign(3.05)] == [30]
