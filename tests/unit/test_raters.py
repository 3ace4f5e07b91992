"""Raters: the config tables and perDayVolume, in-process from real confs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from eventgen.conf.sample import Sample
from eventgen.plugin.base import registry
from eventgen.resolve.loader import load
from tests.conftest import write_conf


def sample_from(tmp_path: Path, settings: str, text: str = "event\n") -> Sample:
    (tmp_path / "s.log").write_text(text)
    write_conf(tmp_path, f"[s\\.log]\nsampleDir = .\ntimezone = utc\n{settings}")
    (sample,) = load(tmp_path / "eventgen.conf").samples
    return sample


def rater_of(sample: Sample):
    return registry.get("rater", sample.settings["rater"])(sample)  # type: ignore[call-arg]


def test_per_day_volume_alone_selects_its_rater(tmp_path: Path) -> None:
    assert sample_from(tmp_path, "perDayVolume = 1\n").settings["rater"] == "perdayvolume"
    assert sample_from(tmp_path, "perDayVolume = 1\nrater = config\n").settings["rater"] == "config"
    assert sample_from(tmp_path, "count = 3\n").settings["rater"] == "config"


def test_per_day_volume_events_from_measured_size_with_exact_carry(tmp_path: Path) -> None:
    sample = sample_from(tmp_path, "perDayVolume = 1\ninterval = 60\n", "x" * 99 + "\n")
    rater = rater_of(sample)
    assert rater.event_bytes == 100  # 99 characters and the newline
    per_interval = 2**30 * 60 / 86400 / 100
    assert rater.per_interval() == per_interval
    rng = np.random.default_rng(0)
    counts = [rater.rate(0, 0.0, rng) for _ in range(10)]
    assert set(counts) == {7456, 7457} and sum(counts) == int(per_interval * 10)


def test_per_day_volume_measures_token_sizes(tmp_path: Path) -> None:
    tokens = "token.0.token = N\ntoken.0.replacementType = static\ntoken.0.replacement = " + "y" * 50 + "\n"
    sample = sample_from(tmp_path, "perDayVolume = 1\ninterval = 60\n" + tokens, "aN\nbbN\n")
    assert rater_of(sample).event_bytes == (52 + 53) / 2


def test_day_of_week_zero_is_sunday_and_tables_multiply(tmp_path: Path) -> None:
    sample = sample_from(
        tmp_path,
        'count = 100\ndayOfWeekRate = {"0": 0.5, "1": 2}\nhourOfDayRate = {"13": 0.1}\nmonthOfYearRate = {"1": 3}\n',
    )
    rater = rater_of(sample)
    rng = np.random.default_rng(0)
    sunday = datetime(2024, 1, 7, 12, tzinfo=UTC).timestamp()
    monday_13h = datetime(2024, 1, 8, 13, tzinfo=UTC).timestamp()
    assert rater.rate(100, sunday, rng) == 150  # 100 x 0.5 (Sunday) x 3 (January)
    assert rater.rate(100, monday_13h, rng) == 60  # 100 x 2 x 0.1 x 3


def test_randomize_count_stays_within_half_the_fraction(tmp_path: Path) -> None:
    rater = rater_of(sample_from(tmp_path, "count = 1000\nrandomizeCount = 0.2\n"))
    rng = np.random.default_rng(3)
    counts = [rater.rate(1000, 0.0, rng) for _ in range(500)]
    assert min(counts) >= 900 and max(counts) <= 1100 and len(set(counts)) > 50
