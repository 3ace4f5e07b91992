"""One engine in every mode: the same conf gives the same exact summary in thread, process and cluster mode,
for a faulty output plugin, one sample with two outputs, and a worker killed mid-run."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT, free_port, write_conf
from tests.waiting import wait_for

pytestmark = pytest.mark.e2e

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
MODES = ("thread", "process", "cluster")

FAULTY = """
from eventgen.plugin.base import OutputPlugin


class Faulty(OutputPlugin):
    name = "faulty"
    summary = "Raises on every third batch (a plugin bug), delivers the others."

    def write(self, batch):
        if batch.seq % 3 == 0:
            raise RuntimeError(f"bug in batch {batch.seq}")
"""


def conf(folder: Path, outputs: str, count: int, end: int, job_size: int, extra: str = "", engine: str = "") -> None:
    (folder / "ids.log").write_text("id=@@ID\n")
    (folder / "plugins" / "output").mkdir(parents=True, exist_ok=True)
    (folder / "plugins" / "output" / "faulty.py").write_text(FAULTY)
    write_conf(
        folder,
        f"""
        [global]
        pluginDir = plugins
        {engine}

        [ids\\.log]
        sampleDir = .
        count = {count}
        end = {end}
        timeMode = sample
        jobSize = {job_size}
        outputMode = {outputs}
        fileName = {folder}/out{{worker}}.log
        fileMaxBytes = 0
        token.0.token = @@ID
        token.0.replacementType = integerid
        token.0.replacement = 0
        {extra}
    """,
    )


def start(mode: str, folder: Path, *flags: str) -> tuple[subprocess.Popen, list[subprocess.Popen]]:
    """The run's main process and (cluster) its two workers; the summary goes to s.json."""
    base = [sys.executable, "-m", "eventgen"]
    out = dict(cwd=folder, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if mode != "cluster":
        threading = ["--threading", mode, "--generators", "2"]
        return subprocess.Popen([*base, "eventgen.conf", *threading, "--stats-json", "s.json", *flags], **out), []
    address = f"tcp://127.0.0.1:{free_port()}"
    main = subprocess.Popen(
        [
            *base,
            "controller",
            "eventgen.conf",
            "--bind",
            address,
            "--stats-json",
            "s.json",
            "--expect-workers",
            "2",
            *flags,
        ],
        **out,
    )
    workers = [
        subprocess.Popen([*base, "worker", "--connect", address, "--name", f"w{i}", "--capacity", "2"], **out)
        for i in range(2)
    ]
    return main, workers


def run(mode: str, folder: Path, *flags: str) -> tuple[int, str, dict]:
    main, workers = start(mode, folder, *flags)
    _, err = main.communicate(timeout=120)
    for worker in workers:
        worker.communicate(timeout=30)
    return main.returncode, err, json.loads((folder / "s.json").read_text())


def rows(summary: dict) -> dict[str, tuple[int, int, int]]:
    return {r["output"]: (r["generated"], r["sent"], r["failed"]) for r in summary["rows"]}


@pytest.mark.parametrize("mode", [*MODES, "thread+useOutputQueue", "process+useOutputQueue"])
def test_a_faulty_output_plugin_is_counted_and_named_the_same_in_every_mode(tmp_path: Path, mode: str) -> None:
    mode, _, queue = mode.partition("+")
    conf(
        tmp_path,
        "faulty, devnull",
        count=100,
        end=9,
        job_size=100,
        engine="useOutputQueue = true\n        outputWorkers = 2" if queue else "",
    )
    code, err, summary = run(mode, tmp_path)
    assert code == 1, err  # something failed: non-zero exit
    assert rows(summary) == {"faulty": (900, 600, 300), "devnull": (900, 900, 0)}
    total = summary["total"]
    assert (total["generated"], total["deliveries"], total["sent"], total["failed"]) == (900, 1800, 1500, 300)
    assert re.fullmatch(r"RuntimeError: bug in batch [036]", summary["errors"]["faulty"])
    assert "last error from faulty: RuntimeError: bug in batch" in err
    assert summary["jobs"]["done"] == 9 and "failed" not in summary["jobs"]


@pytest.mark.parametrize("mode", MODES)
def test_one_sample_with_two_outputs_counts_generated_once(tmp_path: Path, mode: str) -> None:
    conf(tmp_path, "devnull, file", count=50, end=2, job_size=25)
    code, err, summary = run(mode, tmp_path)
    assert code == 0, err
    assert rows(summary) == {"devnull": (100, 100, 0), "file": (100, 100, 0)}
    total = summary["total"]
    assert (total["generated"], total["deliveries"], total["sent"], total["failed"]) == (100, 200, 200, 0)
    assert total["events_per_second"] == pytest.approx(100 / summary["elapsed_seconds"], rel=0.1)  # not 200
    written = sorted(int(line[3:]) for f in tmp_path.glob("out*.log") for line in f.read_text().splitlines())
    assert written == list(range(100))
    assert "100 events made 200 deliveries" in err


@pytest.mark.parametrize("mode", ["process", "cluster"])
def test_a_killed_worker_changes_nothing_in_the_summary(tmp_path: Path, mode: str) -> None:
    count, end = 200_000, 15
    conf(tmp_path, "file", count=count, end=end, job_size=20_000)
    main, workers = start(mode, tmp_path)
    wait_for(lambda: sum(f.stat().st_size for f in tmp_path.glob("out*.log")) >= 5_000_000, "5 MB", 60, process=main)
    if mode == "process":
        victim = next(c for c in psutil.Process(main.pid).children() if "python" in c.name().lower())
        victim.send_signal(signal.SIGKILL)
    else:
        workers[0].send_signal(signal.SIGKILL)
    _, err = main.communicate(timeout=120)
    for worker in workers:
        worker.communicate(timeout=30)
    assert main.returncode == 0, err
    summary = json.loads((tmp_path / "s.json").read_text())
    assert rows(summary) == {"file": (count * end, count * end, 0)}
    assert summary["jobs"]["done"] == 10 * end
    lines = [line for f in sorted(tmp_path.glob("out*.log")) for line in f.read_text().splitlines()]
    ids = [int(line[3:]) for line in lines]  # a torn line would not parse
    assert set(ids) == set(range(count * end))
    duplicates = len(ids) - count * end
    if mode == "process":
        assert duplicates == 0  # the parent is the file's single writer: it writes only accepted jobs
    else:
        assert 0 <= duplicates <= summary["jobs"].get("reissued_events", 0)  # at-least-once, counted
