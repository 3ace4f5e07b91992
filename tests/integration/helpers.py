"""Shared helpers of the network integration tests."""

from __future__ import annotations

import json
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


def row(summary: dict, output: str) -> dict:
    rows = [r for r in summary["rows"] if r["output"] == output]
    assert len(rows) == 1, summary
    return rows[0]
