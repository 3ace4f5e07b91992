"""`outputMode = counter` reports events and bytes per day of event time, exactly: checked against the same events
written by a file output beside it, in thread and in process mode."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.conftest import cli, write_conf

SAMPLE = "2000-01-01 00:00:00 alpha\n2000-01-01 00:00:00 beta-two, café\n"
CONF = r"""
[global]
jobSize = 20

[s.log]
sampleDir = .
count = 80
end = 1
interval = 60
earliest = -60s
latest = now
outputMode = counter, file
fileName = out.log
timezone = utc
token.0.token = \d{4}-\d\d-\d\d \d\d:\d\d:\d\d
token.0.replacementType = timestamp
token.0.replacement = %Y-%m-%d %H:%M:%S
"""


@pytest.mark.parametrize("mode", [[], ["--multiprocess", "--generators", "2"]], ids=["thread", "process"])
def test_counts_and_bytes_per_day_match_the_events_made(tmp_path, mode):
    (tmp_path / "s.log").write_text(SAMPLE, encoding="utf-8")
    path = write_conf(tmp_path, CONF)
    stats = tmp_path / "stats.json"
    proc = cli(
        str(path), "--now", "2024-01-02T00:00:30Z", "--seed", "7", "--stats-json", str(stats), *mode, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    lines = (tmp_path / "out.log").read_bytes().splitlines(keepends=True)
    assert len(lines) == 80
    events, size = Counter(), Counter()
    for line in lines:
        events[line[:10].decode()] += 1
        size[line[:10].decode()] += len(line)
    assert len(events) == 2  # the window spans midnight: both days are counted
    expected = [f"counter: {day} events={events[day]} bytes={size[day]}" for day in sorted(events)]
    expected.append(f"counter: total events=80 bytes={sum(size.values())}")
    assert [line for line in proc.stderr.splitlines() if line.startswith("counter: ")] == expected
    rows = {r["output"]: r for r in json.loads(stats.read_text())["rows"]}
    assert (rows["counter"]["sent"], rows["counter"]["bytes"]) == (80, sum(size.values()))
