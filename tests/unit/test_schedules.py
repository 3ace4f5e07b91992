"""Schedules (input plugins) and live pacing, driven in-process from real confs."""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
import textwrap
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from eventgen.conf.sample import Sample
from eventgen.core.batch import GenerationJob
from eventgen.core.errors import ConfigErrors
from eventgen.plugin.base import registry
from eventgen.resolve.loader import load
from eventgen.schedule.clock import Clock
from eventgen.schedule.pacing import Feeder
from eventgen.schedule.plan import PACE, Window, pace_cuts, plan, planned_events, window_for
from eventgen.schedule.tick import LiveRun
from tests.conftest import write_conf
from tests.waiting import wait_for

T0 = datetime(2024, 1, 1, tzinfo=UTC).timestamp()  # a Monday, 00:00 UTC


def sample_from(tmp_path: Path, settings: str, text: str = "event\n", name: str = "s.log") -> Sample:
    (tmp_path / name).write_text(text)
    stanza = re.escape(name)
    write_conf(tmp_path, f"[{stanza}]\nsampleDir = .\ntimezone = utc\n{settings}")
    (sample,) = load(tmp_path / "eventgen.conf").samples
    return sample


def ticks(sample: Sample, start: float, n: int, seed: int = 1):
    schedule = registry.get("input", sample.settings["input"])(sample)  # type: ignore[call-arg]
    return list(itertools.islice(schedule.ticks(start, np.random.default_rng(seed)), n))


def test_linspace_spreads_count_evenly_with_and_without_endpoint(tmp_path: Path) -> None:
    sample = sample_from(
        tmp_path,
        "input = linspace\ncount = 5\nlinspaceStart = 2024-01-01T00:00:00\nlinspaceEnd = 2024-01-01T01:00:00\n",
    )
    (tick,) = ticks(sample, 0.0, 5)
    assert tick.timestamps.tolist() == [T0 + 900 * k for k in range(5)]
    sample = sample_from(
        tmp_path,
        "input = linspace\ncount = 4\nlinspaceStart = 2024-01-01T00:00:00\n"
        "linspaceEnd = +1h\nlinspaceEndpoint = false\n",
    )
    (tick,) = ticks(sample, 0.0, 5)
    assert tick.timestamps.tolist() == [T0 + 900 * k for k in range(4)]


def test_linspace_is_chunked_lazily(tmp_path: Path) -> None:
    sample = sample_from(
        tmp_path,
        "input = linspace\ncount = 250000\nlinspaceStart = 2024-01-01T00:00:00\n"
        "linspaceEnd = 2024-01-01T00:00:25\nlinspaceEndpoint = false\n",
    )
    chunks = ticks(sample, 0.0, 10)
    assert [len(t.timestamps) for t in chunks] == [100000, 100000, 50000]
    stamps = np.concatenate([t.timestamps for t in chunks])
    assert np.allclose(np.diff(stamps), 1e-4, rtol=0, atol=1e-6)  # float64 epoch resolution: ~2.4e-7 s
    assert stamps[0] == T0 and stamps[-1] == pytest.approx(T0 + 25 - 1e-4)


def test_cron_five_fields_includes_a_match_at_start(tmp_path: Path) -> None:
    sample = sample_from(tmp_path, "input = cron\ncron = */5 * * * *\ncount = 3\n")
    got = ticks(sample, T0, 4)
    assert [t.time for t in got] == [T0, T0 + 300, T0 + 600, T0 + 900]
    assert all(t.count == 3 and t.earliest == t.latest == t.time and t.timestamps is None for t in got)


def test_cron_six_fields_has_seconds_last(tmp_path: Path) -> None:
    sample = sample_from(tmp_path, "input = cron\ncron = * * * * * */20\ncount = 1\n")
    assert [t.time - T0 for t in ticks(sample, T0 + 1, 4)] == [20, 40, 60, 80]


def test_cron_is_matched_in_the_sample_timezone(tmp_path: Path) -> None:
    (tmp_path / "s.log").write_text("e\n")
    write_conf(tmp_path, "[s\\.log]\nsampleDir = .\ntimezone = +0200\ninput = cron\ncron = 0 9 * * *\n")
    (sample,) = load(tmp_path / "eventgen.conf").samples
    (tick,) = ticks(sample, T0, 1)
    assert tick.time == T0 + 7 * 3600  # 09:00 at +02:00 is 07:00 UTC


def test_bad_cron_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "s.log").write_text("e\n")
    write_conf(tmp_path, "[s\\.log]\nsampleDir = .\ninput = cron\ncron = 61 * * * *\n")
    with pytest.raises(ConfigErrors) as info:
        load(tmp_path / "eventgen.conf")
    assert "cron" in str(info.value) and "not valid" in str(info.value)


