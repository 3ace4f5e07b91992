"""User plugins that lie, exit, block or fail to close, run from the command line in thread and process mode: the
summary counts what their answers can support, names the plugin and the reason, and the run always ends; a
second SIGTERM ends it at once, saying how much was made."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT, write_conf
from tests.waiting import wait_for

pytestmark = pytest.mark.e2e

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
MODES = {"thread": ("--threading", "thread"), "process": ("--threading", "process")}

OUTPUTS = """
import os
import threading

from eventgen.plugin import OutputPlugin


class Liar(OutputPlugin):
    name = "liar"
    summary = "Answers write() with nonsense for the first three batches."

    def write(self, payload):
        return {0: 10**9, 1: -7, 2: [0, 0, 10**6, -1]}.get(payload.seq)


class Quitter(OutputPlugin):
    name = "quitter"
    summary = "Calls sys.exit in write()."

    def write(self, payload):
        raise SystemExit(3)


class Closer(OutputPlugin):
    name = "closer"
    summary = "Writes, then fails to close."

    def open(self):
        self.kept = []

    def write(self, payload):
        self.kept.append(payload.count)

    def close(self):
        raise OSError("disk vanished while flushing")


class Blocker(OutputPlugin):
    name = "blocker"
    summary = "Blocks forever in write() from its third batch on."

    def write(self, payload):
        if payload.seq >= 2:
            open("blocked", "w").close()
            threading.Event().wait()
"""

GENERATORS = """
import numpy as np

from eventgen.plugin import EventBatch, GeneratorPlugin


class Flaky(GeneratorPlugin):
    name = "flaky"
    summary = "Fails its second job; its fourth makes one event more than asked."
    needs_sample_file = False

    @classmethod
    def exact_count(cls, sample):
        return True  # one event per time: a batch may not hold more than its job's count

    def generate(self, job):
        if job.seq == 1:
            raise RuntimeError("flaky generator broke")
        count = job.count + (1 if job.seq == 3 else 0)
        return EventBatch(job.sample, job.seq, [f"e{i}" for i in range(count)], np.full(count, job.earliest))
