"""The engine without sockets or subprocesses: a run wired by `wire()` over threads writes every event once to an
output that records what it is given; the worker protocol's two ends (a worker session and the host) talk over
the in-memory hub while a peer lies about its counts and another is lost; the one job loop gives back the jobs it
had not begun. Counts are exact."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from eventgen.core.batch import GenerationJob
from eventgen.core.delta import Counts, DeltaError, JobDelta, Totals
from eventgen.resolve.loader import RunConfig, load
from eventgen.rpc.events import Done, JobReport, Joined, Leaving
from eventgen.rpc.host import PeerHost
from eventgen.rpc.memory import MemoryClient, MemoryHub
from eventgen.rpc.protocol import MsgType, decode, encode
from eventgen.rpc.session import Runner, Session, WorkerOptions
from eventgen.run.engine import Engine
from eventgen.run.jobloop import WorkerRunner
from eventgen.run.needs import Needs
from eventgen.run.report import status_reply, to_json
from eventgen.run.summary import RunSummary
from eventgen.run.threads import ThreadTransport
from eventgen.run.wire import RunOptions, wire
from tests.conftest import write_conf

RECORDER = """
from eventgen.plugin import OutputPlugin


class Recorder(OutputPlugin):
    name = "recorder"
    summary = "Keeps what it is given (tests)."

    def write(self, payload):
        self.__dict__.setdefault("kept", []).append((payload.sample, payload.seq, bytes(payload.data)))
"""


def conf(folder: Path, schedule: list[str], outputs: str = "recorder, devnull", engine: list[str] = ()) -> RunConfig:
    """One sample `ids` of events `id=0`, `id=1`, ... (one id per event of the plan), to `outputs`."""
    (folder / "ids").write_text("id=@@ID\n")
    (folder / "plugins" / "output").mkdir(parents=True, exist_ok=True)
    (folder / "plugins" / "output" / "recorder.py").write_text(RECORDER)
    lines = ["[global]", "pluginDir = plugins", *engine, "", "[ids]", "sampleDir = .", f"outputMode = {outputs}"]
    lines += ["timeMode = sample", *schedule, "token.0.token = @@ID", "token.0.replacementType = integerid"]
    lines += ["token.0.replacement = 0"]
    return load(write_conf(folder, "\n".join(lines) + "\n"))


def recorded(engine: Engine) -> list[tuple[str, int, bytes]]:
    assert engine.outputs is not None
    (recorder,) = [o for o in engine.outputs.all() if o.label == "recorder"]
    return recorder.__dict__.get("kept", [])


# ----- a run over threads, through wire() ---------------------------------------------------------


@pytest.mark.parametrize("settings", [["generatorWorkers = 3"], ["useOutputQueue = true", "outputWorkers = 2"]])
def test_a_run_over_threads_writes_every_event_once_and_counts_it_exactly(tmp_path: Path, settings) -> None:
    config = conf(tmp_path, ["count = 25", "end = 4", "jobSize = 10"], engine=settings)
    engine = wire(config, RunOptions(seed=1, status_interval=0))
    summary = engine.execute()

    kept = recorded(engine)
    assert sorted(seq for _, seq, _ in kept) == list(range(12))  # 4 intervals of jobs of 10, 10 and 5: one write each
    lines = b"".join(data for _, _, data in kept).decode().splitlines()
    assert sorted(lines) == sorted(f"id={i}" for i in range(100))  # every event, once
    size = sum(len(data) for _, _, data in kept)
    assert summary.total == Totals(generated=100, deliveries=200, sent=200, failed=0, bytes=2 * size)
    assert [(r.output, r.generated, r.sent, r.failed, r.bytes) for r in summary.rows] == [
        ("devnull", 100, 100, 0, size),
        ("recorder", 100, 100, 0, size),
    ]
    assert summary.jobs_done == 12 and summary.jobs.reissued == summary.jobs.refused == 0
    assert not summary.failed and not summary.incomplete and summary.state == "finished"
    assert sum(w.jobs for w in summary.workers) == 12
    data = to_json(summary)
    assert data["total"]["sent"] == 200 and data["jobs"] == {"done": 12}


def test_a_run_stopped_before_it_starts_makes_nothing_and_says_it_was_interrupted(tmp_path: Path) -> None:
    engine = wire(conf(tmp_path, ["count = 10", "end = 5"]), RunOptions(seed=1, status_interval=0))
    engine.stop()
    summary = engine.execute()
    assert summary.total.generated == 0 and summary.incomplete
    assert summary.asked == 50
    assert "interrupted: made 0 of the 50 events asked for (0.0%)" in summary.notes


# ----- counts on the wire ------------------------------------------------------------------------


def test_a_delta_travels_whole_and_one_addition_sums_every_count() -> None:
    delta = JobDelta()
    delta.made("s", 10, dropped=2, exhausted=True)
    delta.delivered("s", "file", 7, 3, 70, "disk full", resent=1, acked=5)
    back = JobDelta.from_wire(delta.to_wire())
    assert back == delta
    back.add(delta)
    assert back.rows[("s", "file")] == Counts(14, 6, 140, 2, 10)
    assert (back.generated, back.dropped, back.exhausted, back.errors) == (
        {"s": 20},
        {"s": 4},
        ["s"],
        {"file": "disk full"},
    )
    assert back.totals() == Totals(generated=20, deliveries=20, sent=14, failed=6, bytes=140, resent=2, acked=10)
    with pytest.raises(DeltaError, match="two rows for output 'file'"):
        JobDelta.from_wire({"generated": [], "rows": [["s", "file", 1, 0, 0], ["s", "file", 1, 0, 0]]})


# ----- the one job loop --------------------------------------------------------------------------


class _Gated:
    """A pipeline whose jobs wait for `gate`: what the loop has not begun when it is aborted is given back."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.begun: list[int] = []

    def handle(self, job: GenerationJob, run: str) -> JobReport:
        self.begun.append(job.seq)
        self.gate.wait(10)
        delta = JobDelta()
        delta.made(job.sample, job.count)
        return JobReport((job.sample, job.seq), run, delta)


