"""Shared test helpers: run the CLI as a user would, find free ports, write confs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def cli(
    *args: str, cwd: Path | str | None = None, timeout: float = 120, env: dict | None = None, input: str | None = None
) -> subprocess.CompletedProcess:
    """Run `python -m eventgen ARGS` and capture its output (text)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "eventgen", *args],
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        input=input,
    )


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_conf(folder: Path, text: str, name: str = "eventgen.conf") -> Path:
    """Write a dedented conf into `folder` and return its path."""
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.fixture(scope="session", autouse=True)
def own_config_home(tmp_path_factory):
    """The tests' own XDG_CONFIG_HOME (for every process they start): the local CurveZMQ keys that controllers,
    workers and status probes make on first use go there, never into the user's ~/.config."""
    before = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("config"))
    yield Path(os.environ["XDG_CONFIG_HOME"])
    if before is None:
        os.environ.pop("XDG_CONFIG_HOME", None)
    else:
        os.environ["XDG_CONFIG_HOME"] = before


@pytest.fixture
def conf_dir(tmp_path: Path) -> Path:
    """A folder holding a conf and its samples side by side."""
    return tmp_path


@pytest.fixture(autouse=True)
def no_stray_eventgen():
    """Kill any eventgen process a test left behind (a failed live test must not load the next ones)."""
    import psutil

    def ours() -> set[int]:
        found = set()
        for proc in psutil.Process().children(recursive=True):
            try:
                if "eventgen" in " ".join(proc.cmdline()):
                    found.add(proc.pid)
            except psutil.Error:
                continue
        return found

    before = ours()
    yield
    for pid in ours() - before:
        try:
            psutil.Process(pid).kill()
        except psutil.Error:
            continue
