"""Scaffolding of the cluster tests: a controller and workers started as a user would (`python -m eventgen`),
their ids conf, a probe that asks the controller for its status over the protocol, and the local Curve keys."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import zmq

from eventgen.cluster.local_keys import local_secret
from eventgen.rpc.keys import read_key_file
from eventgen.rpc.protocol import MsgType, decode, encode
from tests.conftest import ROOT, write_conf
from tests.waiting import wait_for

SAMPLE = "id=@@ID action=login user=alice\n"


def make_conf(folder: Path, extra: str) -> Path:
    (folder / "ids.log").write_text(SAMPLE, encoding="utf-8")
    return write_conf(
        folder,
        f"""
        [ids.log]
        sampleDir = .
        outputMode = file
        fileName = {folder}/out-{{worker}}.log
        fileMaxBytes = 0
        earliest = -1s
        token.0.token = @@ID
        token.0.replacementType = integerid
        token.0.replacement = 0
        {extra}
        """,
    )


def eventgen(argv: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
    """`python -m eventgen ARGV` from the checkout, its output (stdout and stderr) to `log`."""
    with open(log, "w", encoding="utf-8") as handle:  # the process keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "eventgen", *argv],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
            stdout=handle,
            stderr=subprocess.STDOUT,
        )


def spawn(*args: str, log: Path) -> subprocess.Popen:
    """`eventgen -v ARGS` (a worker or a controller, logging what it does)."""
    return eventgen(["-v", *args], log)


def controller(conf: Path, address: str, folder: Path, *flags: str, env: dict | None = None) -> subprocess.Popen:
    """`eventgen controller CONF --bind ADDRESS`, its summary to FOLDER/summary.json, its log to controller.log."""
    argv = ["controller", str(conf), "--bind", address, "--status-interval", "0"]
    return eventgen([*argv, "--stats-json", str(folder / "summary.json"), *flags], folder / "controller.log", env)


def finish(proc: subprocess.Popen, timeout: float = 90) -> int:
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise


def local_keys(sock: zmq.Socket) -> zmq.Socket:
    """`sock` with this user's local Curve pair (what a controller on loopback uses when given no keys)."""
    public, secret = read_key_file(local_secret())
    sock.curve_publickey, sock.curve_secretkey, sock.curve_serverkey = public, secret, public
    return sock


class Probe:
    """A DEALER speaking the protocol to the controller, as a test's eyes (with the local keys, as workers)."""

    def __init__(self, port: int):
        self.context = zmq.Context()
        self.socket = local_keys(self.context.socket(zmq.DEALER))
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.connect(f"tcp://127.0.0.1:{port}")

    def status(self) -> dict:
        self.socket.send(encode(MsgType.STATUS))
        assert self.socket.poll(10_000), "controller did not answer STATUS"
        message = decode(self.socket.recv())
        assert message.type is MsgType.STATUS_REPLY
        return message["status"]

    def wait_for(self, predicate, what: str, timeout: float = 60) -> dict:
        """The controller's status once `predicate` holds for it."""
        seen: list[dict] = [{}]

        def holds() -> dict | None:
            seen[0] = self.status()
            return seen[0] if predicate(seen[0]) else None

        return wait_for(holds, what, timeout, interval=0.05, logs=lambda: str(seen[0]))

    def close(self) -> None:
        self.socket.close()
        self.context.term()


def worker_row(status: dict, name: str) -> dict:
    return next(w for w in status["workers"] if w["name"] == name)


def ids_in(path: Path) -> list[int]:
    if not path.exists():
        return []
    return [int(line.split()[0][3:]) for line in path.read_text(encoding="utf-8").splitlines()]
