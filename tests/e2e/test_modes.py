"""Thread, process and ZeroMQ modes: identical output for a seed, exact totals, no silent loss."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT, cli, write_conf
from tests.waiting import line_count, wait_for

pytestmark = pytest.mark.e2e

MODES = {
    "thread": ("--threading", "thread"),
    "process": ("--threading", "process", "--queueing", "python"),
    "zeromq": ("--threading", "process", "--queueing", "zeromq"),
}
CONF = """
    [ev\\.log]
    count = {count}
    end = {end}
    timeMode = sample
    interval = 30
    jobSize = {job_size}
    backfill = 2026-03-01T00:00:00
    earliest = -30s
    timezone = utc
    outputMode = {output}
    fileName = out.log
    fileMaxBytes = 0
    token.0.token = ID
    token.0.replacementType = integerid
    token.0.replacement = 0
    token.1.token = TS
    token.1.replacementType = timestamp
    token.1.replacement = %Y-%m-%dT%H:%M:%S.%f
    token.2.token = IP
    token.2.replacementType = random
    token.2.replacement = ipv4
    token.3.token = N
    token.3.replacementType = random
    token.3.replacement = float[0.00:9.99]
"""


def setup(tmp_path: Path, count: int, end: int = 1, job_size: int = 1000, output: str = "stdout") -> None:
    (tmp_path / "ev.log").write_text("id=ID ts=TS ip=IP n=N\n")
    write_conf(tmp_path, CONF.format(count=count, end=end, job_size=job_size, output=output))


def test_same_seed_same_events_in_every_mode_and_worker_count(tmp_path: Path) -> None:
    setup(tmp_path, count=3000, end=4)
    reference = cli("eventgen.conf", "--seed", "9", *MODES["thread"], cwd=tmp_path)
    assert reference.returncode == 0, reference.stderr
    expected = reference.stdout.splitlines()
    assert len(expected) == 12000
    for mode, flags in MODES.items():
        for workers in ("1", "3"):
            result = cli("eventgen.conf", "--seed", "9", *flags, "--generators", workers, cwd=tmp_path)
            assert result.returncode == 0, result.stderr
            lines = result.stdout.splitlines()
            if workers == "1":
                assert lines == expected, (mode, workers)  # byte-identical, same order
            else:
                assert sorted(lines) == sorted(expected), (mode, workers)


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("workers", [1, 2, 4])
def test_exact_totals(tmp_path: Path, mode: str, workers: int) -> None:
    setup(tmp_path, count=25_000, end=3, job_size=700, output="file")
    result = cli("eventgen.conf", *MODES[mode], "--generators", str(workers), "--stats-json", "s.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    ids = [int(re.match(r"id=(\d+) ", line).group(1)) for line in (tmp_path / "out.log").read_text().splitlines()]
    assert sorted(ids) == list(range(75_000))
    total = json.loads((tmp_path / "s.json").read_text())["total"]
    assert (total["generated"], total["sent"], total["failed"]) == (75_000, 75_000, 0)


def start(folder: Path, mode: str) -> subprocess.Popen:
    """The folder's eventgen.conf in `mode` with 2 generators, in the background, summary to s.json."""
    argv = [
        sys.executable,
        "-m",
        "eventgen",
        "eventgen.conf",
        *MODES[mode],
        "--generators",
        "2",
        "--stats-json",
        "s.json",
    ]
    return subprocess.Popen(
        argv, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={"PYTHONPATH": str(ROOT)}
    )


@pytest.mark.parametrize("mode", ["process", "zeromq"])
def test_killed_worker_is_replaced_and_its_job_redone(tmp_path: Path, mode: str) -> None:
    count = 3_000_000
    setup(tmp_path, count=count, job_size=20_000, output="file")
    proc = start(tmp_path, mode)
    parent = psutil.Process(proc.pid)
    out = tmp_path / "out.log"
    wait_for(lambda: out.exists() and out.stat().st_size >= 2_000_000, "2 MB written", 30, process=proc)
    victim = next(c for c in parent.children() if "python" in c.name().lower())
    victim.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert re.search(r"worker \d \(pid \d+\) died with exit code -9", err), err
    reissued = json.loads((tmp_path / "s.json").read_text())["jobs"].get("reissued", 0)
    if reissued:  # it held jobs when it died (a worker waiting for the single writer may hold none)
        assert re.search(r"worker process-\d lost \(exit code -9\): re-issuing its \d job\(s\) in flight", err), err
    ids = {int(line[3 : line.index(" ")]) for line in (tmp_path / "out.log").read_text().splitlines()}
    assert ids == set(range(count))  # every event delivered (the killed job's partial write may repeat some)
    total = json.loads((tmp_path / "s.json").read_text())["total"]
    assert (total["generated"], total["sent"], total["failed"]) == (count, count, 0)  # each job counted once


@pytest.mark.parametrize("mode", sorted(MODES))
def test_ctrl_c_mid_run_gives_truthful_summary(tmp_path: Path, mode: str) -> None:
    (tmp_path / "ev.log").write_text("live event\n")
    write_conf(
        tmp_path,
        """
        [ev\\.log]
        count = 2000
        interval = 0.05
        outputMode = file
        fileName = out.log
    """,
    )
    proc = start(tmp_path, mode)
    workers, out = (0 if mode == "thread" else 2), tmp_path / "out.log"

    def running() -> bool:  # under way: its workers started and events written
        return len(psutil.Process(proc.pid).children(recursive=True)) >= workers and line_count(out) > 0

    wait_for(running, "the run to be under way", 30, process=proc)
    children = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    total = json.loads((tmp_path / "s.json").read_text())["total"]
    written = len((tmp_path / "out.log").read_text().splitlines())
    assert total["generated"] == total["sent"] + total["failed"] == written
    assert written > 0
    assert len(children) == (0 if mode == "thread" else 2)
    assert not [child for child in children if child.is_running() and child.status() != psutil.STATUS_ZOMBIE]


@pytest.mark.parametrize("mode", sorted(MODES))
def test_output_queue_with_several_output_workers(tmp_path: Path, mode: str) -> None:
    setup(tmp_path, count=20_000, end=2, job_size=500, output="file")
    conf = tmp_path / "eventgen.conf"
    conf.write_text("[global]\nuseOutputQueue = true\noutputWorkers = 3\n\n" + conf.read_text())
    result = cli("eventgen.conf", *MODES[mode], "--generators", "2", "--stats-json", "s.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    ids = sorted(int(line.split()[0][3:]) for line in (tmp_path / "out.log").read_text().splitlines())
    assert ids == list(range(40_000))
    assert json.loads((tmp_path / "s.json").read_text())["total"]["sent"] == 40_000


@pytest.mark.parametrize("mode", sorted(MODES))
def test_stateful_template_state_continues_with_several_workers(tmp_path: Path, mode: str) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "c.j2").write_text(
        "{% set n = locals.get('n', 0) + 1 %}{% do locals.set('n', n) %}n={{ n }}\n"
    )
    write_conf(
        tmp_path,
        """
        [counter]
        generator = jinja
        jinjaTemplates = {"c": {"template": "c.j2"}}
        count = 50
        end = 20
        timeMode = sample
        jobSize = 7
    """,
    )
    result = cli("eventgen.conf", *MODES[mode], "--generators", "3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(int(line[2:]) for line in result.stdout.splitlines()) == list(range(1, 1001))
