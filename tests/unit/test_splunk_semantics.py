"""Splunk Eventgen 7.2 sample semantics, in process: CSV line endings, warnings once, timezone offsets,
autotimestamps, hostRegex, every error of a stanza listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventgen.core.batch import GenerationJob
from eventgen.core.errors import ConfigErrors
from eventgen.plugin.registry import registry
from eventgen.resolve.loader import load
from tests.conftest import write_conf


def events_of(conf: Path, count: int = 3) -> tuple[list[str], dict]:
    sample = load(conf).samples[0]
    generator = registry.get("generator", sample.settings["generator"])(sample)
    job = GenerationJob(sample=sample.label, seq=0, count=count, earliest=1.7e9, latest=1.7e9, offset=0, seed=1)
    batch = generator.generate(job)
    return batch.events, batch.columns


def test_a_csv_sample_with_cr_line_endings_reads_right(tmp_path: Path) -> None:
    (tmp_path / "mac.csv").write_bytes(b'_raw,host\r"first event",h1\r"second\rline",h2\r')
    conf = write_conf(tmp_path, "[mac\\.csv]\nsampleDir = .\nsampletype = csv\n")
    events, columns = events_of(conf, 2)
    assert events == ["first event", "second\nline"]
    assert columns["host"] == ["h1", "h2"]


def test_global_warnings_are_printed_once_not_once_per_sample(tmp_path: Path) -> None:
    for name in ("a.log", "b.log", "c.log"):
        (tmp_path / name).write_text("x\n")
    conf = write_conf(tmp_path, "[global]\nsampleDir = .\nnoSuchKey = 1\n[a\\.log]\n[b\\.log]\n[c\\.log]\n")
    warnings = load(conf).warnings
    assert warnings == [f"{conf}: [global] noSuchKey: unknown setting, ignored"]


@pytest.mark.parametrize(
    ("zone", "text"),
    [("0000", "2023-11-14 22:13:20"), ("-500", "2023-11-14 17:13:20"), ("530", "2023-11-15 03:43:20")],
)
def test_timezone_takes_splunk_integer_offsets(tmp_path: Path, zone: str, text: str) -> None:
    (tmp_path / "t.log").write_text("at @ts\n")
    conf = write_conf(
        tmp_path,
        f"[t\\.log]\nsampleDir = .\ntimezone = {zone}\ntoken.0.token = @ts\ntoken.0.replacementType = timestamp\n"
        "token.0.replacement = %Y-%m-%d %H:%M:%S\n",
    )
    assert events_of(conf, 1)[0] == [f"at {text}"]


def test_autotimestamp_finds_2016_timestamps_in_a_sample_without_tokens(tmp_path: Path) -> None:
    (tmp_path / "fw.log").write_text(
        "2016-02-29 23:59:58,120 allow tcp 10.0.0.1\nFeb 29 23:59:59 fw01 deny udp\n2016/02/29 23:59:57 reset\n"
    )
    conf = write_conf(tmp_path, "[fw\\.log]\nsampleDir = .\nautotimestamp = true\ntimezone = 0000\n")
    assert events_of(conf)[0] == [
        "2023-11-14 22:13:20,120 allow tcp 10.0.0.1",
        "Nov 14 22:13:20 fw01 deny udp",
        "2023/11/14 22:13:20 reset",
    ]


def test_autotimestamps_replaces_the_built_in_patterns(tmp_path: Path) -> None:
    (tmp_path / "app.log").write_text("2016-02-29 23:59:58 t=1456790398 ok\n")
    conf = write_conf(
        tmp_path,
        '[app\\.log]\nsampleDir = .\nautotimestamp = true\nautotimestamps = [["t=(\\\\d{10})", "%s"]]\n',
    )
    assert events_of(conf, 1)[0] == ["2016-02-29 23:59:58 t=1700000000 ok"]


def test_host_regex_sets_each_events_host_from_its_text(tmp_path: Path) -> None:
    (tmp_path / "s.log").write_text("src=web7 ok\nno host here\n")
    conf = write_conf(tmp_path, "[s\\.log]\nsampleDir = .\nhost = fallback\nhostRegex = src=(\\w+)\n")
    assert events_of(conf, 2)[1]["host"] == ["web7", "fallback"]


def test_host_token_needs_its_replacement(tmp_path: Path) -> None:
    (tmp_path / "s.log").write_text("x\n")
    conf = write_conf(tmp_path, "[s\\.log]\nsampleDir = .\nhost.token = web\n")
    with pytest.raises(ConfigErrors) as caught:
        load(conf)
    assert [str(e) for e in caught.value.errors] == [
        f"{conf}: [s\\.log]: host.replacement: host.token and host.replacement go together: set both, or neither"
    ]


def test_validate_lists_a_bad_timezone_and_a_missing_token_file_of_one_stanza(tmp_path: Path) -> None:
    (tmp_path / "s.log").write_text("a ##x##\n")
    conf = write_conf(
        tmp_path,
        "[s\\.log]\nsampleDir = .\ntimezone = Mars/Olympus\ntoken.0.token = ##x##\ntoken.0.replacementType = file\n"
        "token.0.replacement = nowhere.txt\n",
    )
    with pytest.raises(ConfigErrors) as caught:
        load(conf)
    keys = [(e.stanza, e.key) for e in caught.value.errors]
    assert keys == [("s\\.log", "timezone"), ("s\\.log", "token.0.replacement")]


def test_a_cluster_bundle_ships_the_host_replacement_file(tmp_path: Path) -> None:
    from eventgen.cluster.bundle import referenced_paths

    (tmp_path / "s.log").write_text("x\n")
    (tmp_path / "hosts.csv").write_text("a,web1\nb,web2\n")
    conf = write_conf(tmp_path, "[s\\.log]\nsampleDir = .\nhost = H\nhost.token = H\nhost.replacement = hosts.csv:2\n")
    assert (tmp_path / "hosts.csv").resolve() in referenced_paths(load(conf))


def test_autotimestamp_leaves_a_timestamp_the_stanzas_own_token_replaces(tmp_path: Path) -> None:
    (tmp_path / "mix.log").write_text("2016-02-29 23:59:58 a\nFeb 29 23:59:59 b\n")
    conf = write_conf(
        tmp_path,
        "[mix\\.log]\nsampleDir = .\nautotimestamp = true\ntimezone = 0000\ntoken.0.token = \\d{4}-\\d\\d-\\d\\d "
        "\\d\\d:\\d\\d:\\d\\d\ntoken.0.replacementType = timestamp\ntoken.0.replacement = %Y-%m-%d %H:%M:%S\n",
    )
    sample = load(conf).samples[0]
    assert [(t.number, t.replacement) for t in sample.tokens] == [
        (0, "%Y-%m-%d %H:%M:%S"),
        (1, "%b %d %H:%M:%S"),
    ]
    generator = registry.get("generator", "default")(sample)
    assert generator.plan.chained == set() and generator.plan.special == {}


def test_host_token_rewrites_a_csv_samples_host_column_per_event(tmp_path: Path) -> None:
    (tmp_path / "hosts.txt").write_text("01\n02\n")
    (tmp_path / "ev.csv").write_text("_raw,host\none,web-NN\ntwo,db-NN\nthree,plain\n")
    conf = write_conf(
        tmp_path, "[ev\\.csv]\nsampleDir = .\nsampletype = csv\nhost.token = -(NN)\nhost.replacement = hosts.txt\n"
    )
    events, columns = events_of(conf, 3)
    assert events == ["one", "two", "three"]
    assert columns["host"] == ["web-02", "db-02", "plain"]  # group 1 replaced; a host it does not match is kept
