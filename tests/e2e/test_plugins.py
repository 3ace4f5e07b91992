"""User plugins found through pluginDir / --plugin-dir, with their own declared settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import cli, write_conf

pytestmark = pytest.mark.e2e

SHOUT = """
from eventgen.plugin.base import OutputPlugin
from eventgen.core.settings import Setting, parse_int


class ShoutOutput(OutputPlugin):
    name = "shout"
    summary = "Upper-cased events, repeated."
    settings = (Setting("shoutFile", default="shout.log", doc="file"),
                Setting("shoutRepeat", parse_int, "1", "times each batch is written"))

    def open(self):
        self.handle = open(self.config["shoutFile"], "ab")

    def write(self, batch):
        for _ in range(self.config["shoutRepeat"]):
            self.handle.write(batch.text().upper().encode())

    def close(self):
        self.handle.close()
"""


def make_plugin(folder: Path) -> None:
    (folder / "output").mkdir(parents=True)
    (folder / "output" / "shout.py").write_text(SHOUT)


def test_plugin_dir_in_conf(tmp_path: Path) -> None:
    make_plugin(tmp_path / "myplugins")
    (tmp_path / "s.log").write_text("quiet words\n")
    write_conf(
        tmp_path,
        """
        [global]
        pluginDir = myplugins

        [s\\.log]
        count = 2
        end = 1
        outputMode = shout, file
        fileName = plain.log
        shoutRepeat = 2
    """,
    )
    result = cli("eventgen.conf", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "shout.log").read_text() == "QUIET WORDS\n" * 4
    assert (tmp_path / "plain.log").read_text() == "quiet words\n" * 2


def test_plugin_dir_on_command_line_and_setting_validation(tmp_path: Path) -> None:
    make_plugin(tmp_path / "extra")
    (tmp_path / "s.log").write_text("x\n")
    write_conf(tmp_path, "[s\\.log]\nend = 1\noutputMode = shout\nshoutRepeat = lots\n")
    result = cli("eventgen.conf", "--plugin-dir", "extra", cwd=tmp_path)
    assert result.returncode == 2
    assert "eventgen.conf: [s\\.log]: shoutRepeat: expected an integer, got 'lots'" in result.stderr
    unknown = cli("eventgen.conf", cwd=tmp_path)
    assert "unknown output 'shout'" in unknown.stderr
