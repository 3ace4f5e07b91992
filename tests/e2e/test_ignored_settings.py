"""Settings the stanza's plugins ignore are warned about, naming the key and why, in `validate` and at run start."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import cli, write_conf

pytestmark = pytest.mark.e2e


def test_settings_the_input_ignores_are_warned_in_validate_and_at_run_start(tmp_path: Path) -> None:
    (tmp_path / "s.log").write_text("ev\n")
    (tmp_path / "ts.txt").write_text("2024-01-01T00:00:00\n")
    write_conf(
        tmp_path,
        """
        [s\\.log]
        sampleDir = .
        input = timestamps
        timestampsFile = ts.txt
        count = 5
        hourOfDayRate = {"1": 2}
        """,
    )
    expected = [
        "[s\\.log] count: ignored: input `timestamps` does not read it",
        "[s\\.log] hourOfDayRate: ignored: a rater setting, but input `timestamps`",
    ]
    checked = cli("validate", "eventgen.conf", cwd=tmp_path)
    assert checked.returncode == 0 and "2 warning(s)" in checked.stdout, checked.stdout + checked.stderr
    ran = cli("eventgen.conf", "--status-interval", "0", cwd=tmp_path)
    assert ran.returncode == 0 and ran.stdout == "ev\n", ran.stderr
    for result in (checked, ran):
        assert all(line in result.stderr for line in expected), result.stderr
