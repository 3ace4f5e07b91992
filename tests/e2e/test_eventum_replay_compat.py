"""Eventum's replay event plugin as Eventum runs it: every line is an event (a blank one too), the file is read in
its `encoding`, `chunk_size` is checked, and the default timestamp format is `datetime.isoformat()`."""

from __future__ import annotations

import pytest

from tests.conftest import cli
from tests.e2e.test_eventum_projects import project, run

pytestmark = pytest.mark.e2e

YML = """
input:
  - linspace: {start: "2024-01-01T00:00:00Z", end: "+3s", count: 4}
event:
  replay:
    path: data/r.log
    timestamp_pattern: '(?P<timestamp>\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ)'
    encoding: latin_1
    chunk_size: 8
output:
  - stdout: {}
"""


def test_replay_keeps_blank_lines_reads_its_encoding_and_writes_isoformat(tmp_path):
    path = project(tmp_path, YML)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "r.log").write_bytes(
        "a 2020-01-01T00:00:00Z caf\xe9\n\nb 2020-01-01T00:00:00Z x\n".encode("latin-1")
    )
    assert run(path) == [
        "a 2024-01-01T00:00:00+00:00 café",
        "",
        "b 2024-01-01T00:00:02+00:00 x",
    ]


def test_replay_chunk_size_and_encoding_are_checked(tmp_path):
    path = project(tmp_path, YML.replace("chunk_size: 8", "chunk_size: -1"))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "r.log").write_text("a\n")
    bad = cli("validate", str(path))
    assert bad.stderr.strip() == (
        f"eventgen: error: {path}: event.replay.chunk_size: must be 0 (the whole file) or more bytes"
    )
    path.write_text(path.read_text().replace("chunk_size: -1", "chunk_size: 0").replace("latin_1", "klingon"))
    bad = cli("validate", str(path))
    assert (bad.returncode, bad.stderr.strip()) == (
        2,
        f"eventgen: error: {path}: event.replay.encoding: unknown encoding 'klingon'",
    )
