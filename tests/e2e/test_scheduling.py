"""When and how many, through the CLI: replay, raters, schedules, perDayVolume, live pacing at --rate."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import cli, write_conf
from tests.scheduling import REPLAY, REPLAY_TOKEN, epoch_token, read_live, replay_times

pytestmark = pytest.mark.e2e

T0 = datetime(2024, 1, 1, tzinfo=UTC).timestamp()  # Monday 2024-01-01 00:00 UTC
EPOCH_TOKEN = epoch_token("@(\\S+)")


def run(tmp_path: Path, *args: str) -> tuple[list[str], dict]:
    result = cli("eventgen.conf", "--status-interval", "0", "--stats-json", "s.json", *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines(), json.loads((tmp_path / "s.json").read_text())


def stamps_of(lines: list[str]) -> np.ndarray:
    return np.array([float(line.split("@", 1)[1].split()[0]) for line in lines if "@" in line])


def test_cron_over_24_hours_gives_count_per_tick_on_the_tick_times(tmp_path: Path) -> None:
    (tmp_path / "c.log").write_text("cron event @now\n")
    write_conf(
        tmp_path,
        f"""
        [c\\.log]
        input = cron
        cron = */5 * * * *
        count = 7
        backfill = 2024-01-01T00:00:00
        end = 2024-01-01T23:59:59
        timezone = utc
        {EPOCH_TOKEN}
    """,
    )
    lines, stats = run(tmp_path)
    stamps = stamps_of(lines)
    assert len(lines) == stats["total"]["sent"] == 7 * 288
    per_tick = Counter(stamps.tolist())
    assert sorted(per_tick) == [T0 + 300 * k for k in range(288)]
    assert set(per_tick.values()) == {7}


def test_hour_of_day_zeros_leave_those_hours_empty(tmp_path: Path) -> None:
    (tmp_path / "h.log").write_text("hourly @now\n")
    table = {str(h): 0 for h in range(6)} | {"12": 0.5}
    write_conf(
        tmp_path,
        f"""
        [h\\.log]
        interval = 300
        count = 10
        hourOfDayRate = {json.dumps(table)}
        backfill = 2024-01-01T00:00:00
        end = 2024-01-01T23:59:59
        timezone = utc
        {EPOCH_TOKEN}
    """,
    )
    lines, _ = run(tmp_path)
    hours = Counter(((stamps_of(lines) - T0) // 3600).astype(int).tolist())
    assert [hours.get(h, 0) for h in range(24)] == [0] * 6 + [120] * 6 + [60] + [120] * 11


def test_seven_day_backfill_shows_the_weekly_and_daily_shape(tmp_path: Path) -> None:
    (tmp_path / "w.log").write_text("weekly @now\n")
    days = {"0": 0, "6": 0.4}  # Sunday off, Saturday at 40%
    hours = {str(h): (2 if 9 <= h < 17 else 0.5) for h in range(24)}
    write_conf(
        tmp_path,
        f"""
        [w\\.log]
        interval = 3600
        count = 10
        dayOfWeekRate = {json.dumps(days)}
        hourOfDayRate = {json.dumps(hours)}
        backfill = 2024-01-07T00:00:00
        end = 2024-01-13T23:59:59
        timezone = utc
        outputMode = stdout
        {EPOCH_TOKEN}
    """,
    )
    lines, _ = run(tmp_path)
    stamps = stamps_of(lines)
    sunday = datetime(2024, 1, 7, tzinfo=UTC).timestamp()
    per_day = np.bincount(((stamps - sunday) // 86400).astype(int), minlength=7).tolist()
    weekday = 8 * 20 + 16 * 5  # 8 busy hours x 20, 16 quiet hours x 5
    assert per_day == [0, weekday, weekday, weekday, weekday, weekday, 8 * 8 + 16 * 2]
    monday = Counter(
        ((stamps[(stamps >= sunday + 86400) & (stamps < sunday + 2 * 86400)] - sunday - 86400) // 3600)
        .astype(int)
        .tolist()
    )
    assert monday[3] == 5 and monday[10] == 20


def test_per_day_volume_hits_the_target_bytes_within_two_percent(tmp_path: Path) -> None:
    (tmp_path / "v.log").write_text(
        "src=IP user=U bytes=N msg=short\n"
        "src=IP user=U bytes=N msg=a much longer message that makes events differ in size quite a lot\n"
        "src=IP bytes=N\n"
    )
    write_conf(
        tmp_path,
        """
        [v\\.log]
        perDayVolume = 0.01
        interval = 3600
        backfill = 2024-01-01T00:00:00
        end = 2024-01-01T23:59:59
        outputMode = devnull
        token.0.token = IP
        token.0.replacementType = random
        token.0.replacement = ipv4
        token.1.token = U
        token.1.replacementType = random
        token.1.replacement = string(24)
        token.2.token = N
        token.2.replacementType = random
        token.2.replacement = integer[1:1000000]
    """,
    )
    _, stats = run(tmp_path)
    target = 0.01 * 2**30
    assert abs(stats["total"]["bytes"] / target - 1) < 0.02, stats["total"]
    assert stats["total"]["generated"] == stats["total"]["sent"]


def test_replay_keeps_every_gap_times_time_multiple_and_each_format(tmp_path: Path) -> None:
    (tmp_path / "r.log").write_text(REPLAY)
    write_conf(
        tmp_path,
        f"""
        [r\\.log]
        mode = replay
        timeMultiple = 0.5
        interval = 3
        backfill = 2024-06-01T00:00:00
        end = 3
        timeMode = sample
        timezone = utc
        {REPLAY_TOKEN}
    """,
    )
    lines, _ = run(tmp_path)
    assert len(lines) == 12
    for line, text in zip(
        lines, ["login user=a", "query user=a", "syslog-style line", "logout user=a"] * 3, strict=True
    ):
        assert line.endswith(" " + text)
    assert lines[2].startswith("Jun 01 ") and lines[0].startswith("2024-06-01 ")  # each event keeps its format
    times = replay_times(lines)
    start = datetime(2024, 6, 1, tzinfo=UTC).timestamp()
    one_pass = [0.0, 0.05, 1.05, 1.3]  # (0.1, 2.0, 0.5) x 0.5: first two apart, no gap shifted
    expected = [start + p * (1.3 + 3) + off for p in range(3) for off in one_pass]
    assert np.allclose(times, expected, atol=0.001)


def test_replay_csv_time_field(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text(
        '_time,_raw,host\n1700000000.0,"a @x",h1\n1700000004.5,"b @x",h2\n1700000005.0,"c @x",h1\n'
    )
    write_conf(
        tmp_path,
        f"""
        [r\\.csv]
        mode = replay
        sampletype = csv
        timeField = _time
        timeMultiple = 2
        backfill = 2024-01-01T00:00:00
        end = 1
        {EPOCH_TOKEN}
    """,
    )
    lines, _ = run(tmp_path)
    assert [line.split()[0] for line in lines] == ["a", "b", "c"]
    assert np.allclose(stamps_of(lines), [T0, T0 + 9, T0 + 10])


def test_explicit_timestamps_file_places_each_event(tmp_path: Path) -> None:
    (tmp_path / "e.log").write_text("one @x\ntwo @x\n")
    (tmp_path / "when.txt").write_text("2024-01-01T00:00:03\n2024-01-01T00:00:00.5\n%r\n" % (T0 + 7.25))
    write_conf(
        tmp_path,
        f"""
        [e\\.log]
        input = timestamps
        timestampsFile = when.txt
        end = 2030-01-01T00:00:00
        timezone = utc
        {EPOCH_TOKEN}
    """,
    )
    lines, _ = run(tmp_path)
    assert [line.split()[0] for line in lines] == ["one", "two", "one"]
    assert stamps_of(lines).tolist() == [T0 + 0.5, T0 + 3, T0 + 7.25]


def test_linspace_and_time_patterns_from_the_cli(tmp_path: Path) -> None:
    (tmp_path / "l.log").write_text("lin @x\n")
    (tmp_path / "day.yml").write_text("""
