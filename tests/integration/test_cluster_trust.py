"""The cluster believes only what it can check, on loopback with real processes: a stranger without keys gets
nothing, an authorised worker that lies about its counts changes nothing, a controller killed mid-run leaves no
event that reached its receiver out of every summary, a silent peer does not delay the end, and a worker with no
controller gives up after --patience."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import msgpack
import pytest
import zmq

from eventgen import __version__
from eventgen.cluster.local_keys import local_secret
from eventgen.rpc.keys import read_key_file
from eventgen.rpc.protocol import MsgType, encode
from tests.conftest import cli, free_port, write_conf
from tests.integration.cluster import Probe, controller, finish, ids_in, local_keys, make_conf, spawn
from tests.waiting import wait_for

pytestmark = pytest.mark.integration


class Peer:
    """A test's own DEALER on the controller's address: with this user's local keys (authorised), its own keys
    (not authorised) or none."""

    def __init__(self, address: str, name: str, keys: str = "local"):
        self.context = zmq.Context()
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.IDENTITY, f"{name}-{os.getpid()}".encode())
        if keys == "local":
            local_keys(self.socket)
        elif keys == "own":  # the controller's right key, but a pair of its own
            self.socket.curve_publickey, self.socket.curve_secretkey = zmq.curve_keypair()
            self.socket.curve_serverkey = read_key_file(local_secret())[0]
        self.name = name
        self.socket.connect(address)
        self.received: list[bytes] = []

    def send(self, kind: MsgType, **fields) -> None:
        self.socket.send(encode(kind, **fields))

    def hello(self) -> None:
        self.send(MsgType.HELLO, name=self.name, version=__version__, capacity=4, host="test", pid=os.getpid(),
                  bundle="")  # fmt: skip

    def next(self, timeout: float) -> dict | None:
        if not self.socket.poll(int(timeout * 1000)):
            return None
        data = self.socket.recv()
        self.received.append(data)
        return msgpack.unpackb(data, raw=False)

    def close(self) -> None:
        self.socket.close(0)
        self.context.term()


class Liar(threading.Thread):
    """An authorised peer that takes jobs, writes nothing, and answers each with 1000 times the job's counts; it
    also claims a job it was never sent. It leaves when told to quit."""

    def __init__(self, address: str):
        super().__init__(daemon=True)
        self.peer = Peer(address, "liar")
        self.lies = 0
        self.run_id = ""

    def run(self) -> None:
        deadline = time.monotonic() + 90
        next_word = 0.0
        while time.monotonic() < deadline:
            if time.monotonic() >= next_word:  # HELLO until welcomed, then heartbeats: it looks alive
                if self.run_id:
                    self.peer.send(MsgType.HEARTBEAT, inflight=0)
                else:
                    self.peer.hello()
                next_word = time.monotonic() + 0.3
            message = self.peer.next(0.05)
            if message is None:
                continue
            kind = message["type"]
            if kind == "welcome" and not self.run_id:
                self.run_id = message["run"]
                self.peer.send(MsgType.HEARTBEAT, inflight=0)  # ready: it is sent jobs from now on
                self.done(["ids.log", 10**6], 100)  # a job it was never sent
            elif kind == "job":
                job = message["job"]
                self.done([job["sample"], job["seq"]], job["count"])
                self.lies += 1
            elif kind == "quit":
                self.peer.send(MsgType.BYE, returned=[], final=True)
                return

    def done(self, key: list, count: int) -> None:
        forged = {"generated": [["ids.log", 1000 * count]], "rows": [["ids.log", "file", 1000 * count, 0, 10**8]]}
        self.peer.send(MsgType.DONE, run=self.run_id, key=key, stats={**forged, "errors": {}}, error="", payloads=[])


def test_a_stranger_gets_nothing_and_a_lying_worker_changes_nothing(tmp_path: Path) -> None:
    conf = make_conf(tmp_path, "count = 1000\nend = 10\njobSize = 100\ntimeMode = sample")
    address = f"tcp://127.0.0.1:{free_port()}"
    main = controller(conf, address, tmp_path, "--expect-workers", "2")
    strangers = [Peer(address, "open", keys="none"), Peer(address, "own-keys", keys="own")]
    liar = Liar(address)
    try:
        for stranger in strangers:
            stranger.hello()
            stranger.send(MsgType.STATUS)
        liar.start()
        worker = spawn("worker", "--connect", address, "--name", "w0", log=tmp_path / "w0.log")
        deadline = time.monotonic() + 90
        while main.poll() is None:  # the strangers listen as long as the run lasts
            assert time.monotonic() < deadline, (tmp_path / "controller.log").read_text()
            for stranger in strangers:
                stranger.next(0.05)
        assert main.returncode == 0, (tmp_path / "controller.log").read_text()
        assert finish(worker, 30) == 0
        liar.join(10)
    finally:
        for peer in [*strangers, liar.peer]:
            peer.close()

    assert [s.received for s in strangers] == [[], []]  # no WELCOME (run id, bundle), no STATUS reply, nothing
    summary = json.loads((tmp_path / "summary.json").read_text())
    ids = ids_in(tmp_path / "out-w0.log")
    assert sorted(ids) == list(range(10_000))  # what arrived: every id once
    total = summary["total"]
    assert (total["generated"], total["sent"], total["failed"]) == (len(ids), len(ids), 0)
    assert liar.lies >= 2
    jobs = summary["jobs"]
    assert (jobs["done"], jobs["refused"], jobs["reissued"]) == (100, liar.lies + 1, liar.lies), jobs
    rows = {w["name"]: w for w in summary["workers"]}
    assert (rows["liar"]["jobs"], rows["liar"]["sent"], rows["liar"]["refused"]) == (0, 0, liar.lies + 1)
    assert (rows["w0"]["jobs"], rows["w0"]["sent"], rows["w0"]["refused"]) == (100, 10_000, 0)
    log = (tmp_path / "controller.log").read_text()
    assert log.count("refused a completion from liar: its counts do not fit job") == 1  # logged once
    assert "100,000 events made for a job of 100" in log
    assert "failed the CurveZMQ handshake" in log  # the stranger without keys
    assert "refused a connection: Curve public key" in log  # the stranger with keys of its own


def tagged_conf(folder: Path, tag: str, extra: str) -> Path:
    (folder / f"{tag}.log").write_text("run=@@RUN id=@@ID\n", encoding="utf-8")
    return write_conf(
        folder,
        f"""
        [{tag}.log]
        sampleDir = .
        outputMode = file
        fileName = {folder}/{tag}-{{worker}}.log
        fileMaxBytes = 0
        token.0.token = @@ID
        token.0.replacementType = integerid
        token.0.replacement = 0
        token.1.token = @@RUN
        token.1.replacementType = static
        token.1.replacement = {tag}
        {extra}
        """,
        name=f"{tag}.conf",
    )


def lines(path: Path, tag: str) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.startswith(f"run={tag} "))


def test_a_controller_killed_mid_run_leaves_no_delivered_event_out_of_every_summary(tmp_path: Path) -> None:
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    first = spawn("controller", str(tagged_conf(tmp_path, "A", "count = 500\ninterval = 0.1\njobSize = 100")),
                  "--bind", address, "--status-interval", "0", log=tmp_path / "a.log")  # fmt: skip
    worker = spawn("worker", "--connect", address, "--name", "w1", "--capacity", "4", "--patience", "60",
                   log=tmp_path / "w1.log")  # fmt: skip
    probe = Probe(port)
    try:
        status = probe.wait_for(lambda s: any(w["jobs"] >= 10 for w in s["workers"]), "w1 at work")
        shown = cli("status", "--connect", address, "--json")
        assert shown.returncode == 0, shown.stderr
        (row,) = json.loads(shown.stdout)["workers"]
        assert row["id"].startswith("w1-") and "b'" not in shown.stdout  # ids as text, not bytes reprs
        text = cli("status", "--connect", address).stdout
        assert f"  w1 working {row['host']} jobs" in text, text  # the host in full
        run_a = status["run"]
        os.kill(worker.pid, signal.SIGSTOP)  # frozen: it keeps the jobs it is sent
        probe.wait_for(lambda s: s["workers"][0]["inflight"] == 4, "w1 to hold four jobs")
        first.kill()
        first.wait(10)
        os.kill(worker.pid, signal.SIGCONT)  # it lost its controller while holding jobs
    finally:
        probe.close()
    conf_b = tagged_conf(tmp_path, "B", "count = 500\nend = 4\njobSize = 100\ntimeMode = sample")
    second = spawn("controller", str(conf_b), "--bind", address, "--status-interval", "0", "--expect-workers", "1",
                   "--stats-json", str(tmp_path / "b.json"), log=tmp_path / "b.log")  # fmt: skip
    assert finish(second, 90) == 0, (tmp_path / "b.log").read_text() + (tmp_path / "w1.log").read_text()
    assert finish(worker, 30) == 0, (tmp_path / "w1.log").read_text()

    summary = json.loads((tmp_path / "b.json").read_text())
    assert summary["total"]["generated"] == summary["total"]["sent"] == 2000 == lines(tmp_path / "B-w1.log", "B")
    (earlier,) = summary["earlier_runs"]  # run A's controller died: w1 handed its counts of run A over
    delivered = lines(tmp_path / "A-w1.log", "A")
    assert (earlier["run"], earlier["worker"]) == (run_a, "w1")
    ((sample, output, sent, failed),) = [(r["sample"], r["output"], r["sent"], r["failed"]) for r in earlier["rows"]]
    assert (sample, output, sent, failed) == ("A.log", "file", delivered, 0) and delivered >= 1000
    assert earlier["generated"] == delivered and earlier["jobs"] >= 10
    text = (tmp_path / "b.log").read_text()
    assert f"run {run_a}: worker w1 (" in text and f"{delivered:,} events of A.log sent to file" in text
    assert "handing run" in (tmp_path / "w1.log").read_text()


def test_a_worker_without_a_controller_gives_up_after_its_patience(tmp_path: Path) -> None:
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    alone = cli("worker", "--connect", address, "--patience", "2", timeout=30)
    assert alone.returncode == 1 and time.monotonic() - started < 20
    assert alone.stderr.splitlines() == [f"eventgen: ERROR: no controller answered at {address} within 2s: giving up"]

    main = controller(make_conf(tmp_path, "count = 100\ninterval = 0.1\njobSize = 50"), address, tmp_path)
    worker = spawn("worker", "--connect", address, "--name", "w0", "--patience", "2", log=tmp_path / "w0.log")
    logs = (tmp_path / "controller.log").read_text
    wait_for((tmp_path / "out-w0.log").exists, "the worker's first output", 60, process=main, logs=logs)
    main.kill()
    main.wait(10)
    killed = time.monotonic()
    assert finish(worker, 30) == 1
    assert time.monotonic() - killed < 15
    log = (tmp_path / "w0.log").read_text()
    assert f"no word from the controller at {address} for 2s: giving up" in log
    assert "its controller went away and no other took these counts, so no summary holds them" in log


def test_a_silent_peer_does_not_delay_the_end_and_columns_fit_their_names(tmp_path: Path) -> None:
    conf = make_conf(tmp_path, "count = 100\nend = 10\njobSize = 50\ntimeMode = sample")
    address = f"tcp://127.0.0.1:{free_port()}"
    main = controller(conf, address, tmp_path, "--expect-workers", "1", "--drain-seconds", "90")
    silent = Peer(address, "silent")
    try:
        silent.hello()
        while (message := silent.next(30)) is not None and message["type"] != "welcome":
            silent.hello()
        assert message is not None, (tmp_path / "controller.log").read_text()
        welcomed = time.monotonic()  # and from now on it says nothing
        name = "a-worker-whose-name-is-longer-than-28-characters"
        worker = spawn("worker", "--connect", address, "--name", name, log=tmp_path / "w.log")
        assert finish(main, 90) == 0, (tmp_path / "controller.log").read_text()
        assert time.monotonic() - welcomed < 20  # it waited 30 s (drain-seconds / 3) for the silent peer
        assert finish(worker, 30) == 0
    finally:
        silent.close()
    summary = json.loads((tmp_path / "summary.json").read_text())
    (row,) = summary["workers"]
    assert (row["name"], row["state"], row["sent"]) == (name, "left", 1000)
    table = [line for line in (tmp_path / "controller.log").read_text().splitlines() if line.startswith(name)]
    assert len(table) == 1 and f"{name} {row['host']} left" in table[0], table  # neither column cut


def test_running_open_takes_insecure_and_warns(tmp_path: Path) -> None:
    conf = make_conf(tmp_path, "count = 100\nend = 5\njobSize = 50\ntimeMode = sample")
    beyond = cli("controller", str(conf), "--bind", f"tcp://0.0.0.0:{free_port()}", "--insecure")
    assert beyond.returncode == 2 and "refusing to bind tcp://0.0.0.0:" in beyond.stderr  # loopback only
    address = f"tcp://127.0.0.1:{free_port()}"
    main = controller(conf, address, tmp_path, "--insecure", "--expect-workers", "1")
    keyed = cli("worker", "--connect", address, "--name", "keyed", timeout=60)  # this user's keys: no match
    assert keyed.returncode == 2 and "one started with --insecure needs --insecure" in keyed.stderr, keyed.stderr
    open_worker = cli("worker", "--connect", address, "--name", "w0", "--insecure", timeout=60)
    assert open_worker.returncode == 0, open_worker.stderr
    assert finish(main, 30) == 0
    log = (tmp_path / "controller.log").read_text()
    assert "WARNING: --insecure: workers are not authenticated: any local process can join this run" in log
    assert "(open: --insecure)" in log
    assert (
        json.loads((tmp_path / "summary.json").read_text())["total"]["sent"]
        == 500
        == len(ids_in(tmp_path / "out-w0.log"))
    )
