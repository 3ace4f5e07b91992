"""What a controller and its workers must get right on loopback: a worker that cannot load the conf fails
the run at once, a wrong server key is named within seconds, a bundle is sent once per worker, `{worker}`
works in tokens, absolute lookup paths travel in the bundle, and the controller paces `--rate/--duration`."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, cli, free_port, write_conf
from tests.integration.cluster import controller, finish, local_keys, make_conf, spawn
from tests.waiting import wait_for

pytestmark = pytest.mark.integration


def test_a_worker_that_cannot_load_the_conf_fails_the_run_at_once(tmp_path: Path) -> None:
    extra = tmp_path / "controller-only"
    extra.mkdir()
    (extra / "vendor_sdk.py").write_text("NAME = 'sdk'\n")
    plugins = tmp_path / "plugins" / "output"
    plugins.mkdir(parents=True)
    (plugins / "vendor.py").write_text(
        "import vendor_sdk  # installed on the controller's machine only\n\n"
        "from eventgen.plugin.base import OutputPlugin\n\n\n"
        "class Vendor(OutputPlugin):\n    name = 'vendor'\n\n"
        "    def write(self, batch):\n        pass\n"
    )
    conf = make_conf(tmp_path, "count = 10\nend = 1\noutputMode = vendor")
    conf.write_text("[global]\npluginDir = plugins\n\n" + conf.read_text())
    address = f"tcp://127.0.0.1:{free_port()}"
    main = controller(conf, address, tmp_path, env={"PYTHONPATH": f"{ROOT}:{extra}"})
    worker = spawn("worker", "--connect", address, "--name", "w0", log=tmp_path / "w0.log")
    started = time.monotonic()
    code = finish(main, 30)
    assert code == 1, (tmp_path / "controller.log").read_text()
    assert time.monotonic() - started < 15  # at once, not after a drain or a liveness timeout
    log = (tmp_path / "controller.log").read_text()
    assert "run failed: worker w0" in log and "No module named 'vendor_sdk'" in log
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert [(w["name"], w["state"]) for w in summary["workers"]] == [("w0", "failed")]  # FAIL is a state
    assert any(line.startswith("w0 ") and " failed " in line for line in log.splitlines()), log
    assert finish(worker, 30) == 2
    assert "cannot load the controller's conf here" in (tmp_path / "w0.log").read_text()


def test_a_wrong_server_key_is_named_within_seconds(tmp_path: Path) -> None:
    for folder, name in (("server", "controller"), ("other", "other"), ("authorized", "w")):
        assert cli("keys", "generate", "--dir", str(tmp_path / folder), "--name", name).returncode == 0
    conf = make_conf(tmp_path, "count = 10\nend = 1")
    address = f"tcp://127.0.0.1:{free_port()}"
    main = controller(
        conf,
        address,
        tmp_path,
        "--curve-secret-key",
        str(tmp_path / "server/controller.key_secret"),
        "--authorized-keys",
        str(tmp_path / "authorized"),
    )
    started = time.monotonic()
    worker = spawn(
        "worker",
        "--connect",
        address,
        "--curve-key",
        str(tmp_path / "authorized/w.key_secret"),
        "--server-key",
        str(tmp_path / "other/other.key"),
        log=tmp_path / "w.log",
    )
    assert finish(worker, 30) == 2
    assert time.monotonic() - started < 10
    assert "--server-key does not hold that controller's public key" in (tmp_path / "w.log").read_text()
    main.terminate()
    finish(main, 30)
    assert "failed the CurveZMQ handshake" in (tmp_path / "controller.log").read_text()


def test_bundle_once_per_worker_worker_names_in_tokens_and_absolute_lookups(tmp_path: Path) -> None:
    lookups = tmp_path / "elsewhere"
    lookups.mkdir()
    (lookups / "users.txt").write_text("alice\nbob\n")
    (tmp_path / "ids.log").write_text("id=@@ID user=@@USER by=@@WHO\n")
    conf = write_conf(
        tmp_path,
        f"""
        [ids.log]
        sampleDir = .
        count = 100
        end = 20
        timeMode = sample
        jobSize = 50
        outputMode = file
        fileName = {tmp_path}/out-{{worker}}.log
        token.0.token = @@ID
        token.0.replacementType = integerid
        token.0.replacement = 0
        token.1.token = @@USER
        token.1.replacementType = file
        token.1.replacement = {lookups}/users.txt
        token.2.token = @@WHO
        token.2.replacementType = static
        token.2.replacement = {{worker}}
    """,
    )
    address = f"tcp://127.0.0.1:{free_port()}"
    workers = [
        spawn("worker", "--connect", address, "--name", f"w{i}", log=tmp_path / f"w{i}.log") for i in range(3)
    ]  # started before the controller: they knock until it is there
    logs = [tmp_path / f"w{i}.log" for i in range(3)]
    wait_for(lambda: all("connecting to" in log.read_text() for log in logs), "the workers to knock", 30)
    main = controller(conf, address, tmp_path, "--expect-workers", "3")
    log = tmp_path / "controller.log"
    wait_for(lambda: "controller listening on" in log.read_text(), "its bundle to be built", 30, process=main)
    (lookups / "users.txt").unlink()  # gone from this disk: the workers must read the copy in the bundle
    assert finish(main, 60) == 0, (tmp_path / "controller.log").read_text()
    assert [finish(w, 30) for w in workers] == [0, 0, 0]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["total"]["generated"] == summary["total"]["sent"] == 2000
    assert summary["bundles_sent"] == 3  # once per worker, however often they said HELLO
    seen = []
    for i in range(3):
        for line in (tmp_path / f"out-w{i}.log").read_text().splitlines():
            fields = dict(part.split("=") for part in line.split())
            assert fields["by"] == f"w{i}" and fields["user"] in ("alice", "bob")
            seen.append(int(fields["id"]))
    assert sorted(seen) == list(range(2000))


def test_the_controller_paces_rate_and_duration(tmp_path: Path) -> None:
    conf = make_conf(tmp_path, "count = 10\nend = 1")  # `end` from the conf gives way to --duration
    address = f"tcp://127.0.0.1:{free_port()}"
    worker = spawn("worker", "--connect", address, "--name", "w0", log=tmp_path / "w0.log")
    main = controller(conf, address, tmp_path, "--rate", "500", "--duration", "3", "--expect-workers", "1")
    assert finish(main, 60) == 0, (tmp_path / "controller.log").read_text()
    assert finish(worker, 30) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert 1400 <= summary["total"]["sent"] <= 1550, summary["total"]
    assert summary["pacing"]["target_rate"] == 500 and 475 <= summary["pacing"]["achieved_rate"] <= 525


def test_done_messages_from_a_peer_that_never_joined_change_nothing(tmp_path: Path) -> None:
    """An authorised process (it holds this user's keys) that never joined: its DONEs are refused. Strangers
    without keys get nothing at all (tests/integration/test_cluster_trust.py)."""
    import zmq

    from eventgen.rpc.protocol import MsgType, decode, encode

    conf = make_conf(tmp_path, "count = 1000\nend = 10\njobSize = 100\ntimeMode = sample")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    main = controller(conf, address, tmp_path, "--expect-workers", "1")
    context = zmq.Context()
    stray = local_keys(context.socket(zmq.DEALER))
    stray.setsockopt(zmq.LINGER, 0)
    stray.connect(address)
    try:
        stray.send(encode(MsgType.STATUS))
        assert stray.poll(10_000)
        run = decode(stray.recv()).fields["status"]["run"]  # it even knows the run id
        forged = {"generated": [["ids.log", 10**6]], "rows": [["ids.log", "file", 10**6, 0, 10**8]], "errors": {}}
        for seq in range(10):
            stray.send(encode(MsgType.DONE, run=run, key=["ids.log", seq], stats=forged, error="", payloads=[]))
        worker = spawn("worker", "--connect", address, "--name", "w0", log=tmp_path / "w0.log")
        assert finish(main, 60) == 0, (tmp_path / "controller.log").read_text()
        assert finish(worker, 30) == 0
    finally:
        stray.close()
        context.term()
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert (summary["total"]["generated"], summary["total"]["sent"]) == (10_000, 10_000)
    assert summary["jobs"]["refused"] == 10 and summary["jobs"]["done"] == 100
    assert "refused a completion from" in (tmp_path / "controller.log").read_text()


def test_revoking_a_key_refuses_that_workers_next_message(tmp_path: Path) -> None:
    import signal as signals

    for folder, name in (("server", "controller"), ("authorized", "w0"), ("authorized", "w1")):
        assert cli("keys", "generate", "--dir", str(tmp_path / folder), "--name", name).returncode == 0
    for secret in (tmp_path / "authorized").glob("*.key_secret"):
        secret.rename(tmp_path / secret.name)  # the authorized folder holds public keys only
    conf = make_conf(tmp_path, "count = 100\ninterval = 0.1\njobSize = 50")  # live: runs until stopped
    address = f"tcp://127.0.0.1:{free_port()}"
    main = controller(
        conf,
        address,
        tmp_path,
        "--curve-secret-key",
        str(tmp_path / "server/controller.key_secret"),
        "--authorized-keys",
        str(tmp_path / "authorized"),
        "--expect-workers",
        "2",
        "--heartbeat",
        "0.3",
        "--liveness",
        "6",
    )
    workers = [
        spawn(
            "worker",
            "--connect",
            address,
            "--name",
            f"w{i}",
            "--curve-key",
            str(tmp_path / f"w{i}.key_secret"),
            "--server-key",
            str(tmp_path / "server/controller.key"),
            log=tmp_path / f"w{i}.log",
        )
        for i in range(2)
    ]
    wait_for(
        lambda: all((tmp_path / f"out-w{i}.log").exists() for i in range(2)), "both workers' output", 30, process=main
    )
    (tmp_path / "authorized" / "w1.key").unlink()
    log = tmp_path / "controller.log"
    wait_for(lambda: "worker w1 lost" in log.read_text(), "w1 to be lost once revoked", 10, logs=log.read_text)
    assert "refused a message from a revoked Curve key" in log.read_text()
    main.send_signal(signals.SIGINT)
    assert finish(main, 60) == 0, log.read_text()
    finish(workers[0], 30)
    workers[1].kill()
    summary = json.loads((tmp_path / "summary.json").read_text())
    states = {w["name"]: w["state"] for w in summary["workers"]}
    assert states == {"w0": "left", "w1": "lost"}
    assert summary["total"]["generated"] == summary["total"]["sent"] > 0
