"""Scaffolding of the scheduling tests: a replay sample and its token, the times it holds, an epoch-stamp token, and
a live run whose stdout lines are timed as they arrive."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from tests.conftest import ROOT

IND = "\n        "  # constants spliced into dedented confs keep the conf's indentation


def epoch_token(pattern: str) -> str:
    """token.0: `pattern` replaced by the event's time as epoch seconds with microseconds (`%s.%f`)."""
    return IND.join(
        [f"token.0.token = {pattern}", "token.0.replacementType = timestamp", "token.0.replacement = %s.%f"]
    )


REPLAY = """2024-03-01 10:00:00.000 login user=a
2024-03-01 10:00:00.100 query user=a
Mar 01 10:00:02.100 2024 syslog-style line
2024-03-01 10:00:02.600 logout user=a
"""
REPLAY_TOKEN = IND.join(
    [
        "token.0.token = ^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}"
        "|\\w{3} \\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\d{4})",
        "token.0.replacementType = replaytimestamp",
        'token.0.replacement = ["%Y-%m-%d %H:%M:%S.%f", "%b %d %H:%M:%S.%f %Y"]',
    ]
)


def replay_times(lines: list[str]) -> np.ndarray:
    out = []
    for line in lines:
        if line[:4].isdigit():
            text, fmt = " ".join(line.split()[:2]), "%Y-%m-%d %H:%M:%S.%f"
        else:
            text, fmt = " ".join(line.split()[:4]), "%b %d %H:%M:%S.%f %Y"
        out.append(datetime.strptime(text, fmt).replace(tzinfo=UTC).timestamp())
    return np.array(out)


def read_live(args: list[str], cwd: Path, seconds: float) -> tuple[list[tuple[float, bytes]], str]:
    """Run the CLI live, recording when each stdout line arrives."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "eventgen", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    arrivals: list[tuple[float, bytes]] = []

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            arrivals.append((time.time(), line))

    thread = threading.Thread(target=reader)
    thread.start()
    proc.wait(timeout=seconds + 60)
    thread.join(10)
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    assert proc.returncode == 0, err
    return arrivals, err
