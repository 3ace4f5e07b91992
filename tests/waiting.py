"""Waiting in tests: for the event itself, with a deadline, never for a fixed time.

CI machines are loaded 2-core boxes: a test that sleeps a fixed time either waits too long or, one day, too
little. `wait_for` polls a check until it holds and fails with one line naming what never happened (and, when
given, the logs that say why). A process that exits before the check holds fails the wait at once.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from typing import IO, TypeVar

T = TypeVar("T")


def wait_for(
    check: Callable[[], T],
    what: str = "the condition",
    timeout: float = 30.0,
    *,
    interval: float = 0.02,
    process: subprocess.Popen | None = None,
    logs: Callable[[], str] | None = None,
) -> T:
    """Poll `check` every `interval` seconds until it returns something truthy, and return that. After
    `timeout` seconds, or as soon as `process` has exited, fail naming `what` (then `logs()`)."""
    deadline = time.monotonic() + timeout
    while True:
        if result := check():
            return result
        if process is not None and process.poll() is not None:
            problem = f"the process exited with {process.returncode} before {what}"
        elif time.monotonic() >= deadline:
            problem = f"timed out after {timeout:g}s waiting for {what}"
        else:
            time.sleep(interval)
            continue
        raise AssertionError(problem + (f"\n{logs()}" if logs is not None else ""))


def stop_process(proc: subprocess.Popen | None, timeout: float = 10) -> None:
    """SIGTERM, and SIGKILL when the process has not exited within `timeout` seconds (nothing if it has ended)."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on host:port now."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def line_count(path) -> int:
    """Lines in a file that may not exist yet (0 then)."""
    try:
        with open(path, "rb") as handle:
            return sum(1 for _ in handle)
    except FileNotFoundError:
        return 0


class PipeReader:
    """Reads a running process's pipe (its stdout or stderr) in a thread, so a test can wait for what the process
    writes while it runs, and still get all of it at the end."""

    def __init__(self, stream: IO[str]):
        self._chunks: list[str] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            with self._lock:
                self._chunks.append(line)

    def text(self) -> str:
        """What was read so far."""
        with self._lock:
            return "".join(self._chunks)

    def finish(self, timeout: float = 30) -> str:
        """Everything, once the pipe closed (the process ended)."""
        self._thread.join(timeout)
        return self.text()
