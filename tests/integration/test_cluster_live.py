"""A live cluster run on loopback as operators run one: workers join late (the backlog is caught up at a bounded
rate, never burst), and a worker stopped with SIGTERM (as a pod is) gives back its jobs: exact totals, nothing
re-issued, every id once at a TCP receiver (tests/line_receiver.py)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, cli, free_port
from tests.integration.cluster import Probe, finish, spawn
from tests.line_receiver import write_ids_conf
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

JOB_SIZE = 50


def live_conf(folder: Path, port: int) -> Path:
    return write_ids_conf(folder, "127.0.0.1", port, "live id=@@ID", jobSize=JOB_SIZE)


class Receiver:
    def __init__(self, folder: Path):
        self.port = free_port()
        self.report_path = folder / "receiver.json"
        self.log = folder / "receiver.log"
        handle = open(self.log, "w", encoding="utf-8")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tests/line_receiver.py"), "127.0.0.1", str(self.port), str(self.report_path)],
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        wait_for(lambda: "listening" in self.log.read_text(), "the receiver", 20, process=self.proc, logs=self.logs)

    def logs(self) -> str:
        return self.log.read_text()

    def notes(self) -> list[int]:
        """The receiver's `lines=N` notes so far (one a second)."""
        return [int(line.split("=")[1]) for line in self.logs().splitlines() if line.startswith("lines=")]

    def lines(self) -> int:
        seen = self.notes()
        return seen[-1] if seen else 0

    def settle(self, expected: int, timeout: float = 20) -> dict:
        """Wait until `expected` lines arrived, then for a whole second more (two more notes: nothing else is
        arriving), stop, and return the report."""
        wait_for(lambda: self.lines() >= expected, f"{expected} lines at the receiver", timeout, logs=self.logs)
        notes = len(self.notes())
        wait_for(lambda: len(self.notes()) >= notes + 2, "two more notes from the receiver", 10, logs=self.logs)
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(20) == 0, self.log.read_text()
        return json.loads(self.report_path.read_text())

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def start_controller(folder: Path, receiver: Receiver, rate: int, duration: int, *extra: str):
    """A live controller run at `rate` for `duration` seconds on a free loopback port, its summary to a file:
    (process, port, address, summary path)."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    summary = folder / "summary.json"
    conf = live_conf(folder, receiver.port)
    argv = ["controller", str(conf), "--bind", address, "--rate", str(rate), "--duration", str(duration), *extra]
    controller = spawn(*argv, "--stats-json", str(summary), log=folder / "controller.log")
    return controller, port, address, summary


def logs(folder: Path) -> str:
    return "\n".join(f"----- {p.name} -----\n{p.read_text(errors='replace')[-3000:]}" for p in folder.glob("*.log"))


def test_a_late_joiner_catches_the_backlog_up_at_the_bounded_rate_never_in_a_burst(tmp_path: Path) -> None:
    """No worker for the first 3 s of a 2,000 events/s run, the first joins, a second 3 s later. Every second at
    the receiver stays within 1.25 x the rate (the catch-up bound) plus 10% for jobs landing near a second's edge;
    without the bound the first worker would get the 64 queued jobs and all that fell due at once."""
    rate = 2000
    receiver = Receiver(tmp_path)
    controller, port, address, summary = start_controller(tmp_path, receiver, rate, 18, "--status-interval", "1")
    probe = Probe(port)
    workers = []
    try:
        assert probe.status()["pacing"]["policy"] == "catch-up"
        held = probe.wait_for(lambda s: s["pacing"]["behind_seconds"] >= 3, "3 s of backlog with no worker", 30)
        assert held["pacing"]["catching_up"] and held["pacing"]["behind_seconds"] > 1.5, held["pacing"]
        assert held["totals"]["generated"] == 0
        workers.append(spawn("worker", "--connect", address, "--name", "first", log=tmp_path / "first.log"))
        probe.wait_for(lambda s: s["totals"]["sent"] > 0, "the first worker to deliver", 30)
        shown = cli("status", "--connect", address)
        assert shown.returncode == 0, shown.stderr
        assert "backlog caught up at <= 1.25x the rate, catching up" in shown.stdout, shown.stdout
        time.sleep(3)  # the scenario: the first worker alone for 3 s, then a second joins
        workers.append(spawn("worker", "--connect", address, "--name", "second", log=tmp_path / "second.log"))
        probe.wait_for(lambda s: len(s["workers"]) == 2, "the second worker to join", 30)
        assert finish(controller, 60) == 0, logs(tmp_path)
        assert [finish(w, 30) for w in workers] == [0, 0], logs(tmp_path)
        data = json.loads(summary.read_text())
        report = receiver.settle(data["total"]["sent"])
    finally:
        probe.close()
        receiver.close()
        for proc in [controller, *workers]:
            if proc.poll() is None:
                proc.kill()

    total = data["total"]
    assert total["failed"] == 0 and total["generated"] == total["sent"] > 0, total
    assert "reissued" not in data["jobs"] and "dropped" not in data["jobs"], data["jobs"]
    assert report["lines"] == total["sent"] and report["without_id"] == 0 and report["partial_bytes"] == 0, report
    ids = report["ids"]
    assert (ids["distinct"], ids["highest"], ids["duplicates"]) == (total["sent"], total["sent"] - 1, 0), ids
    per_second = [n for _, n in report["per_second"]]
    bound = 1.25 * rate + 0.1 * rate
    assert max(per_second) <= bound, f"a second held {max(per_second)} lines (bound {bound:g}): {per_second}"
    assert sum(n > 1.1 * rate for n in per_second) >= 3, per_second  # it did catch up, above the rate
    assert "backlog caught up at <= 1.25x the rate" in (tmp_path / "controller.log").read_text()


def test_a_worker_stopped_with_sigterm_gives_its_jobs_back_nothing_is_reissued(tmp_path: Path) -> None:
    """Two workers under a 10,000 events/s run (200 jobs/s); one gets SIGTERM mid-run, as a pod does: it gives
    back the jobs it had not begun (and those still on the wire), finishes the one it renders, says BYE."""
    receiver = Receiver(tmp_path)
    controller, port, address, summary = start_controller(
        tmp_path, receiver, 10000, 9, "--expect-workers", "2", "--status-interval", "0"
    )
    workers = {
        name: spawn("worker", "--connect", address, "--name", name, "--capacity", "8", log=tmp_path / f"{name}.log")
        for name in ("stays", "goes")
    }
    probe = Probe(port)
    try:
        probe.wait_for(lambda s: all(w["jobs"] >= 20 for w in s["workers"]) and len(s["workers"]) == 2, "work", 30)
        workers["goes"].send_signal(signal.SIGTERM)
        assert finish(workers["goes"], 30) == 0, logs(tmp_path)
        assert probe.status()["jobs"]["done"] > 0
        assert finish(controller, 60) == 0, logs(tmp_path)
        assert finish(workers["stays"], 30) == 0, logs(tmp_path)
        data = json.loads(summary.read_text())
        report = receiver.settle(data["total"]["sent"])
    finally:
        probe.close()
        receiver.close()
        for proc in [controller, *workers.values()]:
            if proc.poll() is None:
                proc.kill()

    total = data["total"]
    assert total["generated"] == total["sent"] + total["failed"] and total["failed"] == 0, total
    assert data["jobs"].get("reissued", 0) == 0, data["jobs"]  # returned jobs are reassigned, not re-issued
    assert "dropped" not in data["jobs"] and "refused" not in data["jobs"], data["jobs"]
    rows = {w["name"]: w for w in data["workers"]}
    assert rows["goes"]["state"] == "left" and rows["goes"]["jobs"] >= 20, rows
    assert rows["stays"]["sent"] + rows["goes"]["sent"] == total["sent"], rows
    ids = report["ids"]
    assert (ids["distinct"], ids["highest"], ids["duplicates"]) == (total["sent"], total["sent"] - 1, 0), ids
    text = (tmp_path / "controller.log").read_text()
    assert "worker goes is leaving" in text and "worker goes left" in text, text[-3000:]
    assert "the controller did not answer our BYE" not in (tmp_path / "goes.log").read_text()
