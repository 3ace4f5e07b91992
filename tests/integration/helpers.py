"""Shared helpers of the network integration tests."""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

from tests.conftest import cli, write_conf


def run(folder: Path, conf: str, *args: str, sample: str = "", name: str = "s.log", timeout: float = 60):
    """Write `sample` (lines) and `conf`, run eventgen with --stats-json; return (process, summary)."""
    if sample:
        (folder / name).write_text(sample, encoding="utf-8")
    path = write_conf(folder, conf)
    stats = folder / "stats.json"
    stats.unlink(missing_ok=True)
    proc = cli(str(path), "--stats-json", str(stats), "--status-interval", "0", *args, timeout=timeout)
    summary = json.loads(stats.read_text()) if stats.exists() else {}
    return proc, summary


class Background:
    """`run` in a thread, so that a test can act on a receiver (stop it, restart it) while eventgen sends."""

    def __init__(self, folder: Path, conf: str, *args: str, **kwargs) -> None:
        self.result: tuple[subprocess.CompletedProcess, dict] | None = None
        self.thread = threading.Thread(target=self._run, args=(folder, conf, *args), kwargs=kwargs, daemon=True)
        self.thread.start()

    def _run(self, *args, **kwargs) -> None:
        self.result = run(*args, **kwargs)

    def join(self, timeout: float = 120) -> tuple[subprocess.CompletedProcess, dict]:
        """(process, summary) once the run ended."""
        self.thread.join(timeout)
        assert self.result is not None, f"the run did not end within {timeout:g}s"
        return self.result


def row(summary: dict, output: str) -> dict:
    rows = [r for r in summary["rows"] if r["output"] == output]
    assert len(rows) == 1, summary
    return rows[0]