def test_timer_repeats_then_ends(tmp_path: Path) -> None:
    sample = sample_from(tmp_path, "input = timer\ninterval = 2.5\ncount = 4\ntimerRepeat = 3\n")
    got = ticks(sample, T0, 10)
    assert [(t.time - T0, t.count) for t in got] == [(0, 4), (2.5, 4), (5.0, 4)]


def test_timestamps_file_mixed_formats_sorted(tmp_path: Path) -> None:
    (tmp_path / "times.txt").write_text(
        "# times\n2024-01-01T00:00:10\n%r\n\n2024-01-01T02:00:00+02:00\n2024-01-01T00:00:05.250Z\n" % (T0 + 1.5)
    )
    sample = sample_from(tmp_path, "input = timestamps\ntimestampsFile = times.txt\n")
    (tick,) = ticks(sample, 0.0, 3)
    assert tick.timestamps.tolist() == [T0, T0 + 1.5, T0 + 5.25, T0 + 10]


def test_rate_input_is_exact_for_fractional_rates(tmp_path: Path) -> None:
    sample = sample_from(tmp_path, "input = rate\nrate = 2.5\n")
    got = ticks(sample, T0, 10)
    assert [t.count for t in got] == [3, 2] * 5
    stamps = np.concatenate([t.timestamps for t in got])
    assert np.allclose(stamps, T0 + np.arange(25) / 2.5)


PATTERN = """
label: {label}
oscillator:
  period: {period}
  unit: {unit}
  start: 2024-01-01T00:00:00Z
  end: {end}
multiplier:
  ratio: {ratio}
randomizer:
  deviation: {deviation}
  direction: {direction}
  sampling: 64
spreader:
  distribution: {distribution}
  parameters: {parameters}
"""


def pattern(folder: Path, name: str, **fields) -> str:
    values = dict(
        label=name,
        period=1,
        unit="hours",
        end="never",
        ratio=1000,
        deviation=0.2,
        direction="mixed",
        distribution="uniform",
        parameters="{low: 0, high: 1}",
    )
    values.update(fields)
    (folder / name).write_text(PATTERN.format(**values))
    return name


