"""The .ci scripts wait for another apt-get or dpkg instead of failing at once (exit 100).

apt's locks are taken here on private copies of its folders (apt's `Dir::…` options), so the machine's own apt is
never held up: the test process holds the package-list lock, or the dpkg lock, for a moment, and `apt_get` of
.ci/apt.sh must wait it out and succeed where a plain apt-get fails at once. Needs Debian's apt-get (every CI
script installs through it).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.e2e

HOLD = 1.5  # seconds the test holds a lock


@pytest.fixture
def private_apt(tmp_path: Path) -> list[str]:
    """apt-get options pointing every folder apt locks at an empty copy under tmp_path (no sources: no network)."""
    if shutil.which("apt-get") is None:
        pytest.fail("apt-get is missing: the .ci scripts install through Debian's apt")
    for folder in ("lists/partial", "cache/archives/partial", "sources.list.d", "dpkg"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "dpkg" / "status").touch()
    return [
        *("-o", f"Dir::State::Lists={tmp_path}/lists", "-o", f"Dir::Cache={tmp_path}/cache"),
        *("-o", "Dir::Etc::sourcelist=/dev/null", "-o", f"Dir::Etc::sourceparts={tmp_path}/sources.list.d"),
        *("-o", f"Dir::State::status={tmp_path}/dpkg/status"),
    ]


@contextmanager
def held(lock: Path, seconds: float) -> Iterator[None]:
    """Hold apt's lock file (a POSIX record lock, as apt and dpkg take it) for `seconds` from this process, or until
    the block ends if sooner."""
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o640)
    fcntl.lockf(fd, fcntl.LOCK_EX)
    released = threading.Event()

    def release() -> None:
        if not released.is_set():
            released.set()
            os.close(fd)  # closing the file lets the lock go

    timer = threading.Timer(seconds, release)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()
        release()


def apt_get(args: list[str], helper: bool) -> tuple[subprocess.CompletedProcess, float]:
    if helper:
        argv = ["bash", "-c", 'source .ci/apt.sh && apt_get "$@"', "apt_get", *args]
    else:
        argv = ["apt-get", *args]
    env = {**os.environ, "APT_SUDO": "", "APT_LOCK_WAIT": "60", "LC_ALL": "C"}
    started = time.monotonic()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    return done, time.monotonic() - started


@pytest.mark.parametrize(
    ("command", "lock"),
    [("update", "lists/lock"), ("check", "dpkg/lock-frontend")],
    ids=["update waits for the package-list lock", "install-like commands wait for the dpkg lock"],
)
def test_apt_get_waits_for_a_held_lock(private_apt: list[str], tmp_path: Path, command: str, lock: str) -> None:
    with held(tmp_path / lock, HOLD):
        plain, _ = apt_get([*private_apt, command], helper=False)
    assert plain.returncode == 100 and "Could not get lock" in plain.stderr  # what the scripts did before

    with held(tmp_path / lock, HOLD):
        waited, seconds = apt_get([*private_apt, command], helper=True)
    assert waited.returncode == 0, waited.stderr
    assert seconds >= HOLD - 0.5, f"apt_get returned after {seconds:.1f}s, while the lock was held {HOLD}s"
    assert "Could not get lock" not in waited.stderr


def test_a_real_failure_is_not_retried(private_apt: list[str]) -> None:
    done, seconds = apt_get([*private_apt, "install", "-y", "no-such-package-eventgen"], helper=True)
    assert done.returncode == 100 and "Unable to locate package no-such-package-eventgen" in done.stderr
    assert seconds < 30


def test_every_ci_apt_get_goes_through_the_helper() -> None:
    scripts = sorted((ROOT / ".ci").glob("*.sh"))
    assert len(scripts) >= 5
    direct = [
        f"{path.name}:{number}: {line.strip()}"
        for path in scripts
        if path.name != "apt.sh"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"(?<![\w-])apt-get\s+\w", line) and not line.lstrip().startswith("#")
    ]
    assert not direct, "apt-get called without .ci/apt.sh's apt_get:\n" + "\n".join(direct)
    users = [p.name for p in scripts if p.name != "apt.sh" and "apt_get " in p.read_text(encoding="utf-8")]
    assert len(users) == 4, users
    assert all('source "$(dirname "$0")/apt.sh"' in (ROOT / ".ci" / name).read_text() for name in users), users
