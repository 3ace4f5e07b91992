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