def test_an_aborted_job_loop_finishes_the_job_in_hand_and_gives_back_the_rest() -> None:
    pipeline = _Gated()
    transport = ThreadTransport([pipeline], "run-1")  # type: ignore[list-item]
    transport.start()
    assert transport.poll(1) == [Joined(0, 2, "thread-0")]
    for seq in range(4):
        transport.send(0, GenerationJob("s", seq, 5, 0.0, 0.0))
    deadline = time.monotonic() + 10
    while not pipeline.begun and time.monotonic() < deadline:
        time.sleep(0.01)
    threading.Timer(0.2, pipeline.gate.set).start()
    events = transport.finish(10, abort=True)
    transport.close()
    (done,) = [e for e in events if isinstance(e, Done)]
    assert done.report.key == ("s", 0) and done.report.run == "run-1" and done.report.delta.generated == {"s": 5}
    assert events[-1] == Leaving(0, [("s", 1), ("s", 2), ("s", 3)], True)
    assert pipeline.begun == [0]


# ----- the worker protocol in one process --------------------------------------------------------


class _InMemoryWorker(Session):
    """A worker session over the hub, running the conf it holds (as a forked worker process does)."""

    def __init__(self, client: MemoryClient, config: RunConfig):
        super().__init__(client, WorkerOptions(name="honest", capacity=2, patience=30))
        self.config = config

    def load(self, bundle: dict[str, Any] | None) -> Runner | None:
        return WorkerRunner(self.config, "local", frozenset(), self.reported) if bundle is None else None


def _first_jobs(clients: dict[str, MemoryClient]) -> dict[str, dict]:
    """Each client says HELLO as a worker holding the conf already and, after WELCOME, its first word (then
    heartbeats until the plan starts); the first JOB each gets."""
    for name, client in clients.items():
        client.send(encode(MsgType.HELLO, name=name, version="test", capacity=1, host="h", pid=1, bundle="local"))
    jobs: dict[str, dict] = {}
    deadline = time.monotonic() + 20
    while len(jobs) < len(clients) and time.monotonic() < deadline:
        for name, client in clients.items():
            envelope = client.recv(0.02) if name not in jobs else None
            if envelope is None:
                continue
            message = decode(envelope.data)
            if message.type is MsgType.JOB:
                jobs[name] = message.fields
            else:
                client.send(encode(MsgType.HEARTBEAT, inflight=0))
    assert len(jobs) == len(clients), jobs
    return jobs


def test_the_host_end_and_a_worker_session_keep_counts_exact_past_a_lying_and_a_lost_peer(tmp_path: Path) -> None:
    """Three peers join; the plan starts then (`--expect-workers 3`). One answers its job with counts a hundred
    times too large and vanishes; one takes a job and vanishes. The refused job and the lost one's are re-issued
    to the honest worker session: every event is counted once, the re-issued ones as may-be-duplicated."""
    config = conf(tmp_path, ["count = 10", "end = 6", "jobSize = 5"], outputs="devnull")
    hub = MemoryHub()
    hosts: list[PeerHost] = []

    def remote(needs: Needs) -> PeerHost:
        host = PeerHost(hub.server(), needs.run_id, None, heartbeat=0.1, liveness=10,
                        status=lambda: status_reply(needs.summary()))  # fmt: skip
        hosts.append(host)
        return host

    engine = wire(config, RunOptions(seed=1, status_interval=0, drain_seconds=10, expect_workers=3), remote)
    result: list[RunSummary] = []
    run = threading.Thread(target=lambda: result.append(engine.execute()), daemon=True)
    run.start()

    honest = _InMemoryWorker(hub.client(b"honest"), config)
    session = threading.Thread(target=honest.run, daemon=True)
    session.start()
    liar, silent = hub.client(b"liar"), hub.client(b"silent")
    job = _first_jobs({"liar": liar, "silent": silent})["liar"]
    silent.close()  # it holds a job and is never heard of again
    liar.close()  # the liar too, once it has lied: nothing sent to it from now on arrives
    lie = {"generated": [["ids", 100 * job["job"]["count"]]], "rows": [], "errors": {}}
    liar.send(encode(MsgType.DONE, run=job["run"], key=[job["job"]["sample"], job["job"]["seq"]], stats=lie,
                     error="", payloads=[]))  # fmt: skip
    run.join(60)
    session.join(30)

    (summary,) = result
    assert summary.total == Totals(generated=60, deliveries=60, sent=60, failed=0, bytes=summary.total.bytes)
    assert summary.jobs_done == 12
    assert (summary.jobs.refused, summary.jobs.reissued, summary.jobs.reissued_events) == (1, 2, 10)
    assert [(r.output, r.generated, r.sent, r.may_be_duplicated) for r in summary.rows] == [("devnull", 60, 60, 10)]
    workers = {w.name: (w.state, w.jobs, w.refused) for w in summary.workers}
    assert workers == {"honest": ("left", 12, 0), "liar": ("lost", 0, 1), "silent": ("lost", 0, 0)}
    assert honest.quit_reason == "run finished"
    assert hosts[0].drops.dropped == 0
