"""Splunk Eventgen's `windbag` and `counter` generators, byte for byte."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from eventgen.core.batch import GenerationJob
from eventgen.core.errors import ConfigErrors
from eventgen.plugin.registry import registry
from eventgen.resolve.loader import load
from eventgen.schedule.plan import plan, window_for
from tests.conftest import write_conf


def batch_of(tmp_path: Path, stanza: str, count: int, earliest: float, latest: float):
    conf = write_conf(tmp_path, "[global]\ntimezone = 0000\n[made]\n" + stanza)
    sample = load(conf).samples[0]
    generator = registry.get("generator", sample.settings["generator"])(sample)
    return generator.generate(GenerationJob(sample.label, 0, count, earliest, latest, seed=1))


def test_windbag_spreads_its_events_evenly_over_the_interval(tmp_path: Path) -> None:
    batch = batch_of(tmp_path, "generator = windbag\n", 3, 1_700_000_000.0, 1_700_000_060.0)
    assert "\n".join(batch.events).encode() == (
        b"2023-11-14 22:13:40 -0700 WINDBAG Event 1 of 3\n"
        b"2023-11-14 22:14:00 -0700 WINDBAG Event 2 of 3\n"
        b"2023-11-14 22:14:20 -0700 WINDBAG Event 3 of 3"
    )


def test_counter_counts_from_start_to_end_by_step_each_loop(tmp_path: Path) -> None:
    stanza = (
        "generator = counter\nstart_count = 1.5\nend_count = 2.5\ncount_by = 0.5\n"
        "count_template = {event_ts} {samplename} {loop_count}/{max_loop}: {current_count} "
        "({start_count}..{end_count} by {count_by})\n"
    )
    batch = batch_of(tmp_path, stanza, 2, 1_700_000_000.0, 1_700_000_010.0)
    assert "\n".join(batch.events).encode() == (
        b"2023-11-14 22:13:20 made 1/2: 1.5 (1.5..2.5 by 0.5)\n"
        b"2023-11-14 22:13:20 made 1/2: 2.0 (1.5..2.5 by 0.5)\n"
        b"2023-11-14 22:13:20 made 1/2: 2.5 (1.5..2.5 by 0.5)\n"
        b"2023-11-14 22:13:25 made 2/2: 1.5 (1.5..2.5 by 0.5)\n"
        b"2023-11-14 22:13:25 made 2/2: 2.0 (1.5..2.5 by 0.5)\n"
        b"2023-11-14 22:13:25 made 2/2: 2.5 (1.5..2.5 by 0.5)"
    )


def test_counter_refuses_a_step_that_never_arrives(tmp_path: Path) -> None:
    conf = write_conf(tmp_path, "[made]\ngenerator = counter\nstart_count = 5\nend_count = 1\n")
    with pytest.raises(ConfigErrors) as caught:
        load(conf)
    assert [str(e) for e in caught.value.errors] == [
        f"{conf}: [made]: count_by: counting from 5 by 1 never reaches end_count 1"
    ]


def test_windbag_count_minus_one_makes_sixty_events_an_interval(tmp_path: Path) -> None:
    conf = write_conf(tmp_path, "[made]\ngenerator = windbag\ncount = -1\nend = 1\n")
    sample = load(conf).samples[0]
    (job,) = [planned.job for planned in plan(sample, window_for(sample, 1.7e9), seed=1, job_size=1000)]
    assert job.count == 60


def test_the_counter_rater_gives_count_as_written_at_every_hour(tmp_path: Path) -> None:
    conf = write_conf(
        tmp_path,
        '[s\\.log]\nsampleDir = .\nrater = counter\ncount = 7\nrandomizeCount = 0.5\nhourOfDayRate = {"0": 0}\n',
    )
    (tmp_path / "s.log").write_text("x\n")
    config = load(conf)
    sample = config.samples[0]
    rater = registry.get("rater", "counter")(sample, 1)
    rng = np.random.default_rng(1)
    assert [rater.rate(7, 1.7e9 + hour * 3600, rng) for hour in range(24)] == [7] * 24
    ignored = sorted(w.split("] ", 1)[1] for w in config.warnings)
    assert [w.split(": ignored: ")[0] for w in ignored] == ["hourOfDayRate", "randomizeCount"]
    assert all("rater `counter`" in w for w in ignored), ignored