"""


def setup(folder: Path, stanza: str, engine: str = "") -> None:
    (folder / "plugins" / "output").mkdir(parents=True, exist_ok=True)
    (folder / "plugins" / "generator").mkdir(parents=True, exist_ok=True)
    (folder / "plugins" / "output" / "faults.py").write_text(OUTPUTS)
    (folder / "plugins" / "generator" / "flaky.py").write_text(GENERATORS)
    (folder / "s.log").write_text("an event\n")
    write_conf(folder, f"[global]\npluginDir = plugins\n{engine}\n\n{stanza}")


def run(folder: Path, mode: str, *flags: str, timeout: float = 90) -> tuple[int, str, dict]:
    argv = [sys.executable, "-m", "eventgen", "eventgen.conf", *MODES[mode], "--generators", "2"]
    proc = subprocess.run(
        [*argv, "--stats-json", "s.json", "--status-interval", "0", *flags],
        cwd=folder,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return proc.returncode, proc.stderr, json.loads((folder / "s.json").read_text())


def rows(summary: dict) -> dict[tuple[str, str], tuple[int, int, int]]:
    return {(r["sample"], r["output"]): (r["generated"], r["sent"], r["failed"]) for r in summary["rows"]}


STANZA = """
[s\\.log]
sampleDir = .
count = 10
end = {end}
timeMode = sample
outputMode = {outputs}
"""


@pytest.mark.parametrize("mode", sorted(MODES))
def test_write_answers_that_cannot_be_true_fail_their_batch_with_the_plugins_name(tmp_path: Path, mode: str) -> None:
    setup(tmp_path, STANZA.format(end=5, outputs="liar, devnull"))
    code, err, summary = run(tmp_path, mode)
    assert code == 1, err
    # three batches of ten answered 10**9, -7 and [0, 0, 10**6, -1]: each is all ten failed, not -19,999,980,000
    assert rows(summary) == {("s.log", "liar"): (50, 20, 30), ("s.log", "devnull"): (50, 50, 0)}
    assert summary["total"]["sent"] + summary["total"]["failed"] == summary["total"]["deliveries"] == 100
    error = summary["errors"]["liar"]
    assert re.fullmatch(r"output liar: write\(\) returned (1000000000|-7|\[0, 0, 1000000, -1\]) for a batch .*", error)
    assert "last error from liar: output liar: write() returned" in err


@pytest.mark.parametrize("mode", sorted(MODES))
def test_system_exit_in_write_is_the_batchs_failure_and_the_run_ends(tmp_path: Path, mode: str) -> None:
    setup(tmp_path, STANZA.format(end=3, outputs="quitter, devnull"))
    started = time.monotonic()
    code, err, summary = run(tmp_path, mode, timeout=60)
    assert time.monotonic() - started < 30  # it used to hang until killed
    assert code == 1, err
    assert rows(summary) == {("s.log", "quitter"): (30, 0, 30), ("s.log", "devnull"): (30, 30, 0)}
    assert summary["errors"]["quitter"] == "SystemExit: 3"
    assert summary["jobs"]["done"] == 3


@pytest.mark.parametrize("mode", sorted(MODES))
def test_an_error_closing_an_output_fails_the_run_and_is_named(tmp_path: Path, mode: str) -> None:
    setup(tmp_path, STANZA.format(end=2, outputs="closer"))
    code, err, summary = run(tmp_path, mode)
    assert code == 1, err  # it used to exit 0 without a word
    assert rows(summary) == {("s.log", "closer"): (20, 20, 0)}
    errors = summary["close_errors"]
    assert set(errors.values()) == {"OSError: disk vanished while flushing"}
    if mode == "thread":
        assert list(errors) == ["closer"]
    else:  # each worker process closes its own instance and says so in its last message
        assert set(errors) <= {"closer (process-0)", "closer (process-1)"} and errors
    assert re.search(r"last error from closer( \(process-\d\))?: closing failed: OSError: disk vanished", err)


@pytest.mark.parametrize("mode", sorted(MODES))
def test_a_failed_jobs_events_are_failed_in_the_rows_of_its_sample(tmp_path: Path, mode: str) -> None:
    stanza = STANZA.format(end=4, outputs="devnull, file") + "generator = flaky\nfileName = out.log\n"
    setup(tmp_path, stanza)
    code, err, summary = run(tmp_path, mode)
    assert code == 1, err
    # job 1 raised, job 3 made 11 events for a job of 10: both are 10 events generated (asked for) and failed
    assert rows(summary) == {("s.log", "devnull"): (40, 20, 20), ("s.log", "file"): (40, 20, 20)}
    total = summary["total"]
    assert (total["generated"], total["deliveries"], total["sent"], total["failed"]) == (40, 80, 40, 40)
    assert summary["jobs"]["failed"] == 2 and summary["jobs"]["failed_events"] == 20
    assert len((tmp_path / "out.log").read_text().splitlines()) == 20
    assert "generator failed: RuntimeError: flaky generator broke" in err
    assert "generator flaky (sample s.log, job 3) made 11 event(s) for a job of 10" in err


def test_every_sample_has_a_row_and_long_names_are_whole(tmp_path: Path) -> None:
    name = "gcp_monitoring_compute_instance_metrics_long.log"  # 48 characters: used to read `gcp_monitoring_compute_in`
    (tmp_path / name).write_text("x\n")
    stanzas = STANZA.format(end=0, outputs="devnull, file") + "fileName = out.log\n"
    stanzas += f"\n[{name.replace('.', chr(92) + '.')}]\nsampleDir = .\ncount = 3\nend = 1\noutputMode = devnull\n"
    setup(tmp_path, stanzas)
    code, err, summary = run(tmp_path, "thread")
    assert code == 0, err
    assert rows(summary) == {
        (name, "devnull"): (3, 3, 0),
        ("s.log", "devnull"): (0, 0, 0),  # end = 0: no event, still a row per output
        ("s.log", "file"): (0, 0, 0),
    }
    table = [line.split() for line in err.splitlines() if line.startswith((name, "s.log"))]
    assert [line[:3] for line in table] == [[name, "devnull", "3"], ["s.log", "devnull", "0"], ["s.log", "file", "0"]]


def blocked_run(folder: Path, mode: str) -> subprocess.Popen:
    setup(folder, STANZA.format(end=10, outputs="blocker"))
    argv = [sys.executable, "-m", "eventgen", "eventgen.conf", *MODES[mode], "--generators", "1"]
    with (folder / "err.txt").open("w") as err:
        return subprocess.Popen(
            [*argv, "--status-interval", "0"], cwd=folder, env=ENV, stderr=err, start_new_session=True
        )


@pytest.mark.parametrize("mode", sorted(MODES))
def test_a_second_sigterm_quits_at_once_and_says_how_much_was_made(tmp_path: Path, mode: str) -> None:
    """A plugin blocked forever in write(): the first SIGTERM asks for a drain (which cannot finish), the second
    ends the process at once, worker processes included, with exit status 130 and one line of counts."""
    proc = blocked_run(tmp_path, mode)
    err = tmp_path / "err.txt"
    try:
        wait_for((tmp_path / "blocked").exists, "blocked write", process=proc)
        workers = psutil.Process(proc.pid).children(recursive=True)
        assert len(workers) == (1 if mode == "process" else 0)
        os.killpg(proc.pid, signal.SIGTERM)  # as systemd and Kubernetes send it: to the whole group
        wait_for(lambda: "stopping (SIGTERM): draining" in err.read_text(), "drain notice", process=proc)
        os.killpg(proc.pid, signal.SIGTERM)
        sent = time.monotonic()
        code = proc.wait(timeout=10)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert code == 130, err.read_text()
    assert took < 5, took
    text = err.read_text()
    made = re.search(r"eventgen: quit at once on a second SIGTERM: (\d+) events generated, (\d+) sent, 0 failed", text)
    assert made, text
    assert made.group(1) == made.group(2) and int(made.group(1)) in (0, 10, 20)  # the two batches before the block
    assert "Traceback" not in text
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == []  # worker processes die with their parent


def _kill_a_worker_mid_run(folder: Path) -> tuple[dict, str, Path]:
    """A process-mode run of 400,000 ids to file (written by the parent) and devnull (by the workers), one of
    its two workers killed once 400 KB are written: (the summary, stderr, the file)."""
    folder.mkdir()
    (folder / "ids.log").write_text("id=@@ID\n")
    setup(
        folder,
        """
        [ids\\.log]
        sampleDir = .
        count = 20000
        end = 20
        timeMode = sample
        jobSize = 2000
        outputMode = file, devnull
        fileName = out.log
        fileMaxBytes = 0
        token.0.token = @@ID
        token.0.replacementType = integerid
        token.0.replacement = 0
        """.replace("\n        ", "\n"),
    )
    argv = [sys.executable, "-m", "eventgen", "eventgen.conf", *MODES["process"], "--generators", "2"]
    proc = subprocess.Popen(
        [*argv, "--stats-json", "s.json", "--status-interval", "0"],
        cwd=folder,
        env=ENV,
        stderr=subprocess.PIPE,
        text=True,
    )
    out = folder / "out.log"
    wait_for(lambda: out.exists() and out.stat().st_size > 400_000, "400 KB written", 60, process=proc)
    victim = next(c for c in psutil.Process(proc.pid).children() if "python" in c.name().lower())
    victim.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return json.loads((folder / "s.json").read_text()), err, out


def test_events_of_a_lost_workers_jobs_may_be_duplicated_at_the_outputs_the_workers_write(tmp_path: Path) -> None:
    """Process mode: a worker killed mid-run has its jobs re-issued. devnull is written by the workers, so those
    events may have gone out twice; file is written by the parent for accepted jobs only, so it has no copy.
    A worker killed between two jobs holds none, and then nothing is re-issued or may be duplicated: both
    outcomes are checked exactly, and runs are repeated (at most 8) until one kill has caught a job."""
    for attempt in range(8):
        summary, err, out = _kill_a_worker_mid_run(tmp_path / f"run{attempt}")
        reissued = summary["jobs"].get("reissued_events", 0)
        dup = {r["output"]: r["may_be_duplicated"] for r in summary["rows"]}
        assert dup == {"devnull": reissued, "file": 0}
        assert rows(summary) == {
            ("ids.log", "devnull"): (400_000,) * 2 + (0,),
            ("ids.log", "file"): (400_000,) * 2 + (0,),
        }
        ids = [int(line[3:]) for line in out.read_text().splitlines()]
        assert sorted(ids) == list(range(400_000))  # the parent's own output: exact
        if reissued:
            assert f"devnull: {reissued:,} event(s) of ids.log may be duplicated" in err
            return
        assert "may be duplicated" not in err
    raise AssertionError("no kill of 8 caught a worker holding a job")


def test_a_reader_that_goes_away_is_not_waited_for(tmp_path: Path) -> None:
    """Every output runs under the retry budget, but a closed pipe on stdout (`eventgen ... | head -1`) cannot come
    back: it is not retried for the budget's 10 s, the run ends at once."""
    stanza = STANZA.format(end=1, outputs="stdout").replace("count = 10\n", "count = 200000\njobSize = 1000\n")
    setup(tmp_path, stanza)
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "eventgen", "eventgen.conf", "--status-interval", "0"],
        cwd=tmp_path,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout.readline() == b"an event\n"
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert time.monotonic() - started < 6, err  # retried, it took 10 s more
    assert proc.returncode == 1
    assert "stdout closed: [Errno 32] Broken pipe" in err.decode()
