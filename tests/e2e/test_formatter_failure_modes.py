"""A formatter that raises fails its batch at that output, counted the same in every mode: in process mode the
worker formats the host's single-writer outputs and hands the payloads back, and a failed formatting is counted
there (it once reached the hand-back as an outcome and failed the whole job instead)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import cli, write_conf

PLUGIN = """
from eventgen.plugin import OutputPlugin, Payload


class BrokenFormat(OutputPlugin):
    name = "brokenfmt"
    single_writer = True  # process mode: the host writes it from payloads the workers format
    summary = "writes nothing: its formatter raises"

    def format(self, batch):
        raise ValueError("no format today")

    def write(self, payload: Payload) -> None:
        return None
"""


@pytest.mark.parametrize("mode", [[], ["--multiprocess", "--generators", "2"]], ids=["threads", "processes"])
def test_a_raising_formatter_fails_its_events_at_its_output_in_every_mode(tmp_path: Path, mode: list[str]) -> None:
    (tmp_path / "plugins" / "output").mkdir(parents=True)
    (tmp_path / "plugins" / "output" / "brokenfmt.py").write_text(PLUGIN)
    (tmp_path / "s.log").write_text("a\nb\nc\n")
    write_conf(
        tmp_path,
        "[global]\npluginDir = plugins\n\n[s.log]\nsampleDir = .\ncount = 3\nend = 4\ninterval = 1\n"
        "earliest = -4s\nlatest = now\noutputMode = brokenfmt\n",
    )
    result = cli("generate", "eventgen.conf", *mode, "--stats-json", "stats.json", cwd=tmp_path)
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert [(r["output"], r["generated"], r["sent"], r["failed"]) for r in stats["rows"]] == [("brokenfmt", 12, 0, 12)]
    assert stats["errors"] == {"brokenfmt": "formatting failed: ValueError: no format today"}
    assert stats["jobs"] == {"done": 4}, result.stderr
