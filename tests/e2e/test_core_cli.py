"""The core pipeline through the CLI, as a user runs it: counts, tokens, layering, errors."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import ROOT, cli, write_conf
from tests.waiting import PipeReader, line_count, wait_for

pytestmark = pytest.mark.e2e


def stats(path: Path) -> dict:
    return json.loads(path.read_text())


def lines_of(result: subprocess.CompletedProcess) -> list[str]:
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_count_and_end_give_exact_totals(tmp_path: Path) -> None:
    (tmp_path / "one.log").write_text("line a\nline b\nline c\n")
    write_conf(
        tmp_path,
        """
        [one\\.log]
        count = 7
        end = 3
        timeMode = sample
        interval = 10
        outputMode = file
        fileName = out.log
    """,
    )
    result = cli("eventgen.conf", "--stats-json", "s.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.log").read_text().splitlines() == (["line a", "line b", "line c"] * 7)[:21]
    summary = stats(tmp_path / "s.json")
    assert summary["total"]["generated"] == 21
    assert summary["total"]["sent"] == 21
    assert summary["total"]["failed"] == 0


def test_count_minus_one_is_whole_sample_and_large_counts_cycle(tmp_path: Path) -> None:
    (tmp_path / "s.log").write_text("a\nb\n\nc\n")
    write_conf(tmp_path, "[s\\.log]\nend = 1\n")
    assert lines_of(cli("eventgen.conf", cwd=tmp_path)) == ["a", "b", "c"]
    assert lines_of(cli("eventgen.conf", "-c", "8", cwd=tmp_path)) == ["a", "b", "c", "a", "b", "c", "a", "b"]


def test_random_token_types_stay_in_range(tmp_path: Path) -> None:
    (tmp_path / "t.log").write_text("I=@I F=@F IP4=@4 IP6=@6 MAC=@M HEX=@H STR=@S GUID=@G LIST=@L ST=@T\n")
    conf = """
        [t\\.log]
        count = 2000
        end = 1
        token.0.token = @I
        token.0.replacementType = random
        token.0.replacement = integer[5:9]
        token.1.token = @F
        token.1.replacementType = random
        token.1.replacement = float[1.50:2.75]
        token.2.token = @4
        token.2.replacementType = random
        token.2.replacement = ipv4
        token.3.token = @6
        token.3.replacementType = random
        token.3.replacement = ipv6
        token.4.token = @M
        token.4.replacementType = random
        token.4.replacement = mac
        token.5.token = @H
        token.5.replacementType = random
        token.5.replacement = hex(6)
        token.6.token = @S
        token.6.replacementType = random
        token.6.replacement = string(12)
        token.7.token = @G
        token.7.replacementType = random
        token.7.replacement = guid
        token.8.token = @L
        token.8.replacementType = random
        token.8.replacement = list["red","green","blue"]
        token.9.token = @T
        token.9.replacementType = static
        token.9.replacement = fixed
    """
    write_conf(tmp_path, conf)
    lines = lines_of(cli("eventgen.conf", cwd=tmp_path))
    assert len(lines) == 2000
    pattern = re.compile(
        r"I=(\d+) F=(\d+\.\d{2}) IP4=(\d+)\.(\d+)\.(\d+)\.(\d+) IP6=((?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}) "
        r"MAC=((?:[0-9a-f]{2}:){5}[0-9a-f]{2}) HEX=([0-9A-F]{6}) STR=([A-Za-z0-9._~-]{12}) "
        r"GUID=([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}) LIST=(red|green|blue) ST=fixed"
    )
    ints, floats, colours = set(), [], set()
    for line in lines:
        match = pattern.fullmatch(line)
        assert match, line
        ints.add(int(match.group(1)))
        floats.append(float(match.group(2)))
        assert all(0 <= int(match.group(i)) <= 255 for i in range(3, 7))
        colours.add(match.group(12))
    assert ints == {5, 6, 7, 8, 9}
    assert min(floats) >= 1.5 and max(floats) <= 2.75
    assert colours == {"red", "green", "blue"}


def test_timestamps_have_real_subseconds_and_epoch(tmp_path: Path) -> None:
    (tmp_path / "t.log").write_text("at 2020-01-01 00:00:00.000000 epoch 0\n")
    write_conf(
        tmp_path,
        """
        [t\\.log]
        count = 500
        end = 1
        earliest = -10m
        latest = now
        timezone = utc
        token.0.token = \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{6}
        token.0.replacementType = timestamp
        token.0.replacement = %Y-%m-%d %H:%M:%S.%f
        token.1.token = epoch (\\d+)
        token.1.replacementType = timestamp
        token.1.replacement = %s
    """,
    )
    before = time.time()
    lines = lines_of(cli("eventgen.conf", cwd=tmp_path))
    after = time.time()
    micros = set()
    for line in lines:
        match = re.fullmatch(r"at (\S+ \S+) epoch (\d+)", line)
        assert match, line
        stamp = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC).timestamp()
        assert before - 600 - 1 <= stamp <= after
        assert int(match.group(2)) == int(stamp)  # both tokens share the event's time
        micros.add(match.group(1)[-6:])
    assert len(micros) > 400  # sub-seconds are real, not 000000


def test_mvfile_tokens_share_a_row_and_file_token_picks_lines(tmp_path: Path) -> None:
    (tmp_path / "lookups").mkdir()
    (tmp_path / "lookups" / "hosts.csv").write_text("alpha,10.0.0.1\nbeta,10.0.0.2\ngamma,10.0.0.3\n")
    (tmp_path / "lookups" / "users.txt").write_text("ann\nbob\n")
    (tmp_path / "m.log").write_text("host=H ip=I user=U\n")
    write_conf(
        tmp_path,
        """
        [m\\.log]
        count = 300
        end = 1
        token.0.token = host=(H)
        token.0.replacementType = mvfile
        token.0.replacement = lookups/hosts.csv:1
        token.1.token = ip=(I)
        token.1.replacementType = mvfile
        token.1.replacement = lookups/hosts.csv:2
        token.2.token = user=(U)
        token.2.replacementType = file
        token.2.replacement = lookups/users.txt
    """,
    )
    pairs = {"alpha": "10.0.0.1", "beta": "10.0.0.2", "gamma": "10.0.0.3"}
    seen = set()
    for line in lines_of(cli("eventgen.conf", cwd=tmp_path)):
        host, ip, user = re.fullmatch(r"host=(\w+) ip=(\S+) user=(\w+)", line).groups()
        assert pairs[host] == ip
        assert user in ("ann", "bob")
        seen.add(host)
    assert seen == set(pairs)


def test_seqfile_and_integerid_continue_across_intervals(tmp_path: Path) -> None:
    (tmp_path / "seq.txt").write_text("first\nsecond\nthird\n")
    (tmp_path / "q.log").write_text("id=0 name=x\n")
    write_conf(
        tmp_path,
        """
        [q\\.log]
        count = 2
        end = 4
        timeMode = sample
        interval = 5
        token.0.token = id=(\\d+)
        token.0.replacementType = integerid
        token.0.replacement = 100
        token.1.token = name=(x)
        token.1.replacementType = seqfile
        token.1.replacement = seq.txt
    """,
    )
    lines = lines_of(cli("eventgen.conf", "--generators", "3", cwd=tmp_path))
    names = ["first", "second", "third"]
    assert sorted(lines, key=lambda s: int(s.split()[0][3:])) == [f"id={100 + i} name={names[i % 3]}" for i in range(8)]


def test_breaker_makes_multiline_events_and_csv_sets_metadata(tmp_path: Path) -> None:
    (tmp_path / "multi.log").write_text(
        "2026-01-01 first event\n  detail one\n  detail two\n2026-01-02 second event\n\n2026-01-03 third\n  more\n"
    )
    (tmp_path / "rows.csv").write_text(
        '_raw,host,source,sourcetype,index\n"row one",h1,s1,st1,i1\n"row, two",h2,s2,st2,i2\n'
    )
    write_conf(
        tmp_path,
        """
        [global]
        outputMode = modinput
        end = 1

        [multi\\.log]
        breaker = \\d{4}-\\d{2}-\\d{2}
        sourcetype = multi

        [rows\\.csv]
        sampletype = csv
    """,
    )
    result = cli("eventgen.conf", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    root = ET.fromstring(result.stdout)
    events = [{child.tag: child.text for child in event} for event in root.findall("event")]
    multi = [e for e in events if e["sourcetype"] == "multi"]
    assert [e["data"] for e in multi] == [
        "2026-01-01 first event\n  detail one\n  detail two",
        "2026-01-02 second event",
        "2026-01-03 third\n  more",
    ]
    assert all(e["source"] == "multi.log" and e["host"] == "127.0.0.1" and e["index"] == "main" for e in multi)
    rows = [e for e in events if e["sourcetype"] != "multi"]
    assert [(e["data"], e["host"], e["source"], e["sourcetype"], e["index"]) for e in rows] == [
        ("row one", "h1", "s1", "st1", "i1"),
        ("row, two", "h2", "s2", "st2", "i2"),
    ]


def test_stanza_regexes_layer_by_specificity_and_append_tokens(tmp_path: Path) -> None:
    (tmp_path / "web.log").write_text("web A B\n")
    (tmp_path / "app.log").write_text("app A B\n")
    write_conf(
        tmp_path,
        """
        [global]
        end = 1
        count = 1

        [.*\\.log]
        count = 2
        token.0.token = A
        token.0.replacementType = static
        token.0.replacement = generic
        token.1.token = B
        token.1.replacementType = static
        token.1.replacement = bee

        [web\\.log]
        count = 3
        token.0.token = A
        token.0.replacementType = static
        token.0.replacement = specific
    """,
    )
    lines = lines_of(cli("eventgen.conf", cwd=tmp_path))
    assert sorted(lines) == sorted(["app generic bee"] * 2 + ["web specific bee"] * 3)


def test_overrides_apply_to_every_stanza(tmp_path: Path) -> None:
    (tmp_path / "a.log").write_text("a\n")
    (tmp_path / "b.log").write_text("b\n")
    write_conf(
        tmp_path,
        """
        [a\\.log]
        count = 50
        end = 7
        timeMode = sample

        [b\\.log]
        sampleDir = .
        count = 40
    """,
    )
    lines = lines_of(cli("eventgen.conf", "-c", "2", "-e", "1", cwd=tmp_path))
    assert sorted(lines) == ["a", "a", "b", "b"]


def test_seed_gives_byte_identical_output(tmp_path: Path) -> None:
    (tmp_path / "r.log").write_text("t=T ip=I n=N\n")
    write_conf(
        tmp_path,
        """
        [r\\.log]
        count = 5000
        backfill = 2026-01-01T00:00:00
        end = 2026-01-01T00:10:00
        interval = 60
        earliest = -60s
        timezone = utc
        randomizeEvents = true
        token.0.token = T
        token.0.replacementType = timestamp
        token.0.replacement = %Y-%m-%dT%H:%M:%S.%f
        token.1.token = I
        token.1.replacementType = random
        token.1.replacement = ipv4
        token.2.token = N
        token.2.replacementType = random
        token.2.replacement = float[0.000:100.000]
    """,
    )
    first = cli("eventgen.conf", "--seed", "42", cwd=tmp_path)
    second = cli("eventgen.conf", "--seed", "42", "--generators", "4", cwd=tmp_path)
    other = cli("eventgen.conf", "--seed", "43", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert len(first.stdout.splitlines()) == 5000 * 11
    assert sorted(first.stdout.splitlines()) == sorted(second.stdout.splitlines())
    assert first.stdout != other.stdout
    assert first.stdout.splitlines()[0].startswith("t=2025-12-31T23:59:")


def test_seed_identity_is_byte_for_byte_with_one_worker(tmp_path: Path) -> None:
    (tmp_path / "r.log").write_text("ip=I\n")
    write_conf(
        tmp_path,
        """
        [r\\.log]
        count = 1000
        end = 3
        timeMode = sample
        token.0.token = I
        token.0.replacementType = random
        token.0.replacement = ipv4
    """,
    )
    runs = [cli("eventgen.conf", "--seed", "7", cwd=tmp_path).stdout for _ in range(2)]
    assert runs[0] == runs[1]
    assert len(runs[0].splitlines()) == 3000


def test_million_events_to_devnull(tmp_path: Path) -> None:
    (tmp_path / "m.log").write_text("ts=T v=V ip=I\n")
    write_conf(
        tmp_path,
        """
        [m\\.log]
        token.0.token = T
        token.0.replacementType = timestamp
        token.0.replacement = %s
        token.1.token = V
        token.1.replacementType = random
        token.1.replacement = integer[0:1000]
        token.2.token = I
        token.2.replacementType = random
        token.2.replacement = ipv4
    """,
    )
    result = cli("eventgen.conf", "-c", "1000000", "-e", "1", "--devnull", "--stats-json", "s.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.search(r"TOTAL\s+1,000,000\s+1,000,000\s+0\s", result.stderr)
    total = stats(tmp_path / "s.json")["total"]
    assert (total["generated"], total["sent"], total["failed"]) == (1_000_000, 1_000_000, 0)


def test_file_output_rotates_without_losing_events(tmp_path: Path) -> None:
    (tmp_path / "r.log").write_text("0123456789012345678\n")
    write_conf(
        tmp_path,
        """
        [r\\.log]
        count = 100
        end = 10
        timeMode = sample
        jobSize = 50
        outputMode = file
        fileName = out/events.log
        fileMaxBytes = 4000
        fileBackupFiles = 9
    """,
    )
    result = cli("eventgen.conf", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    files = sorted((tmp_path / "out").iterdir())
    # 1,000 lines of 20 bytes in batches of 1,000 bytes: exactly 4,000 bytes per file
    assert [f.name for f in files] == ["events.log"] + [f"events.log.{i}" for i in range(1, 5)]
    assert [f.stat().st_size for f in files] == [4000] * 5
    assert sum(len(f.read_text().splitlines()) for f in files) == 1000


def test_spool_output_writes_sample_file(tmp_path: Path) -> None:
    (tmp_path / "sp.log").write_text("spooled\n")
    write_conf(
        tmp_path,
        """
        [sp\\.log]
        count = 4
        end = 1
        outputMode = spool
        spoolDir = spool
    """,
    )
    assert cli("eventgen.conf", cwd=tmp_path).returncode == 0
    assert (tmp_path / "spool" / "sp.log").read_text() == "spooled\n" * 4


def test_stdout_lines_never_interleave_with_many_workers(tmp_path: Path) -> None:
    (tmp_path / "w.log").write_text("BEGIN " + "x" * 300 + " END\n")
    write_conf(tmp_path, "[w\\.log]\ncount = 20000\nend = 5\njobSize = 500\ntimeMode = sample\n")
    lines = lines_of(cli("eventgen.conf", "--generators", "4", cwd=tmp_path))
    assert len(lines) == 100000
    assert set(lines) == {"BEGIN " + "x" * 300 + " END"}


def test_preview_renders_a_few_events(tmp_path: Path) -> None:
    result = cli("preview", str(ROOT / "samples" / "weblog.conf"), "-n", "4")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("== access_combined.log (default, 4 events) ==")
    assert len(lines) == 5
    assert all(re.match(r"\d+\.\d+\.\d+\.\d+ - \S+ \[", line) for line in lines[1:])


def test_bundled_quick_start_prints_ten_events() -> None:
    result = subprocess.run(
        [sys.executable, "bin/eventgen.py", "samples/weblog.conf"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 10
    assert "TOTAL" in result.stderr


def test_every_bundled_conf_validates() -> None:
    for conf in sorted((ROOT / "samples").glob("*.conf")):
        result = cli("validate", str(conf))
        assert result.returncode == 0, (conf, result.stderr)
        assert "OK" in result.stdout


def test_live_run_prints_status_and_stops_cleanly_on_sigint(tmp_path: Path) -> None:
    (tmp_path / "l.log").write_text("live\n")
    write_conf(
        tmp_path,
        """
        [global]
        statusInterval = 0.3

        [l\\.log]
        count = 5
        interval = 0.2
        outputMode = file
        fileName = live.out
    """,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "eventgen", "eventgen.conf", "--stats-json", "s.json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    stdout, stderr, out = PipeReader(proc.stdout), PipeReader(proc.stderr), tmp_path / "live.out"
    wait_for(lambda: "events/s" in stderr.text() and line_count(out) >= 20, "a status line and 20 events", process=proc)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 0, stderr.finish()
    stdout.finish()
    err = stderr.finish()
    assert "events/s" in err.split("eventgen summary")[0]  # a status line came before the summary
    total = stats(tmp_path / "s.json")["total"]
    written = len((tmp_path / "live.out").read_text().splitlines())
    assert total["generated"] == total["sent"] + total["failed"] == written
    assert written >= 20


def test_unknown_key_warns_but_runs(tmp_path: Path) -> None:
    (tmp_path / "u.log").write_text("u\n")
    write_conf(tmp_path, "[u\\.log]\nend = 1\nnoSuchKey = 3\n")
    result = cli("eventgen.conf", cwd=tmp_path)
    assert result.returncode == 0
    assert "[u\\.log] noSuchKey: unknown setting, ignored" in result.stderr


def test_bundlelines_randomize_sequential_disabled_and_indexes(tmp_path: Path) -> None:
    (tmp_path / "b.log").write_text("one\ntwo\nthree\n")
    (tmp_path / "r.log").write_text("r1\nr2\nr3\nr4\n")
    (tmp_path / "t.log").write_text("at T\n")
    (tmp_path / "off.log").write_text("never\n")
    write_conf(
        tmp_path,
        """
        [global]
        end = 1
        outputMode = modinput

        [b\\.log]
        bundlelines = true
        count = 2
        sourcetype = bundle

        [r\\.log]
        randomizeEvents = true
        count = 400
        sourcetype = random
        extendIndexes = idx:3, extra

        [t\\.log]
        count = 5
        sequentialTimestamp = true
        backfill = 2026-05-01T00:00:00
        earliest = now
        latest = +50s
        timezone = utc
        sourcetype = seq
        token.0.token = T
        token.0.replacementType = timestamp
        token.0.replacement = %H:%M:%S

        [off\\.log]
        disabled = true
    """,
    )
    result = cli("eventgen.conf", "--seed", "3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    events = [{c.tag: c.text for c in e} for e in ET.fromstring(result.stdout).findall("event")]
    by_type: dict[str, list[dict]] = {}
    for event in events:
        by_type.setdefault(event["sourcetype"], []).append(event)
    assert set(by_type) == {"bundle", "random", "seq"}  # the disabled stanza made nothing
    assert [e["data"] for e in by_type["bundle"]] == ["one", "two", "three"] * 2
    randoms = [e["data"] for e in by_type["random"]]
    assert len(randoms) == 400 and set(randoms) == {"r1", "r2", "r3", "r4"}
    assert randoms[:8] != ["r1", "r2", "r3", "r4"] * 2
    assert {e["index"] for e in by_type["random"]} <= {"idx0", "idx1", "idx2", "extra"}
    assert [e["data"] for e in by_type["seq"]] == [f"at 00:00:{s:02d}" for s in (0, 10, 20, 30, 40)]


def test_randomize_count_varies_within_bounds(tmp_path: Path) -> None:
    (tmp_path / "c.log").write_text("c\n")
    write_conf(
        tmp_path,
        """
        [c\\.log]
        count = 1000
        randomizeCount = 0.2
        end = 30
        timeMode = sample
        interval = 1
        outputMode = devnull
    """,
    )
    result = cli("eventgen.conf", "--stats-json", "s.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    total = stats(tmp_path / "s.json")["total"]["sent"]
    assert 30 * 900 <= total <= 30 * 1100 and total != 30_000
