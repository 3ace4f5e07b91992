"""Distributed mode without sockets: protocol, liveness, ledger, and controller/worker over the in-memory transport."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import msgpack
import numpy as np
import pytest

from eventgen.cluster import bundle as bundles
from eventgen.cluster.controller import Controller
from eventgen.cluster.worker import Worker, WorkerOptions
from eventgen.core.batch import GenerationJob
from eventgen.core.delta import JobDelta
from eventgen.resolve.loader import load
from eventgen.rpc.memory import MemoryClient, MemoryHub
from eventgen.rpc.protocol import PROTOCOL_VERSION, MsgType, ProtocolError, decode, encode, job_key
from eventgen.rpc.sockets import is_loopback
from eventgen.run.engine import Engine
from eventgen.run.summary import RunSummary
from eventgen.run.wire import RunOptions, wire
from tests.conftest import write_conf


def test_protocol_round_trip_keeps_a_job_with_timestamps() -> None:
    job = GenerationJob("s.log", 7, 3, 10.0, 20.0, offset=21, seed=5, timestamps=np.array([10.0, 11.5, 19.0]))
    message = decode(encode(MsgType.JOB, run="r1", job=job.to_wire()))
    assert message.type is MsgType.JOB
    back = GenerationJob.from_wire(message["job"])
    assert (back.sample, back.seq, back.count, back.offset, back.seed) == ("s.log", 7, 3, 21, 5)
    assert back.timestamps.tolist() == [10.0, 11.5, 19.0]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xc1", "not msgpack"),
        (msgpack.packb([1, 2]), "expected a map"),
        (msgpack.packb({"v": PROTOCOL_VERSION + 1, "type": "heartbeat", "inflight": 1}), "protocol version"),
        (msgpack.packb({"type": "heartbeat", "inflight": 1}), "protocol version None"),
        (msgpack.packb({"v": PROTOCOL_VERSION, "type": "launch"}), "unknown message type"),
        (msgpack.packb({"v": PROTOCOL_VERSION, "type": "heartbeat"}), "field 'inflight' missing"),
        (
            msgpack.packb({"v": PROTOCOL_VERSION, "type": "heartbeat", "inflight": True}),
            "field 'inflight' missing or not int",
        ),
        (msgpack.packb({"v": PROTOCOL_VERSION, "type": "heartbeat", "inflight": "3"}), "not int"),
    ],
)
def test_decode_rejects_what_is_not_a_valid_message(data: bytes, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        decode(data)


def test_encode_checks_fields_and_job_keys_are_validated() -> None:
    with pytest.raises(ProtocolError, match="heartbeat: field 'inflight'"):
        encode(MsgType.HEARTBEAT)
    assert job_key(["a", 3]) == ("a", 3)
    for bad in ("a", ["a"], ["a", "3"], [1, 3], ["a", True]):
        with pytest.raises(ProtocolError, match="bad job key"):
            job_key(bad)


def test_loopback_addresses() -> None:
    assert is_loopback("tcp://127.0.0.1:5555")
    assert is_loopback("tcp://localhost:5555")
    assert is_loopback("tcp://[::1]:5555")
    assert is_loopback("ipc:///tmp/x")
    assert not is_loopback("tcp://0.0.0.0:5555")
    assert not is_loopback("tcp://*:5555")
    assert not is_loopback("tcp://10.1.2.3:5555")


def _conf(folder: Path, extra: str) -> Path:
    (folder / "s.log").write_text("id=@@ID\n", encoding="utf-8")
    return write_conf(
        folder,
        f"""
        [s.log]
        sampleDir = .
        outputMode = devnull
        earliest = -1s
        token.0.token = @@ID
        token.0.replacementType = integerid
        token.0.replacement = 0
        {extra}
        """,
    )


class _Run:
    """A controller's run on its own thread; `summary()` once it ended (with the controller's part)."""

    def __init__(self, conf: Path, hub: MemoryHub, heartbeat: float, liveness: int):
        config = load(conf)
        self.controller = Controller(hub.server(), bundles.build(config, {}, None), heartbeat, liveness)
        self.engine: Engine = wire(
            config, RunOptions(seed=1, status_interval=0, drain_seconds=5), self.controller.transport
        )
        self.result: list[RunSummary] = []
        self.thread = threading.Thread(target=lambda: self.result.append(self.engine.execute()), daemon=True)
        self.thread.start()

    def summary(self) -> RunSummary:
        self.thread.join(30)
        (summary,) = self.result
        return self.controller.summarize(summary)


def _controller(conf: Path, hub: MemoryHub, heartbeat: float = 1.0, liveness: int = 3) -> _Run:
    return _Run(conf, hub, heartbeat, liveness)


def _recv(client: MemoryClient, kind: MsgType, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        envelope = client.recv(0.05)
        if envelope is None:
            continue
        message = decode(envelope.data)
        if message.type is kind:
            return message
        assert message.type is MsgType.HEARTBEAT, message
    raise AssertionError(f"no {kind.value}")


def _hello(client: MemoryClient, name: str, capacity: int) -> str:
    client.send(encode(MsgType.HELLO, name=name, version="test", capacity=capacity, host="h", pid=1, bundle=""))
    run = _recv(client, MsgType.WELCOME)["run"]
    client.send(encode(MsgType.HEARTBEAT, inflight=0))  # its first word after WELCOME: it takes jobs from now on
    return run


def _done(client: MemoryClient, run: str, job: dict) -> None:
    delta = {
        "generated": [[job["sample"], job["count"]]],
        "rows": [[job["sample"], "devnull", job["count"], 0, 10]],
        "errors": {},
    }
    client.send(encode(MsgType.DONE, run=run, key=[job["sample"], job["seq"]], stats=delta, error="", payloads=[]))


def test_controller_reissues_a_lost_workers_jobs_and_refuses_what_is_not_in_flight(tmp_path: Path) -> None:
    hub = MemoryHub()
    ctl = _controller(
        _conf(tmp_path, "count = 10\nend = 4\njobSize = 5\ntimeMode = sample"), hub, heartbeat=0.05, liveness=2
    )
    flaky = hub.client(b"flaky")
    run = _hello(flaky, "flaky", 3)
    jobs = [_recv(flaky, MsgType.JOB)["job"] for _ in range(3)]
    flaky.close()  # it dies (nothing more reaches it) ...
    _done(flaky, run, jobs[0])  # ... after its last words: one job done,
    _done(flaky, run, jobs[0])  # and repeated: refused, never counted twice; two jobs are left in flight
    _done(flaky, "another-run", jobs[1])  # a previous run's completion: refused

    steady = hub.client(b"steady")
    _hello(steady, "steady", 1)
    while True:
        envelope = steady.recv(0.02)
        if envelope is None:
            steady.send(encode(MsgType.HEARTBEAT, inflight=0))
            continue
        message = decode(envelope.data)
        if message.type is MsgType.QUIT:
            break
        if message.type is MsgType.JOB:
            _done(steady, message["run"], message["job"])
    steady.send(encode(MsgType.BYE, returned=[], final=True))

    summary = ctl.summary()
    assert summary.total.generated == summary.total.sent == 40
    assert summary.jobs_done == 8
    assert summary.jobs.refused == 2
    assert summary.jobs.reissued == 2
    peers = {w.name: w for w in summary.workers}
    assert peers["flaky"].state == "lost" and peers["flaky"].jobs == 1 and peers["flaky"].refused == 2
    assert peers["steady"].jobs == 7


def test_controller_drops_garbage_and_a_strangers_done_changes_nothing(tmp_path: Path) -> None:
    hub = MemoryHub()
    ctl = _controller(_conf(tmp_path, "count = 1\nend = 1"), hub)
    stranger = hub.client(b"stranger")
    stranger.send(b"\xc1junk")
    _done(stranger, ctl.engine.run_id, {"sample": "s.log", "seq": 0, "count": 1_000_000})
    assert _recv(stranger, MsgType.RESET)["reason"].startswith("unknown worker")
    stranger.send(encode(MsgType.STATUS))
    status = _recv(stranger, MsgType.STATUS_REPLY)["status"]
    assert status["workers"] == [] and status["jobs"]["refused"] == 1 and status["totals"]["sent"] == 0
    ctl.engine.stop()
    assert ctl.summary().total.sent == 0


def test_in_memory_cluster_of_real_workers_is_exact(tmp_path: Path) -> None:
    hub = MemoryHub()
    ctl = _controller(_conf(tmp_path, "count = 100\nend = 30\njobSize = 40\ntimeMode = sample"), hub)
    workers = [Worker(hub.client(f"w{i}".encode()), WorkerOptions(name=f"w{i}", capacity=2)) for i in range(2)]
    runs = [threading.Thread(target=w.run, daemon=True) for w in workers]
    for run in runs:
        run.start()
    summary = ctl.summary()
    for run in runs:
        run.join(10)
    assert summary.total.generated == summary.total.sent == 3000
    assert summary.jobs_done == 90  # 30 intervals of jobs of 40, 40 and 20
    assert summary.jobs.refused == 0
    assert sum(w.jobs for w in summary.workers) == 90
    assert [w.quit_reason for w in workers] == ["run finished", "run finished"]


def test_bundle_ships_referenced_files_and_unpacks_them_safely(tmp_path: Path) -> None:
    conf_dir = tmp_path / "app" / "default"
    (tmp_path / "app" / "samples").mkdir(parents=True)
    conf_dir.mkdir()
    (tmp_path / "app" / "samples" / "web.log").write_text("user=@@U\n", encoding="utf-8")
    (conf_dir / "users.txt").write_text("alice\nbob\n", encoding="utf-8")
    (tmp_path / "app" / "unrelated.txt").write_text("not shipped\n", encoding="utf-8")
    conf = write_conf(
        conf_dir,
        """
        [web.log]
        outputMode = file
        fileName = out-{worker}.log
        token.0.token = @@U
        token.0.replacementType = file
        token.0.replacement = users.txt
        """,
    )
    bundle = bundles.build(load(conf), {"count": "7"}, None)
    assert bundle["conf"] == "default/eventgen.conf"
    assert sorted(bundle["files"]) == ["default/eventgen.conf", "default/users.txt", "samples/web.log"]
    config = bundles.load_bundle(bundle, tmp_path / "worker", "w1")
    (sample,) = config.samples
    assert sample.settings["fileName"] == "out-w1.log"
    assert sample.settings["count"] == 7
    assert sample.path == (tmp_path / "worker" / "samples" / "web.log").resolve()
    for bad in ("../escape.txt", "/etc/passwd"):
        with pytest.raises(bundles.BundleError, match="leaves the bundle folder"):
            bundles.unpack({"conf": "x.conf", "files": {bad: b""}}, tmp_path / "evil")


def test_a_worker_hands_an_earlier_runs_counts_to_its_next_controller_which_keeps_them_apart(
    tmp_path: Path,
) -> None:
    hub = MemoryHub()
    ctl = _controller(_conf(tmp_path, "count = 100\nend = 3\njobSize = 50\ntimeMode = sample"), hub)
    worker = Worker(hub.client(b"w0"), WorkerOptions(name="w0", capacity=2))
    dead = {"generated": [["s.log", 500]], "rows": [["s.log", "devnull", 480, 20, 5000]], "errors": {}}
    worker.ledger.add("dead-run", JobDelta.from_wire(dead))  # finished for a controller that died before its summary
    liar = hub.client(b"liar")
    _hello(liar, "liar", 1)
    forged = {"generated": [["s.log", 10]], "rows": [["s.log", "devnull", 10**6, 0, 5]], "errors": {}}
    liar.send(encode(MsgType.HANDOVER, run="other-run", jobs=1, stats=forged))  # rows that do not add up
    liar.send(encode(MsgType.BYE, returned=[], final=True))
    worker.run()

    summary = ctl.summary()
    assert summary.total.generated == summary.total.sent == 300  # this run's own rows only
    assert summary.cluster is not None
    (record,) = summary.cluster.earlier_runs
    assert (record.run, record.worker, record.jobs, record.generated) == ("dead-run", "w0", 1, 500)
    assert [(r.output, r.sent, r.failed, r.bytes) for r in record.rows] == [("devnull", 480, 20, 5000)]
    assert summary.cluster.dropped_messages == 1  # the forged handover
    assert worker.ledger.runs == {}  # taken (TAKEN), and its own run settled by QUIT


def test_a_ledger_forgets_a_run_only_once_a_summary_holds_it() -> None:
    from eventgen.cluster.ledger import Ledger

    ledger = Ledger()
    one = JobDelta.from_wire({"generated": [["s.log", 10]], "rows": [["s.log", "file", 10, 0, 100]], "errors": {}})
    for _ in range(3):
        ledger.add("A", one)
    ledger.add("B", one)
    assert [(run, c.jobs, c.describe()) for run, c in ledger.earlier("B")] == [
        ("A", 3, "3 job(s), 30 events made, 30 sent to file (0 failed)")
    ]
    ledger.taken("A", "B")  # B's controller took A's counts ...
    assert ledger.earlier("B") == []
    assert [run for run, _ in ledger.earlier("C")] == ["A", "B"]  # ... and died: both go to the next one
    ledger.settle("B")  # B ended with a summary: it holds its own counts and A's
    assert ledger.runs == {}
