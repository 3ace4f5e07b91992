"""Splunk Eventgen's time semantics through the CLI: future intervals released when due, real-time replay,
`timeMode = sample`, `--now` for reproducible relative windows, and `timezone = local` following DST."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from tests.conftest import cli, write_conf
from tests.scheduling import REPLAY, REPLAY_TOKEN, epoch_token, read_live, replay_times

pytestmark = pytest.mark.e2e
EPOCH_TOKEN = epoch_token("NOW")


def test_end_without_backfill_releases_each_interval_when_due_stamped_with_the_present(tmp_path: Path) -> None:
    (tmp_path / "t.log").write_text("tick NOW\n")
    write_conf(
        tmp_path,
        f"""
        [t\\.log]
        count = 5
        interval = 2
        end = 3
        outputMode = stdout
        {EPOCH_TOKEN}
    """,
    )
    arrivals, _ = read_live(["eventgen.conf", "--status-interval", "0"], tmp_path, 6)
    assert len(arrivals) == 15
    arrived = np.array([at for at, _ in arrivals])
    stamps = np.array([float(line.split()[1]) for _, line in arrivals])
    assert (stamps <= arrived).all()  # no event arrives before its own timestamp
    assert (arrived - stamps).max() < 0.5  # and each is stamped with the moment it was released
    bursts = arrived[::5]
    assert np.allclose(np.diff(bursts), [2.0, 2.0], atol=0.4), bursts  # three bursts, about 2 s apart
    assert (np.ptp(arrived.reshape(3, 5), axis=1) < 0.3).all()


def test_time_mode_sample_makes_future_intervals_at_once(tmp_path: Path) -> None:
    (tmp_path / "t.log").write_text("tick NOW\n")
    write_conf(
        tmp_path,
        f"""
        [t\\.log]
        count = 2
        interval = 60
        end = 3
        outputMode = stdout
        {EPOCH_TOKEN}
    """,
    )
    result = cli("eventgen.conf", "--status-interval", "0", "--no-wait", cwd=tmp_path, timeout=30)
    assert result.returncode == 0, result.stderr
    stamps = [float(line.split()[1]) for line in result.stdout.splitlines()]
    assert len(stamps) == 6 and np.allclose(np.diff(stamps[::2]), [60, 60], atol=0.01)  # future stamps, at once


def test_replay_runs_in_real_time_with_gaps_times_time_multiple(tmp_path: Path) -> None:
    (tmp_path / "r.log").write_text(REPLAY)
    write_conf(
        tmp_path,
        f"""
        [r\\.log]
        mode = replay
        timeMultiple = 0.5
        end = 1
        timezone = utc
        outputMode = stdout
        {REPLAY_TOKEN}
    """,
    )
    arrivals, _ = read_live(["eventgen.conf", "--status-interval", "0"], tmp_path, 3)
    assert len(arrivals) == 4
    times = replay_times([line.decode() for _, line in arrivals])
    arrived = np.array([at for at, _ in arrivals])
    assert np.allclose(np.diff(times), [0.05, 1.0, 0.25], atol=0.001)  # (0.1, 2.0, 0.5) x 0.5
    assert np.allclose(np.diff(arrived), [0.05, 1.0, 0.25], atol=0.12)  # replayed in real time
    late = arrived - times
    assert late.min() >= -0.005 and late.max() < 0.5  # stamped with the moment each is written


def test_now_and_seed_pin_relative_windows_byte_for_byte(tmp_path: Path) -> None:
    (tmp_path / "r.log").write_text("at NOW id=RND\n")
    write_conf(
        tmp_path,
        f"""
        [r\\.log]
        count = 500
        backfill = -1h
        earliest = -10m
        interval = 600
        end = now
        outputMode = stdout
        timezone = utc
        {EPOCH_TOKEN}
        token.1.token = RND
        token.1.replacementType = random
        token.1.replacement = integer[0:1000000]
    """,
    )
    runs = [
        cli("eventgen.conf", "--seed", "7", "--now", now, "--status-interval", "0", cwd=tmp_path)
        for now in ("2026-01-01T12:00:00Z", "2026-01-01T12:00:00Z", "2026-01-01T13:00:00Z")
    ]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr
    assert runs[0].stdout == runs[1].stdout and len(runs[0].stdout.splitlines()) == 3500  # 7 ticks
    assert runs[0].stdout != runs[2].stdout
    first = float(runs[0].stdout.split()[1])
    noon = datetime(2026, 1, 1, 12, tzinfo=UTC).timestamp()
    assert noon - 3600 - 600 <= first <= noon - 3600  # backfill -1h from the pinned now, earliest -10m


def test_local_timezone_follows_daylight_saving_across_a_backfill(tmp_path: Path) -> None:
    (tmp_path / "d.log").write_text("STAMP\n")
    write_conf(
        tmp_path,
        """
        [d\\.log]
        count = 1
        interval = 1800
        backfill = -6h
        end = now
        outputMode = stdout
        token.0.token = STAMP
        token.0.replacementType = timestamp
        token.0.replacement = %Y-%m-%dT%H:%M:%S%z
    """,
    )
    result = cli(
        "eventgen.conf",
        "--now",
        "2026-03-29T06:00:00+02:00",
        "--status-interval",
        "0",
        "--stats-json",
        "s.json",
        cwd=tmp_path,
        env={"TZ": "Europe/Berlin"},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split()
    assert len(lines) == 13 and json.loads((tmp_path / "s.json").read_text())["total"]["generated"] == 13
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 3, 29, 4, tzinfo=UTC).timestamp() - 6 * 3600
    expected = [datetime.fromtimestamp(start + i * 1800, berlin).strftime("%Y-%m-%dT%H:%M:%S%z") for i in range(13)]
    assert lines == expected
    assert lines[0] == "2026-03-28T23:00:00+0100" and lines[-1] == "2026-03-29T06:00:00+0200"
    assert "2026-03-29T01:30:00+0100" in lines and "2026-03-29T03:00:00+0200" in lines  # 02:00 → 03:00


def test_rate_and_duration_pace_a_conf_that_sets_end(tmp_path: Path) -> None:
    (tmp_path / "t.log").write_text("tick NOW\n")
    write_conf(
        tmp_path,
        f"""
        [t\\.log]
        count = 10
        end = 1
        outputMode = stdout
        {EPOCH_TOKEN}
    """,
    )
    arrivals, err = read_live(
        ["eventgen.conf", "--rate", "1000", "--duration", "2", "--status-interval", "0"], tmp_path, 2
    )
    assert "--duration 2s bounds the run: end from the conf is ignored for t.log" in err
    assert 1900 <= len(arrivals) <= 2050, len(arrivals)
    arrived = np.array([at for at, _ in arrivals])
    assert arrived[-1] - arrived[0] > 1.8  # paced over the duration, not written at once
    refused = cli("eventgen.conf", "--duration", "2", "-e", "3", cwd=tmp_path)
    assert refused.returncode == 2 and "--duration and --end both bound the run" in refused.stderr
