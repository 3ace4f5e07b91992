"""Bad input stops the run with one line naming file, stanza, key and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import cli, write_conf

pytestmark = pytest.mark.e2e

TOKEN = "token.0.token = X\ntoken.0.replacementType = {rtype}\ntoken.0.replacement = {replacement}\n"


def error_lines(tmp_path: Path, conf: str, *args: str) -> list[str]:
    (tmp_path / "s.log").write_text("X\n")
    write_conf(tmp_path, conf)
    result = cli(*args, "eventgen.conf", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    return [line for line in result.stderr.splitlines() if line.startswith("eventgen: error:")]


@pytest.mark.parametrize(
    ("conf", "expected"),
    [
        (
            "[s\\.log]\noutputMode = carrier_pigeon\n",
            "eventgen.conf: [s\\.log]: outputMode: unknown output 'carrier_pigeon'; allowed: ",
        ),
        ("[s\\.log]\ngenerator = nope\n", "eventgen.conf: [s\\.log]: generator: unknown generator 'nope'; allowed: "),
        (
            "[s\\.log]\n" + TOKEN.format(rtype="random", replacement="integer[9:x]"),
            "eventgen.conf: [s\\.log]: token.0.replacement: unknown random replacement 'integer[9:x]'; allowed: ",
        ),
        (
            "[s\\.log]\ntoken.0.token = X\ntoken.0.replacementType = static\n",
            "eventgen.conf: [s\\.log]: token.0: token 0 lacks token.0.replacement",
        ),
        (
            "[s\\.log]\n" + TOKEN.format(rtype="shuffle", replacement="x"),
            "eventgen.conf: [s\\.log]: token.0.replacementType: unknown replacementType 'shuffle'; allowed: static,",
        ),
        ('[s\\.log]\nhourOfDayRate = {"0": 1,\n', "eventgen.conf: [s\\.log]: hourOfDayRate: invalid JSON"),
        ('[s\\.log]\nhourOfDayRate = {"25": 1}\n', "eventgen.conf: [s\\.log]: hourOfDayRate: key '25' is outside 0-23"),
        ("[missing\\.log]\ncount = 1\n", "eventgen.conf: [missing\\.log]: no sample file matches this stanza in "),
        ("[s\\.log(]\ncount = 1\n", "eventgen.conf: [s\\.log(]: stanza name is not a valid regex"),
        (
            "[s\\.log]\ntoken.0.token = (X\ntoken.0.replacementType = static\ntoken.0.replacement = y\n",
            "eventgen.conf: [s\\.log]: token.0.token: regex does not compile",
        ),
        ("[s\\.log]\ncount = many\n", "eventgen.conf: [s\\.log]: count: expected an integer, got 'many'"),
        ("[s\\.log]\nsampletype = xml\n", "eventgen.conf: [s\\.log]: sampletype: 'xml' is not one of: raw, csv"),
        (
            "[s\\.log]\n" + TOKEN.format(rtype="file", replacement="nowhere.txt"),
            "eventgen.conf: [s\\.log]: token.0.replacement: file 'nowhere.txt' not found; tried ",
        ),
        ("[s\\.log]\nearliest = yesterday-ish\n", "eventgen.conf: [s\\.log]: earliest: cannot read time"),
        (
            "[global]\nthreading = fibers\n[s\\.log]\ncount = 1\n",
            "eventgen.conf: [global]: threading: 'fibers' is not one of: thread, process",
        ),
        ("[s\\.log]\ntimezone = Mars/Olympus\n", "eventgen.conf: [s\\.log]: timezone: unknown timezone"),
        ("[s\\.log]\noutputMode = file\n", "eventgen.conf: [s\\.log]: fileName: outputMode = file needs fileName"),
    ],
)
def test_each_bad_input_gives_one_clear_line(tmp_path: Path, conf: str, expected: str) -> None:
    lines = error_lines(tmp_path, conf)
    assert len(lines) == 1, lines
    assert lines[0].startswith("eventgen: error: " + expected), lines[0]


def test_validate_lists_every_error_at_once(tmp_path: Path) -> None:
    conf = "[s\\.log]\ncount = many\noutputMode = nowhere\ninterval = -3\n"
    lines = error_lines(tmp_path, conf, "validate")
    assert len(lines) == 3
    assert any("count: expected an integer" in line for line in lines)
    assert any("outputMode: unknown output 'nowhere'" in line for line in lines)
    assert any("interval: must be at least 0" in line for line in lines)


def test_missing_conf_file(tmp_path: Path) -> None:
    result = cli("nothere.conf", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "eventgen: error: nothere.conf: conf file not found"


def test_end_zero_makes_nothing_and_says_so(tmp_path: Path) -> None:
    """Splunk Eventgen documents end = 0 as no intervals: kept, with a warning instead of a silent empty run."""
    (tmp_path / "s.log").write_text("X\n")
    write_conf(tmp_path, "[s\\.log]\nend = 0\n")
    result = cli("eventgen.conf", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == ""
    assert "eventgen: WARNING: eventgen.conf: [s\\.log] end: 0 intervals: this sample makes no events" in result.stderr


def test_a_latin1_sample_is_read_with_sample_encoding(tmp_path: Path) -> None:
    (tmp_path / "s.log").write_bytes(b"caf\xe9\n")
    write_conf(tmp_path, "[s\\.log]\nend = 1\n")
    refused = cli("eventgen.conf", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"eventgen: error: {tmp_path / 's.log'}: [s\\.log]: sampleEncoding: line 1, byte offset 3: byte 0xe9 is not "
        "utf-8 text; set sampleEncoding to the file's encoding (e.g. latin-1, cp1252) or fix the file"
    )
    write_conf(tmp_path, "[s\\.log]\nend = 1\nsampleEncoding = latin-1\n")
    result = cli("eventgen.conf", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "café\n"


def test_a_utf8_bom_is_not_part_of_the_first_event(tmp_path: Path) -> None:
    (tmp_path / "s.log").write_bytes(b"\xef\xbb\xbfX\n")
    write_conf(tmp_path, "[s\\.log]\nend = 1\n")
    assert cli("eventgen.conf", cwd=tmp_path).stdout == "X\n"


def test_one_error_per_key(tmp_path: Path) -> None:
    """A value that does not parse is the one error of its key (not also "needs httpeventServers")."""
    conf = (
        '[s\\.log]\noutputMode = httpevent\nhttpeventServers = {"servers": [{"address": "h", "port": 0, "key": "k"}]}\n'
    )
    lines = error_lines(tmp_path, conf, "validate")
    assert lines == [
        "eventgen: error: eventgen.conf: [s\\.log]: httpeventServers: servers[0].port: a port is 1-65535, got 0"
    ]
