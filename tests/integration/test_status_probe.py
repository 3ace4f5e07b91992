"""`eventgen status` as a probe: each exit status it documents (docs/deploy.md, "Probes and exit codes")."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from tests.conftest import cli, free_port
from tests.integration.cluster import controller, finish, make_conf

pytestmark = pytest.mark.integration


@pytest.fixture
def keyed_controller(tmp_path: Path):
    """A live controller with Curve on loopback, waiting for a worker (state `starting`); the probe's key is
    authorised, `stranger`'s is not, `other` is a controller key it does not hold."""
    for folder, name in (("server", "controller"), ("authorized", "probe"), ("bad", "stranger"), ("bad", "other")):
        assert cli("keys", "generate", "--dir", str(tmp_path / folder), "--name", name).returncode == 0
    conf = make_conf(tmp_path, "count = 10\ninterval = 1")
    address = f"tcp://127.0.0.1:{free_port()}"
    flags = ("--curve-secret-key", str(tmp_path / "server/controller.key_secret"))
    main = controller(conf, address, tmp_path, *flags, "--authorized-keys", str(tmp_path / "authorized"),
                      "--expect-workers", "1")  # fmt: skip
    yield address, tmp_path
    main.send_signal(signal.SIGTERM)
    finish(main, 30)


def probe(address: str, folder: Path, secret: str, server: str, *extra: str):
    return cli("status", "--connect", address, "--curve-key", str(folder / secret), "--server-key",
               str(folder / server), *extra)  # fmt: skip


def test_exit_0_when_the_controller_answers_whatever_its_state(keyed_controller) -> None:
    address, folder = keyed_controller
    done = probe(address, folder, "authorized/probe.key_secret", "server/controller.key", "--json", "--timeout", "20")
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert status["state"] == "starting" and status["workers"] == []  # up, holding its plan for --expect-workers
    assert status["pacing"]["policy"] == "catch-up"
    line = probe(address, folder, "authorized/probe.key_secret", "server/controller.key")
    assert line.returncode == 0 and line.stdout.startswith("cluster [starting]: 0 worker(s)"), line.stdout


def test_exit_1_when_nothing_answers_in_time() -> None:
    done = cli("status", "--connect", f"tcp://127.0.0.1:{free_port()}", "--timeout", "1")
    assert done.returncode == 1, done.stderr
    assert "no answer from" in done.stderr


def test_exit_2_for_a_refused_key_a_wrong_server_key_or_a_missing_key_file(keyed_controller) -> None:
    address, folder = keyed_controller
    refused = probe(address, folder, "bad/stranger.key_secret", "server/controller.key", "--timeout", "20")
    assert refused.returncode == 2 and "refused our Curve key" in refused.stderr, refused.stderr
    wrong = probe(address, folder, "authorized/probe.key_secret", "bad/other.key", "--timeout", "20")
    assert wrong.returncode == 2 and "--server-key does not hold" in wrong.stderr, wrong.stderr
    missing = probe(address, folder, "authorized/nobody.key_secret", "server/controller.key")
    assert missing.returncode == 2, missing.stderr
    half = cli("status", "--connect", address, "--curve-key", str(folder / "authorized/probe.key_secret"))
    assert half.returncode == 2 and "go together" in half.stderr, half.stderr
    beyond = cli("status", "--connect", "tcp://10.251.0.1:5555")  # never sent: refused before connecting
    assert beyond.returncode == 2 and "needs CurveZMQ" in beyond.stderr, beyond.stderr
    assert cli("status").returncode == 2  # --connect is required
