"""`outputFormat` from the CLI, and formatting in the workers: exact bytes in every mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import cli, write_conf

pytestmark = pytest.mark.e2e

T0 = "2026-12-01T10:00:00"  # --now: every event of `earliest = latest = now` carries this time


def sample(folder: Path) -> None:
    (folder / "ids.log").write_text('id=@@ID msg="hi"\n')


def stanza(extra: str, count: int = 4, engine: str = "") -> str:
    lines = [
        "[global]",
        engine,
        "",
        "[ids\\.log]",
        f"count = {count}",
        "end = 1",
        "earliest = now",
        "latest = now",
        "timezone = UTC",
        "host = web-01",
        "sourcetype = ids",
        "index = main",
        "timeMode = sample",
        "token.0.token = @@ID",
        "token.0.replacementType = integerid",
        "token.0.replacement = 0",
        extra,
    ]
    return "\n".join(lines) + "\n"


def test_json_lines_on_stdout(tmp_path: Path) -> None:
    sample(tmp_path)
    write_conf(tmp_path, stanza("outputFormat = json"))
    result = cli("eventgen.conf", "--now", T0, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {
            "_time": 1796119200.0,
            "host": "web-01",
            "source": "ids.log",
            "sourcetype": "ids",
            "index": "main",
            "_raw": f'id={i} msg="hi"',
        }
        for i in range(4)
    ]


@pytest.mark.parametrize("engine", ["", "threading = process\ngeneratorWorkers = 2"])
def test_template_to_a_file_byte_for_byte_in_thread_and_process_mode(tmp_path: Path, engine: str) -> None:
    sample(tmp_path)
    template = '{{"ts":"{_time|iso}","h":{host|json},"line":{_raw|json}}} %s'
    write_conf(
        tmp_path,
        stanza(
            f"outputMode = file\nfileName = out.txt\noutputFormat = template\noutputTemplate = {template}", 6, engine
        ),
    )
    result = cli("eventgen.conf", "--now", T0, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = sorted((tmp_path / "out.txt").read_bytes().split(b"\n")[:-1])
    assert lines == sorted(
        f'{{"ts":"2026-12-01T10:00:00.000Z","h":"web-01","line":"id={i} msg=\\"hi\\""}} %s'.encode() for i in range(6)
    )


def test_modinput_in_process_mode_gets_payload_bytes_from_the_workers(tmp_path: Path) -> None:
    sample(tmp_path)
    write_conf(tmp_path, stanza("outputMode = modinput\njobSize = 3", 9, "threading = process\ngeneratorWorkers = 2"))
    result = cli("eventgen.conf", "--now", T0, "--stats-json", "s.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    body = result.stdout.splitlines()
    assert body[0] == "<stream>" and body[-1] == "</stream>"
    assert sorted(body[1:-1]) == sorted(
        "<event><time>1796119200.000</time><index>main</index><source>ids.log</source><sourcetype>ids</sourcetype>"
        f'<host>web-01</host><data>id={i} msg="hi"</data></event>'
        for i in range(9)
    )
    row = json.loads((tmp_path / "s.json").read_text())["rows"][0]
    assert (row["generated"], row["sent"], row["failed"], row["bytes"]) == (9, 9, 0, len("\n".join(body[1:-1])) + 1)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("outputFormat = template\noutputTemplate = {_raw", "outputTemplate: unmatched '{'"),
        ("outputFormat = template\noutputTemplate = {host|iso}", "filter 'iso' applies to _time only"),
        ("outputFormat = template", "needs outputTemplate or outputTemplateFile"),
        ("outputFormat = template\noutputTemplateFile = nosuch.txt", "outputTemplateFile: cannot read the template"),
        ("outputFormat = xml", "outputFormat"),
    ],
)
def test_bad_formats_are_one_line_with_exit_2(tmp_path: Path, extra: str, message: str) -> None:
    sample(tmp_path)
    write_conf(tmp_path, stanza(extra))
    result = cli("eventgen.conf", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert "[ids\\.log]" in result.stderr or "ids\\.log" in result.stderr


def test_template_file(tmp_path: Path) -> None:
    sample(tmp_path)
    (tmp_path / "envelope.txt").write_text("<{sourcetype}> {_raw}\n")
    write_conf(tmp_path, stanza("outputFormat = template\noutputTemplateFile = envelope.txt", 2))
    result = cli("eventgen.conf", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == '<ids> id=0 msg="hi"\n<ids> id=1 msg="hi"\n'
