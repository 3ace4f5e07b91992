"""Issue 22, validated at load, as a user meets it: inputs that ended in a traceback, a hang or silent nonsense
give one `eventgen: error:` line and exit 2 in `validate`, the run, `preview` and (for an Eventum project)
`convert`, before anything is made. The conf-level cases (a value per line) are in test_conf_fuzz.py; here the
ones about files and paths, preview, and a stanza with several errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, cli
from tests.e2e.test_conf_fuzz import BINARY, run_all

pytestmark = pytest.mark.e2e

S = "[s\\.log]\n"


def one_line(answer, *wants: str) -> list[str]:
    """Problems with an answer that should be exit 2 and one error line holding each of `wants`."""
    lines = [line for line in answer.stderr.splitlines() if line.startswith("eventgen: error:")]
    said = f"exit {answer.returncode}, stdout {answer.stdout[:200]!r}, stderr {answer.stderr!r}"
    if answer.returncode != 2 or len(lines) != 1 or "Traceback" in answer.stderr + answer.stdout:
        return [said]
    missing = [want for want in wants if want not in lines[0]]
    return [f"{said}: lacks {missing}"] if missing else []


def folder_with(tmp_path: Path, name: str, conf: str, sample: str = "X one\nX two\n") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "s.log").write_text(sample, encoding="utf-8")
    (folder / "eventgen.conf").write_text(conf, encoding="utf-8")
    return folder


def test_files_and_paths_that_cannot_be_read_are_one_line_in_every_command(tmp_path: Path) -> None:
    """A binary generator.yml (UnicodeDecodeError), a binary template or --params-file of a project, a conf that
    is a symlink loop (RuntimeError) and a 300-character name (OSError), through validate, the run, preview and
    convert."""
    params = tmp_path / "params"
    shutil.copytree(ROOT / "samples" / "eventum" / "cron_batch", params)
    (params / "params.bin").write_bytes(BINARY)
    binary = tmp_path / "binary"
    binary.mkdir()
    (binary / "generator.yml").write_bytes(BINARY)
    template = tmp_path / "template"
    shutil.copytree(ROOT / "samples" / "eventum" / "cron_batch", template)
    (template / "templates" / "beat.jinja").write_bytes(BINARY)
    loop = tmp_path / "loop"
    loop.mkdir()
    (loop / "a.conf").symlink_to(loop / "b.conf")
    (loop / "b.conf").symlink_to(loop / "a.conf")
    long_name = "a" * 300 + ".conf"
    cases = [
        (binary, ["generator.yml"], ["generator.yml: cannot read: line 2, byte offset 128: byte 0x80 is not UTF-8"]),
        (template, ["generator.yml"], ["template beat.jinja: byte offset 128 is not UTF-8 text"]),
        (
            params,
            ["generator.yml", "--params-file", "params.bin"],
            ["params.bin: cannot read --params-file: line 2, byte offset 128: byte 0x80 is not UTF-8"],
        ),
        (loop, ["a.conf"], ["cannot open a.conf: Too many levels of symbolic links"]),
        (loop, [long_name], [f"cannot open {long_name}: File name too long"]),
    ]
    jobs, wanted = [], []
    for folder, target, wants in cases:
        for n, command in enumerate((["validate"], [], ["preview"], ["convert"])):
            if command == ["convert"] and folder == template:
                continue  # convert translates a project without reading its templates
            jobs.append((folder, [*command, *target], f"{target[0][:20]}-{n}"))
            wanted.append(wants)
    answers = run_all(jobs)
    found = [f"{args}: {p}" for (_, args, _), a, w in zip(jobs, answers, wanted, strict=True) for p in one_line(a, *w)]
    assert not found, "\n".join(found)


PREVIEWED = [
    ("timezone = +2500\n", "timezone: offset '+2500' is out of range"),
    ("interval = nan\n", "interval: expected a finite number, got 'nan'"),
    ("breaker = ^(a+)+$\n", "breaker: regex '^(a+)+$' takes over 1s on line 1"),
    ("outputFormat = template\noutputTemplate = {nosuchfield}\n", "outputTemplate: unknown field {nosuchfield}"),
    ("outputMode = stdout,,stdout\n", "outputMode: 'stdout,,stdout' has an empty entry"),
]


def test_preview_refuses_what_the_run_refuses(tmp_path: Path) -> None:
    sample = "a" * 40 + "!\nb\n"  # what the breaker backtracks on; the other cases read it as two events
    folders = [folder_with(tmp_path, f"case{n}", S + conf, sample) for n, (conf, _) in enumerate(PREVIEWED)]
    answers = run_all([(folder, ["preview", "eventgen.conf"], "preview") for folder in folders])
    found = [f"{conf!r}: {p}" for (conf, want), a in zip(PREVIEWED, answers, strict=True) for p in one_line(a, want)]
    assert not found, "\n".join(found)


def test_validate_and_the_run_list_every_error_of_one_stanza(tmp_path: Path) -> None:
    """A bad timezone once hid a missing token file of the same stanza: now each problem has its line."""
    folder = folder_with(
        tmp_path,
        "several",
        S + "timezone = +2500\ninterval = nan\noutputMode = file, stdout\nfileName = .\n"
        "outputFormat = template\noutputTemplate = {nope}\n"
        "token.0.token = X\ntoken.0.replacementType = file\ntoken.0.replacement = nowhere.txt\n",
    )
    for args in (["validate", "eventgen.conf"], ["eventgen.conf"]):
        result = cli(*args, cwd=folder, timeout=60)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and result.stdout == ""
        keys = sorted(line.split("]: ", 1)[1].split(":", 1)[0] for line in result.stderr.splitlines())
        assert keys == ["fileName", "interval", "outputTemplate", "timezone", "token.0.replacement"], result.stderr
        assert all(
            line.startswith("eventgen: error: eventgen.conf: [s\\.log]: ") for line in result.stderr.splitlines()
        )


def test_splunk_integer_offsets_run(tmp_path: Path) -> None:
    """`-500` and `530` are Splunk Eventgen offsets (refused as unknown zones before): events are stamped in them."""
    folder = folder_with(tmp_path, "offsets", "[s\\.log]\ntimezone = 530\ncount = 1\nend = 1\n", "t=%H:%M\n")
    folder.joinpath("eventgen.conf").write_text(
        "[s\\.log]\ntimezone = 530\ncount = 1\nend = 1\nearliest = now\nlatest = now\n"
        "token.0.token = %H:%M\ntoken.0.replacementType = timestamp\ntoken.0.replacement = %H:%M %z\n"
    )
    result = cli("eventgen.conf", "--now", "2024-01-01T00:00:00Z", "--stdout", cwd=folder, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "t=05:30 +0530\n"
