"""What a user watching the terminal sees: progress on a TTY, plain lines in a pipe, -v / -vv, live status."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, cli, free_port, write_conf

pytestmark = pytest.mark.e2e

# 3,600 ticks of 2,000 events, all in the past: 7.2 million events, a second or two of devnull on one core
HISTORICAL = """
[global]
outputMode = devnull

[hist.log]
interval = 1
count = 2000
backfill = 2024-01-01T00:00:00
end = 2024-01-01T00:59:59
"""
PERCENT = re.compile(r"eventgen: (\d+\.\d)% of 7,200,000, ([\d,]+) generated")
PINNED = ["--seed", "1"]


def run_on_pty(args: list[str], cwd: Path, timeout: float = 120) -> tuple[int, str]:
    """Run `python -m eventgen ARGS` with stderr on a pseudo-terminal (200 columns); what it drew there."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "eventgen", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave,
    )
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return code, b"".join(chunks).decode("utf-8", "replace")


def test_historical_run_on_a_tty_redraws_one_progress_line_to_100_percent(tmp_path: Path) -> None:
    write_conf(tmp_path, HISTORICAL)
    (tmp_path / "hist.log").write_text("x=1\n", "utf-8")
    code, screen = run_on_pty(["generate", "eventgen.conf", *PINNED], tmp_path)
    assert code == 0, screen
    drawn, _, summary = screen.partition("\n\r\neventgen summary")  # the pty turns \n into \r\n
    assert summary, screen
    # one terminal line, redrawn in place: carriage returns, no newline until the run is over
    assert "\n" not in drawn and drawn.startswith("\r"), drawn[:400]
    frames = [f.removesuffix("\x1b[K") for f in drawn.split("\r") if f]
    percents = [float(PERCENT.match(f).group(1)) for f in frames]
    assert len(frames) >= 2 and percents == sorted(percents), frames
    assert frames[-1].startswith("eventgen: 100.0% of 7,200,000, 7,200,000 generated, 7,200,000 sent, 0 failed, ")
    assert "ETA" not in frames[-1]
    assert any(re.search(r"events/s, [\d.]+ MB/s, ETA \d+s$", f) for f in frames[:-1]), frames
    assert re.search(r"\nTOTAL +7,200,000 +7,200,000 ", summary.replace("\r", "")), summary


def test_historical_run_into_a_pipe_prints_plain_lines(tmp_path: Path) -> None:
    write_conf(tmp_path, HISTORICAL)
    (tmp_path / "hist.log").write_text("x=1\n", "utf-8")
    result = cli("generate", "eventgen.conf", *PINNED, "--status-interval", "0.2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr and "\x1b" not in result.stderr
    status = [line for line in result.stderr.splitlines() if line.startswith("eventgen: ")]
    assert status, result.stderr
    for line in status:
        assert PERCENT.match(line), line
        assert re.search(r", [\d,]+ events/s, [\d.]+ MB/s(, ETA \d+s)?$", line), line


def test_verbose_lists_the_plan_and_very_verbose_each_job(tmp_path: Path) -> None:
    out = tmp_path / "out.log"
    write_conf(
        tmp_path,
        f"""
        [web.log]
        interval = 60
        count = 3
        backfill = -5m
        end = now
        outputMode = file
        fileName = {out}

        [api.log]
        input = linspace
        count = 4
        linspaceStart = -1h
        linspaceEnd = now
        outputMode = devnull
        """,
    )
    (tmp_path / "web.log").write_text("w=1\n", "utf-8")
    (tmp_path / "api.log").write_text("a=1\n", "utf-8")
    now = ["--now", "2024-01-01T00:00:00"]
    quiet = cli("generate", "eventgen.conf", *now, cwd=tmp_path)
    assert "plan:" not in quiet.stderr and "DEBUG" not in quiet.stderr

    verbose = cli("-v", "generate", "eventgen.conf", *now, cwd=tmp_path)
    assert verbose.returncode == 0, verbose.stderr
    err = verbose.stderr
    assert re.search(
        r"INFO: plan: sample web\.log: generator default, input interval every 60(\.0)?s, count 3, rater config, "
        r"2023-12-31T23:55:00\S* to 2024-01-01T00:00:00\S* \(historical\), 18 events planned; outputs file\n",
        err,
    ), err
    assert "INFO: plan: sample api.log: generator default, input linspace, rater config, from " in err
    assert "live until stopped; outputs devnull" in err
    assert f"INFO: plan: output file (fileName={out}" in err
    assert "INFO: plan: output devnull for api.log" in err
    assert re.search(r"\(historical\), 18 events planned; outputs file\n", err), err  # 6 ticks of 3: -5m … now
    assert "DEBUG" not in err

    debug = cli("-vv", "generate", "eventgen.conf", *now, cwd=tmp_path)
    assert debug.returncode == 0, debug.stderr
    jobs = re.findall(r"DEBUG: job (\S+)#(\d+): (\d+) event\(s\), times [\d.]+ to [\d.]+, to worker \S+", debug.stderr)
    assert {j[0] for j in jobs} == {"web.log", "api.log"}
    assert sum(int(j[2]) for j in jobs) == 18 + 4
    done = re.findall(r"DEBUG: job (\S+)#(\d+) done: (\d+) made, (\d+) sent, 0 failed", debug.stderr)
    assert sorted((d[0], d[1]) for d in done) == sorted((j[0], j[1]) for j in jobs)


def test_live_run_into_a_dead_port_names_the_error_in_the_status_line(tmp_path: Path) -> None:
    port = free_port()  # bound and released: nothing listens there
    write_conf(
        tmp_path,
        f"""
        [dead.log]
        interval = 1
        count = 5
        outputMode = tcpout
        tcpDestinationPort = {port}
        """,
    )
    (tmp_path / "dead.log").write_text("x=1\n", "utf-8")
    result = cli("generate", "eventgen.conf", "--status-interval", "0.5", "--duration", "3", cwd=tmp_path, timeout=60)
    status = [line for line in result.stderr.splitlines() if re.match(r"eventgen: [\d,]+ generated", line)]
    assert len(status) >= 3, result.stderr
    shape = re.compile(r", [\d,]+ events/s, [\d.]+ MB/s, (lag [\d.]+s|behind schedule by [\d.]+s)")
    assert all(shape.search(s) for s in status), status
    reason = f"last error from tcpout: cannot connect to 127.0.0.1:{port}: Connection refused"
    named = [s for s in status if reason in s]
    assert named, result.stderr
    assert re.match(r"eventgen: [\d,]+ generated, 0 sent, [1-9][\d,]* failed, [\d,]+ events/s, ", named[0])


def test_a_short_paced_run_states_no_rate(tmp_path: Path) -> None:
    write_conf(
        tmp_path,
        """
        [ramp.log]
        input = linspace
        count = 3
        linspaceStart = now
        linspaceEnd = +0.3s
        outputMode = devnull
        """,
    )
    (tmp_path / "ramp.log").write_text("r=1\n", "utf-8")
    result = cli("generate", "eventgen.conf", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    pacing = [line for line in result.stderr.splitlines() if line.startswith("live pacing:")]
    assert len(pacing) == 1 and "achieved" not in pacing[0], result.stderr
    assert re.fullmatch(
        r"live pacing: 3 event\(s\) released when due over 0\.\ds \(too short for a rate\), worst lag [\d.]+s",
        pacing[0],
    )