def period_counts(stamps: np.ndarray, start: float, period: float, periods: int) -> np.ndarray:
    return np.bincount(((stamps - start) // period).astype(int), minlength=periods)[:periods]


def test_time_pattern_counts_stay_within_the_randomizer_bounds(tmp_path: Path) -> None:
    name = pattern(tmp_path, "p.yml", deviation=0.2, direction="mixed", end="+2d")
    sample = sample_from(tmp_path, f"input = timepatterns\ntimePatterns = {name}\n")
    got = ticks(sample, T0, 1000)
    stamps = np.concatenate([t.timestamps for t in got])
    counts = period_counts(stamps, T0, 3600, 48)
    assert len(stamps) == counts.sum() and counts.min() >= 800 and counts.max() <= 1200
    assert len(set(counts.tolist())) > 10  # the factor really varies
    assert np.all(np.diff(stamps) >= 0) and stamps[-1] < T0 + 2 * 86400
    for direction, low, high in (("decrease", 700, 1000), ("increase", 1000, 1300)):
        name = pattern(tmp_path, f"{direction}.yml", deviation=0.3, direction=direction, end="+1d")
        sample = sample_from(tmp_path, f"input = timepatterns\ntimePatterns = {name}\n")
        counts = period_counts(np.concatenate([t.timestamps for t in ticks(sample, T0, 100)]), T0, 3600, 24)
        assert counts.min() >= low and counts.max() <= high, direction


def test_beta_spreader_concentrates_mid_period(tmp_path: Path) -> None:
    name = pattern(
        tmp_path, "beta.yml", distribution="beta", parameters="{a: 5, b: 5}", deviation=0, ratio=20000, end="+5h"
    )
    sample = sample_from(tmp_path, f"input = timepatterns\ntimePatterns = {name}\n")
    stamps = np.concatenate([t.timestamps for t in ticks(sample, T0, 100)])
    assert len(stamps) == 5 * 20000
    position = ((stamps - T0) % 3600) / 3600
    # Beta(5,5): P(0.4 < X < 0.6) = I_0.6(5,5) - I_0.4(5,5), with I_x(5,5) = sum_j C(9,j) x^j (1-x)^(9-j), j>=5
    cdf = [sum(math.comb(9, j) * x**j * (1 - x) ** (9 - j) for j in range(5, 10)) for x in (0.4, 0.6)]
    expected = cdf[1] - cdf[0]
    observed = float(np.mean((position > 0.4) & (position < 0.6)))
    assert abs(observed - expected) < 0.01, (observed, expected)
    assert expected > 0.45  # twice the 0.2 a uniform spread would put there


def test_uniform_and_triangular_spreaders_stay_in_their_bounds(tmp_path: Path) -> None:
    name = pattern(tmp_path, "u.yml", parameters="{low: 0.25, high: 0.5}", end="+3h", deviation=0)
    sample = sample_from(tmp_path, f"input = timepatterns\ntimePatterns = {name}\n")
    position = ((np.concatenate([t.timestamps for t in ticks(sample, T0, 10)]) - T0) % 3600) / 3600
    assert position.min() >= 0.25 and position.max() < 0.5
    name = pattern(
        tmp_path,
        "t.yml",
        distribution="triangular",
        parameters="{left: 0.5, mode: 0.9, right: 1}",
        end="+3h",
        deviation=0,
    )
    sample = sample_from(tmp_path, f"input = timepatterns\ntimePatterns = {name}\n")
    position = ((np.concatenate([t.timestamps for t in ticks(sample, T0, 10)]) - T0) % 3600) / 3600
    assert position.min() >= 0.5 and np.median(position) > 0.75


def test_several_pattern_files_merge_in_time_order(tmp_path: Path) -> None:
    hourly = pattern(tmp_path, "hourly.yml", ratio=100, deviation=0, end="+1d")
    daily = pattern(
        tmp_path,
        "daily.yml",
        period=1,
        unit="days",
        ratio=5000,
        deviation=0,
        end="+1d",
        distribution="beta",
        parameters="{a: 2, b: 2}",
    )
    sample = sample_from(tmp_path, f"input = timepatterns\ntimePatterns = {hourly}, {daily}\n")
    got = ticks(sample, T0, 1000)
    stamps = np.concatenate([t.timestamps for t in got])
    assert len(stamps) == 24 * 100 + 5000
    assert np.all(np.diff(stamps) >= 0)  # sorted across ticks, not only inside each
    assert [t.time for t in got] == sorted(t.time for t in got)


def test_time_pattern_skips_periods_before_the_schedule_start(tmp_path: Path) -> None:
    name = pattern(tmp_path, "p.yml", ratio=600, deviation=0, end="+3h")
    sample = sample_from(tmp_path, f"input = timepatterns\ntimePatterns = {name}\n")
    stamps = np.concatenate([t.timestamps for t in ticks(sample, T0 + 5400, 100)])
    assert stamps.min() >= T0 + 5400 and stamps.max() < T0 + 3 * 3600
    assert 600 * 1.5 - 100 < len(stamps) < 600 * 1.5 + 100


def test_bad_pattern_file_names_the_field(tmp_path: Path) -> None:
    name = pattern(tmp_path, "bad.yml", distribution="gamma")
    (tmp_path / "s.log").write_text("e\n")
    write_conf(tmp_path, f"[s\\.log]\nsampleDir = .\ninput = timepatterns\ntimePatterns = {name}\n")
    with pytest.raises(ConfigErrors) as info:
        load(tmp_path / "eventgen.conf")
    assert "spreader.distribution must be one of uniform, triangular, beta" in str(info.value)


REPLAY = """2024-01-01 00:00:00.000 first
2024-01-01 00:00:00.250 second
2024-01-01 00:00:01.250 third
2024-01-01 00:00:01.300 fourth
"""
REPLAY_TOKEN = (
    "token.0.token = ^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3})\n"
    "token.0.replacementType = replaytimestamp\ntoken.0.replacement = %Y-%m-%d %H:%M:%S.%f\n"
)


def test_replay_schedule_keeps_every_gap_scaled(tmp_path: Path) -> None:
    sample = sample_from(tmp_path, "mode = replay\ntimeMultiple = 2\ninterval = 5\n" + REPLAY_TOKEN, REPLAY)
    assert sample.settings["input"] == "replay" and sample.settings["generator"] == "replay"
    first, second = ticks(sample, T0, 2)
    assert np.allclose(first.timestamps - T0, [0, 0.5, 2.5, 2.6])
    assert np.allclose(second.timestamps - T0, [7.6, 8.1, 10.1, 10.2])  # next pass: 5 s after the last event


def test_replay_interval_defaults_to_zero(tmp_path: Path) -> None:
    sample = sample_from(tmp_path, "mode = replay\n" + REPLAY_TOKEN, REPLAY)
    first, second = ticks(sample, T0, 2)
    assert second.timestamps[0] == first.timestamps[-1] == T0 + 1.3


def test_pace_cuts_bound_time_and_size() -> None:
    due = np.arange(2000) / 2000.0
    cuts = pace_cuts(due, 10_000)
    assert len(cuts) - 1 == 20 and np.all(np.diff(cuts) == 100)
    cuts = pace_cuts(due, 30)
    assert np.diff(cuts).max() <= 30 and cuts[-1] == 2000
    for a, b in itertools.pairwise(cuts.tolist()):
        assert due[b - 1] - due[a] < PACE


def test_live_interval_ticks_are_released_smoothly_never_early(tmp_path: Path) -> None:
    sample = sample_from(tmp_path, "count = 40\ninterval = 1\n")
    released: list[tuple[float, GenerationJob]] = []
    stop = threading.Event()

    def put(job: GenerationJob, due: float | None = None) -> bool:
        released.append((time.time(), job))
        return True

    now = time.time()
    feeder = Feeder(sample.label, plan(sample, window_for(sample, now), 1, 1000), put, Clock(now), stop)
    thread = threading.Thread(target=feeder.run)
    thread.start()
    try:  # 40 events/s in 0.05 s jobs: 25 jobs within 1.5 s
        wait_for(lambda: len(released) >= 25, "25 jobs released", 1.5)
    finally:
        stop.set()
    thread.join(5)
    stamps = np.concatenate([job.timestamps for _, job in released])
    assert len(released) >= 25 and max(job.count for _, job in released) <= 2  # 40/s in 0.05 s jobs, no burst
    assert np.allclose(np.diff(stamps[:40]), 1 / 40)  # evenly spread over the interval
    assert all(at >= job.timestamps.max() for at, job in released)  # never before its time
    assert feeder.worst_lag < 0.5


def test_plan_releases_future_intervals_when_due_and_the_past_at_once(tmp_path: Path) -> None:
    sample = sample_from(tmp_path, "count = 3\ninterval = 10\nend = 4\njobSize = 2\n")
    jobs = list(plan(sample, window_for(sample, T0), 7, 2))
    assert [(p.job.seq, p.job.count, p.job.offset, p.job.interval) for p in jobs] == [
        (0, 2, 0, 0),
        (1, 1, 2, 0),
        (2, 2, 3, 1),
        (3, 1, 5, 1),
        (4, 2, 6, 2),
        (5, 1, 8, 2),
        (6, 2, 9, 3),
        (7, 1, 11, 3),
    ]
    assert [p.due for p in jobs] == [T0, T0, T0 + 10, T0 + 10, T0 + 20, T0 + 20, T0 + 30, T0 + 30]
    assert all(p.job.earliest == p.job.latest == p.due for p in jobs)  # stamped with the moment of release
    backfilled = sample_from(tmp_path, "count = 3\ninterval = 10\nbackfill = -30s\nend = 4\n")
    dues = [p.due for p in plan(backfilled, window_for(backfilled, T0), 7, 100)]
    assert dues == [None, None, None, T0]  # the past part of the window at once, the present when due
    sample_mode = sample_from(tmp_path, "count = 3\ninterval = 10\nend = 4\ntimeMode = sample\n")
    assert [p.due for p in plan(sample_mode, window_for(sample_mode, T0), 7, 100)] == [None] * 4
    again = [(p.job.seq, p.due) for p in plan(sample, window_for(sample, T0), 7, 2)]
    assert again == [(p.job.seq, p.due) for p in jobs]  # pure: the same inputs give the same plan


def test_the_plan_makes_its_input_and_rater_with_the_run_parameters_and_sets_nothing_on_them(tmp_path: Path) -> None:
    sample = sample_from(tmp_path, "count = 3\ninterval = 10\nend = 2\n")
    made: list[tuple[str, object, ...]] = []

    class Sealed:  # refuses every attribute set once its constructor is done
        sealed = False

        def __setattr__(self, name: str, value: object) -> None:
            assert not self.sealed, f"the plan set {type(self).__name__}.{name}"
            super().__setattr__(name, value)

    class Schedule(Sealed, sample.plugins["input"]):  # type: ignore[misc, valid-type]
        name = ""  # unnamed: not registered in place of the built-in

        def __init__(self, sample, now=None, live=None):
            super().__init__(sample, now, live)
            made.append(("input", self.now, self.live))
            self.sealed = True

    class Rater(Sealed, sample.plugins["rater"]):  # type: ignore[misc, valid-type]
        name = ""

        def __init__(self, sample, seed=0):
            super().__init__(sample, seed)
            made.append(("rater", self.seed))
            self.sealed = True

    ours = dataclasses.replace(sample, plugins={**sample.plugins, "input": Schedule, "rater": Rater})
    live = LiveRun(threading.Event(), time.time)
    jobs = list(plan(ours, window_for(ours, T0), 7, 100, live))
    assert [(p.job.count, p.job.seed, p.due) for p in jobs] == [(3, 7, T0), (3, 7, T0 + 10)]
    assert made == [("rater", 7), ("input", T0, live)]
    assert planned_events(ours, window_for(ours, T0), 9) == 6
    assert made[2:] == [("input", T0, None), ("rater", 9)]  # counted without a live run


def test_window_is_bounded_by_an_end_count_or_time(tmp_path: Path) -> None:
    sample = sample_from(tmp_path, "end = 2024-01-01T00:05:00\n")
    assert window_for(sample, T0) == Window(T0, T0, None, T0 + 300, True)
    assert not window_for(sample_from(tmp_path, "end = -1\n"), T0).bounded


def _stamp_ticks(chunks: list[list[float]]):
    from eventgen.plugin.base import Tick

    for chunk in chunks:
        stamps = np.array(chunk, dtype=np.float64)
        yield Tick(chunk[0], len(chunk), chunk[0], chunk[-1], stamps), len(chunk)


def test_merged_schedules_interleave_overlapping_chunks_and_name_their_source():
    from eventgen.schedule.merge import merged

    a = _stamp_ticks([[0, 2, 4, 6], [8, 10]])
    b = _stamp_ticks([[1, 3], [5, 7, 9, 11, 13]])
    ticks = list(merged([a, b], np.random.default_rng(1)))
    stamps = np.concatenate([t.timestamps for t in ticks]).tolist()
    sources = np.concatenate([t.sources for t in ticks]).tolist()
    assert stamps == [float(x) for x in range(12)] + [13.0]
    assert sources == [0, 1] * 6 + [1]
    assert all(t.count == len(t.timestamps) for t in ticks)


def test_merged_schedules_read_an_endless_one_only_as_far_as_needed():
    """An endless schedule (a live timer) merges lazily: the bounded one's times all come out in order."""
    from eventgen.plugin.base import Tick
    from eventgen.schedule.merge import merged

    pulled = []

    def endless():
        for n in itertools.count():
            pulled.append(n)
            yield Tick(float(n * 10), 2, float(n * 10), float(n * 10)), 2  # a count tick at a point window

    bounded = _stamp_ticks([[5.0, 25.0]])
    out = []
    for tick in merged([endless(), bounded], np.random.default_rng(1)):
        out += list(zip(tick.timestamps.tolist(), tick.sources.tolist(), strict=True))
        if len(out) >= 9:
            break
    assert out[:9] == [(0.0, 0), (0.0, 0), (5.0, 1), (10.0, 0), (10.0, 0), (20.0, 0), (20.0, 0), (25.0, 1), (30.0, 0)]
    assert len(pulled) <= 6


def test_a_schedule_group_is_one_sample_with_each_members_window(tmp_path):
    conf = tmp_path / "g.conf"
    conf.write_text(
        textwrap.dedent(
            """
            [one]
            generator = jinja
            jinja_template_dir = t
            jinjaTemplates = {"t": {"template": "t.j2"}}
            scheduleGroup = g
            input = timestamps
            timestampsList = ["2024-01-01T00:00:00Z", "2024-01-01T00:00:02Z"]
            [two]
            scheduleGroup = g
            input = timer
            interval = 1
            count = 1
            backfill = 2024-01-01T00:00:01Z
            end = 2
            """
        )
    )
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "t.j2").write_text("{{ timestamp }}\n")
    config = load(conf)
    assert [s.label for s in config.samples] == ["one"]
    sample = config.samples[0]
    assert [m.stanza for m in sample.schedules] == ["one", "two"]
    member = sample.schedules[1]  # took the first stanza's generator, not its schedule
    assert (member.settings["generator"], member.settings["input"]) == ("jinja", "timer")
    assert member.settings["timestampsList"] is None
    window = window_for(sample, T0 + 3600, "sample")
    assert not window.bounded  # the timestamps member has no end of its own (its input ends it)
    assert window.start == T0 + 1  # the earliest member start (the timestamps member starts now)
    jobs = [p.job for p in plan(sample, window, 1, 100)]
    stamps = np.concatenate([j.timestamps for j in jobs]) - T0
    assert stamps.tolist() == [0.0, 1.0, 2.0, 2.0]
    assert b"".join(j.extra["sources"] for j in jobs) == bytes([0, 1, 0, 1])
