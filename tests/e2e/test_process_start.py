"""Process mode does not wait on a worker whose first HELLO was dropped.

A worker's HELLO sent before its connection is up is dropped (the socket queues nothing for a peer it is not
connected to), so the HELLO is sent again soon; and a worker that never joined holds no job, so the run does not
wait 5 s for it to exit. Before, about one run in three took 5 s longer than its work.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import cli, write_conf

pytestmark = pytest.mark.e2e


def test_short_process_runs_end_when_their_work_does(tmp_path: Path) -> None:
    (tmp_path / "s.log").write_text("event\n")
    write_conf(
        tmp_path,
        """
        [global]
        threading = process
        generatorWorkers = 2

        [s.log]
        count = 2000
        jobSize = 500
        end = 1
        timeMode = sample
        outputMode = devnull
        """,
    )
    for run in range(6):
        stats = tmp_path / f"s{run}.json"
        result = cli("eventgen.conf", "--stats-json", str(stats), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        summary = json.loads(stats.read_text())
        assert summary["total"]["generated"] == 2000
        # the work takes well under a second; the old wait for a never-joined worker added 5 s
        assert summary["elapsed_seconds"] < 4.5, (run, summary["elapsed_seconds"])