oscillator: {period: 1, unit: hours, start: 2024-01-01T00:00:00Z, end: +1d}
multiplier: {ratio: 100}
randomizer: {deviation: 0.1, direction: mixed}
spreader: {distribution: beta, parameters: {a: 5, b: 5}}
""")
    write_conf(
        tmp_path,
        f"""
        [l\\.log]
        input = linspace
        count = 61
        linspaceStart = 2024-01-01T00:00:00
        linspaceEnd = +1h
        end = 2030-01-01T00:00:00
        timezone = utc
        {EPOCH_TOKEN}

        [p\\.log]
        input = timepatterns
        timePatterns = day.yml
        backfill = 2024-01-01T00:00:00
        end = 2024-01-02T00:00:00
        timezone = utc
        {EPOCH_TOKEN}
    """,
    )
    (tmp_path / "p.log").write_text("pat @x\n")
    lines, _ = run(tmp_path, "-s", "l.log")
    assert stamps_of(lines).tolist() == [T0 + 60 * k for k in range(61)]
    lines, _ = run(tmp_path, "-s", "p.log")
    per_hour = np.bincount(((stamps_of(lines) - T0) // 3600).astype(int), minlength=24)
    assert len(per_hour) == 24 and per_hour.min() >= 90 and per_hour.max() <= 110


def test_live_rate_2000_for_5_seconds_within_5_percent_and_on_time(tmp_path: Path) -> None:
    (tmp_path / "live.log").write_text("live event @now\n")
    write_conf(
        tmp_path,
        f"""
        [live\\.log]
        outputMode = stdout
        {EPOCH_TOKEN}
    """,
    )
    arrivals, err = read_live(
        ["eventgen.conf", "--rate", "2000", "--duration", "5", "--status-interval", "0", "--stats-json", "s.json"],
        tmp_path,
        5,
    )
    assert 9500 <= len(arrivals) <= 10500, len(arrivals)
    arrived = np.array([at for at, _ in arrivals])
    stamps = np.array([float(line.split(b"@")[1]) for _, line in arrivals])
    late = arrived - stamps
    assert late.min() >= -0.005 and late.max() < 1.0, (late.min(), late.max())  # never early, never 1 s late
    assert np.all(np.diff(stamps) > 0) and np.allclose(np.diff(stamps), 1 / 2000, atol=1e-5)  # smooth, exact
    pacing = json.loads((tmp_path / "s.json").read_text())["pacing"]
    assert pacing["target_rate"] == 2000 and 1900 <= pacing["achieved_rate"] <= 2100
    assert "live pacing: target 2,000 events/s" in err


def test_live_replay_sends_each_event_at_its_replayed_time(tmp_path: Path) -> None:
    (tmp_path / "r.log").write_text(REPLAY)
    write_conf(
        tmp_path,
        f"""
        [r\\.log]
        mode = replay
        timeMultiple = 0.5
        timezone = utc
        outputMode = stdout
        {REPLAY_TOKEN}
    """,
    )
    arrivals, _ = read_live(["eventgen.conf", "--duration", "2", "--status-interval", "0"], tmp_path, 2)
    times = replay_times([line.decode() for _, line in arrivals])
    arrived = np.array([at for at, _ in arrivals])
    assert len(times) >= 4 and np.allclose(np.diff(times[:4]), [0.05, 1.0, 0.25], atol=0.001)
    late = arrived - times
    assert late.min() >= -0.005 and late.max() < 0.5


@pytest.mark.parametrize("threading", ["thread", "process"])
def test_max_events_cuts_the_run_at_an_exact_count(tmp_path: Path, threading: str) -> None:
    """A cron of 7 events every 5 minutes over a day would make 2,016; `maxEvents = 1000` stops at the 1,000th,
    cutting a tick and a job (jobSize 64) in the middle, and ids 0..999 come out once each."""
    (tmp_path / "c.log").write_text("ID @now\n")
    write_conf(
        tmp_path,
        f"""
        [c\\.log]
        input = cron
        cron = */5 * * * *
        count = 7
        jobSize = 64
        maxEvents = 1000
        backfill = 2024-01-01T00:00:00
        end = 2024-01-01T23:59:59
        timezone = utc
        {EPOCH_TOKEN}
        token.1.token = ID
        token.1.replacementType = integerid
        token.1.replacement = 0
    """,
    )
    lines, stats = run(tmp_path, "--threading", threading)
    assert stats["total"]["generated"] == stats["total"]["sent"] == 1000
    assert sorted(int(line.split()[0]) for line in lines) == list(range(1000))
    assert stamps_of(lines).max() == T0 + 300 * (999 // 7)
