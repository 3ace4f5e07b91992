"""Process mode under faults: a signal to the process group is a shutdown, workers die with their parent (and
their socket is the user's alone), an interrupted bounded run says how much it made, and the file output has one
writer."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT, write_conf
from tests.waiting import wait_for

pytestmark = pytest.mark.e2e

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def big_conf(folder: Path, extra: str = "", max_bytes: int = 0) -> None:
    (folder / "ids.log").write_text("id=@@ID padding=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n")
    write_conf(
        folder,
        f"""
        [ids\\.log]
        sampleDir = .
        count = 1000000
        end = 50
        timeMode = sample
        jobSize = 20000
        outputMode = file
        fileName = out.log
        fileMaxBytes = {max_bytes}
        token.0.token = @@ID
        token.0.replacementType = integerid
        token.0.replacement = 0
        {extra}
    """,
    )


def start(folder: Path, *flags: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "eventgen",
            "eventgen.conf",
            "--threading",
            "process",
            "--generators",
            "2",
            "--stats-json",
            "s.json",
            "--status-interval",
            "0",
            *flags,
        ],
        cwd=folder,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for_bytes(folder: Path, proc: subprocess.Popen, size: int) -> None:
    wait_for(lambda: sum(f.stat().st_size for f in folder.glob("out.log*")) >= size, f"{size} bytes", 60, process=proc)


def ids_in(folder: Path) -> list[int]:
    return [
        int(re.match(r"id=(\d+) ", line).group(1))  # a torn line would not match
        for f in sorted(folder.glob("out.log*"))
        for line in f.read_text().splitlines()
    ]


def test_sigterm_to_the_process_group_is_a_shutdown_and_says_how_much_was_made(tmp_path: Path) -> None:
    big_conf(tmp_path)
    proc = start(tmp_path)
    wait_for_bytes(tmp_path, proc, 3_000_000)
    os.killpg(proc.pid, signal.SIGTERM)  # as timeout(1), systemd and Kubernetes send it: to every process
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 3, err  # a bounded run, interrupted: its own exit status
    assert "died" not in err and "re-issu" not in err  # not mistaken for a crash: no respawn, no re-issue
    summary = json.loads((tmp_path / "s.json").read_text())
    total = summary["total"]
    ids = ids_in(tmp_path)
    assert total["generated"] == total["sent"] == len(ids) == len(set(ids)) and total["failed"] == 0
    assert 0 < total["generated"] < 50_000_000 and summary["asked"] == 50_000_000
    made = f"{total['generated']:,}"
    assert f"interrupted: made {made} of the 50,000,000 events asked for" in err


def test_workers_die_with_their_parent(tmp_path: Path) -> None:
    big_conf(tmp_path)
    proc = start(tmp_path)
    wait_for_bytes(tmp_path, proc, 1_000_000)
    children = psutil.Process(proc.pid).children()
    assert len(children) == 2
    # their socket (ipc://) is in a folder only this user may enter: no other user's process can say HELLO there
    parent = psutil.Process(proc.pid)
    sockets = getattr(parent, "net_connections", parent.connections)(kind="unix")  # psutil < 6: connections
    (path,) = {c.laddr for c in sockets if "eventgen-ipc-" in c.laddr}
    folder = Path(path).parent.stat()
    assert (stat.S_IMODE(folder.st_mode), folder.st_uid) == (0o700, os.getuid())
    proc.kill()  # SIGKILL to the main process only
    proc.communicate(timeout=30)
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert alive == [] and len(gone) == 2


def test_file_rotation_has_one_writer_in_process_mode(tmp_path: Path) -> None:
    big_conf(tmp_path, "fileBackupFiles = 100", max_bytes=500_000)
    conf = tmp_path / "eventgen.conf"
    conf.write_text(
        conf.read_text().replace("count = 1000000", "count = 2000").replace("jobSize = 20000", "jobSize = 500")
    )
    proc = start(tmp_path)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    files = sorted(tmp_path.glob("out.log*"))
    assert len(files) > 10 and all(f.stat().st_size <= 500_000 for f in files)
    ids = ids_in(tmp_path)
    assert sorted(ids) == list(range(100_000))
