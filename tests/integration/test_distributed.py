"""A controller and real worker processes on loopback: exact totals, a killed worker, a late joiner,
garbage on the wire, and Curve authentication."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
from collections import Counter
from pathlib import Path

import msgpack
import pytest

from tests.conftest import cli, free_port
from tests.integration.cluster import Probe, finish, ids_in, make_conf, spawn, worker_row

pytestmark = pytest.mark.integration


def test_three_workers_exact_totals_and_garbage_survived(tmp_path: Path) -> None:
    conf = make_conf(tmp_path, "count = 500\nend = 200\njobSize = 100\ntimeMode = sample")
    port = free_port()
    summary = tmp_path / "summary.json"
    controller = spawn(
        "controller",
        str(conf),
        "--bind",
        f"tcp://127.0.0.1:{port}",
        "--status-interval",
        "0",
        "--stats-json",
        str(summary),
        "--expect-workers",
        "3",
        log=tmp_path / "controller.log",
    )
    probe = Probe(port)
    try:
        probe.status()  # the controller is up
        for junk in (
            b"\x00garbage",
            msgpack.packb({"v": 99, "type": "hello"}),
            msgpack.packb({"v": 1, "type": "launch"}),
            msgpack.packb({"v": 1, "type": "hello"}),
            msgpack.packb({"v": 1, "type": "done", "key": "x", "stats": {}, "error": ""}),
        ):
            probe.socket.send(junk)
        probe.socket.send_multipart([b"two", b"frames"])
        status = probe.status()  # answered after the six bad messages on this connection
        assert status["dropped_messages"] == 6
        assert status["workers"] == []
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:  # not even ZeroMQ's handshake
            raw.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + bytes(range(256)))
            with contextlib.suppress(ConnectionResetError):  # until the controller hangs up (its greeting first)
                while raw.recv(4096):
                    pass
        assert probe.status()["workers"] == []  # still answering
    finally:
        probe.close()

    workers = [
        spawn("worker", "--connect", f"tcp://127.0.0.1:{port}", "--name", f"w{i}", log=tmp_path / f"w{i}.log")
        for i in range(3)
    ]
    assert finish(controller) == 0, (tmp_path / "controller.log").read_text()
    assert [finish(w) for w in workers] == [0, 0, 0]

    data = json.loads(summary.read_text())
    assert data["total"]["generated"] == 100_000
    assert data["total"]["sent"] == 100_000
    assert data["total"]["failed"] == 0
    assert data["jobs"]["done"] == 1000
    assert "refused" not in data["jobs"] and "reissued" not in data["jobs"]
    assert data["dropped_messages"] >= 6  # libzmq may frame a raw peer's bytes as messages: dropped too
    assert sorted(w["name"] for w in data["workers"]) == ["w0", "w1", "w2"]
    assert sum(w["jobs"] for w in data["workers"]) == 1000
    seen: list[int] = []
    for w in data["workers"]:
        ids = ids_in(tmp_path / f"out-{w['name']}.log")
        assert len(ids) == w["sent"]
        seen += ids
    assert sorted(seen) == list(range(100_000))
    log = (tmp_path / "controller.log").read_text()
    assert "dropped a message from" in log


def test_killed_worker_reissued_and_late_joiner_gets_work(tmp_path: Path) -> None:
    conf = make_conf(tmp_path, "count = 200\ninterval = 0.05\njobSize = 50")  # live: runs until stopped
    port = free_port()
    summary = tmp_path / "summary.json"
    address = f"tcp://127.0.0.1:{port}"
    controller = spawn(
        "controller",
        str(conf),
        "--bind",
        address,
        "--status-interval",
        "0",
        "--stats-json",
        str(summary),
        log=tmp_path / "controller.log",
    )
    probe = Probe(port)
    capacities = {"victim": "1", "b": "2", "c": "2"}  # the victim holds at most one job
    workers = {
        name: spawn(
            "worker", "--connect", address, "--name", name, "--capacity", capacity, log=tmp_path / f"{name}.log"
        )
        for name, capacity in capacities.items()
    }
    try:
        probe.wait_for(
            lambda s: len(s["workers"]) == 3 and all(w["jobs"] >= 3 for w in s["workers"]), "three working workers"
        )
        os.kill(workers["victim"].pid, signal.SIGSTOP)  # frozen: keeps the jobs it is sent
        probe.wait_for(lambda s: worker_row(s, "victim")["inflight"] == 1, "the victim to hold its one job")
        os.kill(workers["victim"].pid, signal.SIGKILL)
        assert workers.pop("victim").wait(10) == -signal.SIGKILL
        workers["late"] = spawn(
            "worker", "--connect", address, "--name", "late", "--capacity", "2", log=tmp_path / "late.log"
        )
        status = probe.wait_for(
            lambda s: (
                any(w["name"] == "late" and w["jobs"] >= 5 for w in s["workers"])
                and worker_row(s, "victim")["state"] == "lost"
            ),
            "the late worker to work and the victim to be lost",
        )
        assert status["jobs"]["reissued"] == 1
        shown = cli("status", "--connect", address)
        assert shown.returncode == 0, shown.stderr
        assert "cluster [running]: 3 worker(s)" in shown.stdout
    finally:
        probe.close()
    controller.send_signal(signal.SIGINT)
    assert finish(controller) == 0, (tmp_path / "controller.log").read_text()
    assert {name: finish(w) for name, w in workers.items()} == {"b": 0, "c": 0, "late": 0}

    data = json.loads(summary.read_text())
    rows = {w["name"]: w for w in data["workers"]}
    assert rows["victim"]["state"] == "lost"
    assert rows["late"]["jobs"] >= 5
    assert data["jobs"]["reissued"] == 1
    assert "refused" not in data["jobs"]
    assert [n for n in data["notes"] if not n.startswith("live pacing:")] == []
    total = data["total"]["sent"]
    assert total == data["total"]["generated"] == sum(w["sent"] for w in rows.values())
    assert data["jobs"]["done"] * 50 == total

    survivors: Counter[int] = Counter()
    for name in ("b", "c", "late"):
        ids = ids_in(tmp_path / f"out-{name}.log")
        assert len(ids) == rows[name]["sent"]
        survivors.update(ids)
    assert max(survivors.values()) == 1  # re-issued jobs were done once among the living
    victim = ids_in(tmp_path / "out-victim.log")
    assert len(victim) >= rows["victim"]["sent"]  # may hold part of a job it never confirmed
    assert set(survivors) | set(victim) == set(range(total))  # every event delivered at least once


def test_curve_refuses_unauthorised_worker(tmp_path: Path) -> None:
    for folder, name in (("server", "controller"), ("authorized", "good"), ("bad", "bad")):
        made = cli("keys", "generate", "--dir", str(tmp_path / folder), "--name", name)
        assert made.returncode == 0, made.stderr
    conf = make_conf(tmp_path, "count = 100\nend = 10\njobSize = 50\ntimeMode = sample")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    exposed = cli("controller", str(conf), "--bind", f"tcp://0.0.0.0:{port}")
    assert exposed.returncode == 2
    assert "refusing to bind tcp://0.0.0.0:" in exposed.stderr

    summary = tmp_path / "summary.json"
    controller = spawn(
        "controller",
        str(conf),
        "--bind",
        address,
        "--status-interval",
        "0",
        "--curve-secret-key",
        str(tmp_path / "server/controller.key_secret"),
        "--authorized-keys",
        str(tmp_path / "authorized"),
        "--stats-json",
        str(summary),
        log=tmp_path / "controller.log",
    )
    server_key = str(tmp_path / "server/controller.key")
    bad = spawn(
        "worker",
        "--connect",
        address,
        "--name",
        "bad",
        "--curve-key",
        str(tmp_path / "bad/bad.key_secret"),
        "--server-key",
        server_key,
        log=tmp_path / "bad.log",
    )
    assert finish(bad, 60) == 2
    assert "refused our Curve key" in (tmp_path / "bad.log").read_text()
    assert controller.poll() is None  # the run waits for an authorised worker

    good = spawn(
        "worker",
        "--connect",
        address,
        "--name",
        "good",
        "--curve-key",
        str(tmp_path / "authorized/good.key_secret"),
        "--server-key",
        server_key,
        log=tmp_path / "good.log",
    )
    assert finish(controller) == 0, (tmp_path / "controller.log").read_text()
    assert finish(good) == 0
    data = json.loads(summary.read_text())
    assert [w["name"] for w in data["workers"]] == ["good"]
    assert data["total"]["sent"] == 1000
    assert not (tmp_path / "out-bad.log").exists()
    bad_public = (tmp_path / "bad/bad.key").read_text().split('public-key = "')[1][:40]
    assert f"refused a connection: Curve public key {bad_public}" in (tmp_path / "controller.log").read_text()
