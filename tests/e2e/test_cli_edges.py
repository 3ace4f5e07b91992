"""Edges of the command line: bad values and a missing dependency get one line and exit 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, cli

pytestmark = pytest.mark.e2e


def test_preview_refuses_a_negative_count() -> None:
    result = cli("preview", "samples/weblog.conf", "-n", "-3")
    assert result.returncode == 2
    assert result.stderr == "eventgen: error: preview -n/--number: expected 1 or more events, got -3\n"


def test_a_checkout_without_its_dependencies_names_the_install_command(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "bare")], check=True)
    bare = tmp_path / "bare" / "bin" / "python"
    result = subprocess.run(
        [str(bare), str(ROOT / "bin" / "eventgen.py"), "samples/weblog.conf"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert "is not installed: from the checkout run `python3 -m pip install -e .`" in result.stderr


def bad_flag(tmp_path: Path, *args: str) -> str:
    """The one stderr line of `eventgen ARGS` on a tiny conf, which must exit 2 without a traceback."""
    (tmp_path / "s.log").write_text("X one\nX two\n")
    (tmp_path / "eventgen.conf").write_text("[s\\.log]\nend = 1\noutputMode = devnull\n")
    result = cli(*args, cwd=tmp_path, timeout=30)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    return result.stderr.strip()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("eventgen.conf", "--generators", "0"), "eventgen.conf: [command line]: --generators: must be at least 1"),
        (("eventgen.conf", "-c", "-5"), "eventgen.conf: [command line]: -c/--count: must be -1 (the whole sample"),
        (("eventgen.conf", "-e", "-5"), "eventgen.conf: [command line]: -e/--end: must be -1 (never end)"),
        (("eventgen.conf", "-i", "-3"), "eventgen.conf: [command line]: -i/--interval: must be at least 0"),
        (("eventgen.conf", "--duration", "-1"), "--duration must be above 0 seconds, got -1"),
        (("eventgen.conf", "--duration", "0"), "--duration must be above 0 seconds, got 0"),
        (("eventgen.conf", "--status-interval", "-1"), "--status-interval must be 0 (no status lines) or more"),
        (("eventgen.conf", "--now", "garbage"), "--now: cannot read time 'garbage'"),
        (("eventgen.conf", "-b", "+1h"), "eventgen.conf: [command line]: -b/--backfill: backfill = +1h ("),
        (("eventgen.conf", "--generators", "x"), "argument --generators: invalid int value: 'x' (see eventgen"),
        (("eventgen.conf", "--bogus"), "unrecognized arguments: --bogus"),
        (("controller", "eventgen.conf", "--bind", "tcp://127.0.0.1:70000"), "argument --bind: a port is 1-65535"),
        (("worker", "--connect", "tcp://127.0.0.1:0"), "argument --connect: a port is 1-65535, got 0"),
        (("status", "--connect", "127.0.0.1:5555"), "argument --connect: expected tcp://HOST:PORT"),
    ],
)
def test_each_bad_flag_gives_one_line_naming_it(tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    assert bad_flag(tmp_path, *args).startswith("eventgen: error: " + expected)


def test_documented_values_stay_accepted(tmp_path: Path) -> None:
    """count = -1 and 0 are the whole sample once; --generators 1 and --status-interval 0 are fine."""
    (tmp_path / "s.log").write_text("X one\nX two\n")
    (tmp_path / "eventgen.conf").write_text("[s\\.log]\nend = 1\n")
    for count in ("-1", "0"):
        result = cli("eventgen.conf", "-c", count, "--generators", "1", "--status-interval", "0", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout == "X one\nX two\n"


def test_end_in_the_future_of_a_pinned_now_is_accepted(tmp_path: Path) -> None:
    """The end-before-start check uses the run's --now, not the clock."""
    (tmp_path / "s.log").write_text("X one\n")
    (tmp_path / "eventgen.conf").write_text("[s\\.log]\nend = 2020-01-01T00:10:00\ninterval = 300\ntimeMode = sample\n")
    refused = cli("eventgen.conf", cwd=tmp_path, timeout=30)
    assert refused.returncode == 2 and "end: end = 2020-01-01T00:10:00 (" in refused.stderr, refused.stderr
    result = cli("eventgen.conf", "--now", "2020-01-01T00:00:00", "--backfill=-10m", cwd=tmp_path, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("X one") == 5
