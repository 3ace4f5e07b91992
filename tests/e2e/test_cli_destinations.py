"""Files and folders the CLI writes are checked before the command does its work: one line naming the flag and the
problem, exit 2, never a traceback after the whole run (eventgen.cli.destinations)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from eventgen.cli.destinations import writing
from eventgen.cli.main import main
from eventgen.core.errors import EventgenError
from tests.conftest import ROOT, cli

pytestmark = pytest.mark.e2e

WEBLOG = str(ROOT / "samples" / "weblog.conf")  # writes its 10 events to stdout


def refused(result, expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [f"eventgen: error: {expected}"]


@pytest.fixture
def places(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "a-file").write_text("not a folder\n", encoding="utf-8")
    return {
        "missing": str(tmp_path / "no-such-folder" / "summary.json"),
        "folder": str(tmp_path),
        "file": str(tmp_path / "a-file"),
        "under a file": str(tmp_path / "a-file" / "summary.json"),
    }


# ----- as a user runs them: the three cases of the issue -------------------------------------------------------


def test_stats_json_in_a_missing_folder_is_refused_before_the_run(places: dict[str, str], tmp_path: Path) -> None:
    result = cli(WEBLOG, "--stats-json", places["missing"])
    refused(result, f"--stats-json: the folder {tmp_path / 'no-such-folder'} does not exist")
    assert result.stdout == ""  # not one event made: checked before the run, not after it


def test_stats_json_naming_a_folder_is_refused_before_the_run(places: dict[str, str]) -> None:
    result = cli(WEBLOG, "--stats-json", places["folder"])
    refused(result, f"--stats-json: {places['folder']} is a folder: name a file to write")
    assert result.stdout == ""


def test_bench_with_no_events_is_refused() -> None:
    result = cli("bench", "--events", "0", timeout=60)
    refused(result, "--events: expected 1 or more events per workload and mode, got 0")
    assert result.stdout == ""  # not even the plain-loop reference was measured


def test_build_into_an_existing_file_is_refused(places: dict[str, str]) -> None:
    refused(cli("build", "--destination", places["file"]), f"--destination: {places['file']} is a file, not a folder")
    assert Path(places["file"]).read_text(encoding="utf-8") == "not a folder\n"


# ----- every other flag naming a file or folder the CLI writes (in process: the same entry point) ----------------


@pytest.mark.parametrize(
    ("argv", "place", "expected"),
    [
        ((WEBLOG, "--stats-json"), "under a file", "--stats-json: {file} is not a folder"),
        ((WEBLOG, "--stats-json"), "", "--stats-json: expected a file name, got an empty one"),
        (("build", "--destination"), "under a file", "--destination: {file} is a file, not a folder"),
        (("keys", "generate", "--dir"), "file", "--dir: {file} is a file, not a folder"),
    ],
    ids=["stats-json under a file", "empty stats-json", "build under a file", "keys in a file"],
)
def test_other_destinations_are_refused(
    argv: tuple[str, ...], place: str, expected: str, places: dict[str, str], capsys: pytest.CaptureFixture
) -> None:
    value = places.get(place, place)
    assert main([*argv, value]) == 2
    out, err = capsys.readouterr()
    assert err.splitlines() == [f"eventgen: error: {expected.format(**places)}"]
    assert out == ""


def test_controller_stats_json_is_refused_before_it_listens(places: dict[str, str]) -> None:
    result = cli("controller", WEBLOG, "--bind", "tcp://127.0.0.1:1", "--stats-json", places["folder"], timeout=60)
    refused(result, f"--stats-json: {places['folder']} is a folder: name a file to write")


def test_bench_json_in_a_missing_folder_is_refused_before_measuring(places: dict[str, str]) -> None:
    argv = ("bench", "--events", "10", "--workload", "csv-sample", "--mode", "thread x1", "--json", places["missing"])
    result = cli(*argv, timeout=120)
    refused(result, f"--json: the folder {Path(places['missing']).parent} does not exist")
    assert result.stdout == ""


@pytest.mark.parametrize("flag", ["--failed-to", "--done-ids", "--stats-json"])
def test_replay_spool_destinations_are_refused_before_anything_is_sent(
    flag: str, places: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    spool = tmp_path / "failed.jsonl"
    spool.write_text("", encoding="utf-8")
    assert main(["replay-spool", str(spool), WEBLOG, flag, places["missing"]]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [f"eventgen: error: {flag}: the folder {Path(places['missing']).parent} does not exist"]
    assert sorted(os.listdir(tmp_path)) == ["a-file", "failed.jsonl"]  # no .done, no .failed written


def test_a_write_failing_after_the_check_is_one_line() -> None:
    with pytest.raises(EventgenError) as caught, writing("--stats-json", "gone/summary.json"):
        raise FileNotFoundError(2, "No such file or directory")
    assert str(caught.value) == "--stats-json: could not write gone/summary.json: No such file or directory"
