"""Eventum's generation behaviour: `skip_past` for every input kind, human date phrases in start/end, and the
generation settings given as `eventum generate`'s flags."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

import pytest

from eventgen.cli.common import add_sample_options, overrides_from
from eventgen.conf.eventum_dates import human_moment
from eventgen.conf.eventum_map import translate
from eventgen.core.errors import ConfigErrors, EventgenError
from eventgen.resolve.eventum import load_translated
from eventgen.schedule.plan import plan, window_for
from tests.e2e.test_eventum_projects import one_input

NOW = 1_704_103_200.0  # 2024-01-01T10:00:00Z


def project(folder: Path, input_yml: str) -> Path:
    """A project of one input, a template printing each event's time, and stdout."""
    return one_input(folder, input_yml, template="{{ timestamp.isoformat() }}\n")


def planned_times(path: Path, overrides: dict[str, str] | None = None, jobs: int = 200) -> list[float]:
    """The event times of the first `jobs` jobs the live plan makes at NOW (explicit times, else each job's
    window start)."""
    sample = load_translated(path, {}, {}, {"timeMode": "live", **(overrides or {})}).samples[0]
    times: list[float] = []
    for n, planned in enumerate(plan(sample, window_for(sample, NOW), seed=1, job_size=10_000)):
        job = planned.job
        times += job.timestamps.tolist() if job.timestamps is not None else [job.earliest] * job.count
        if n + 1 >= jobs:
            break
    return times


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


INPUTS = {
    "linspace": 'linspace: {start: "-60s", end: "+63s", count: 64}',
    "timer": f'timer: {{start: "{iso(NOW - 60)}", seconds: 1, count: 2, repeat: 63}}',
    "cron": f'cron: {{start: "{iso(NOW - 60)}", end: "{iso(NOW + 3)}", expression: "* * * * * *", count: 1}}',
    "timestamps": f'timestamps: {{source: ["{iso(NOW - 30)}", "{iso(NOW - 1)}", "{iso(NOW + 1)}", "{iso(NOW + 2)}"]}}',
}
FUTURE = {"linspace": 4, "timer": 6, "cron": 4, "timestamps": 2}  # times at NOW or later that each input gives


@pytest.mark.parametrize("kind", sorted(INPUTS))
def test_skip_past_drops_the_past_times_of_every_input_kind(tmp_path, kind):
    path = project(tmp_path, INPUTS[kind])
    kept = planned_times(path)
    assert len(kept) == FUTURE[kind]
    assert min(kept) >= NOW
    everything = planned_times(path, {"skipPast": "false"})  # `--no-skip-past`: the past made at once
    assert len(everything) > len(kept)
    assert sorted(t for t in everything if t >= NOW) == sorted(kept)


def test_skip_past_is_on_for_projects_and_the_flags_set_it(tmp_path):
    sections, _ = translate(project(tmp_path, INPUTS["linspace"]), {}, {})
    assert next(iter(sections.values()))["skipPast"] == "true"
    parser = argparse.ArgumentParser()
    add_sample_options(parser)
    assert overrides_from(parser.parse_args(["x", "--no-skip-past"]))["skipPast"] == "false"
    assert overrides_from(parser.parse_args(["x", "--skip-past"]))["skipPast"] == "true"


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("now", "2024-01-01T10:00:00+00:00"),
        ("today", "2024-01-01T00:00:00+00:00"),
        ("Yesterday", "2023-12-31T00:00:00+00:00"),
        ("tomorrow at 09:30", "2024-01-02T09:30:00+00:00"),
        ("in 5 minutes", "2024-01-01T10:05:00+00:00"),
        ("2 hours ago", "2024-01-01T08:00:00+00:00"),
        ("1 day and 6 hours ago", "2023-12-31T04:00:00+00:00"),
        ("an hour ago", "2024-01-01T09:00:00+00:00"),
        ("3 months ago", "2023-10-01T10:00:00+00:00"),
    ],
)
def test_human_date_phrases(phrase, expected):
    moment = human_moment(phrase, NOW)
    assert moment is not None and moment.isoformat() == expected


def test_phrases_in_start_and_end_and_an_unknown_one_is_one_line(tmp_path):
    path = project(tmp_path, 'linspace: {start: "2 minutes ago", end: "in 1 minute", count: 4}')
    sections, _ = translate(path, {}, {})
    stanza = next(iter(sections.values()))
    start = datetime.fromisoformat(stanza["linspaceStart"]).timestamp()
    end = datetime.fromisoformat(stanza["linspaceEnd"]).timestamp()
    assert end - start == pytest.approx(180, abs=1)
    path = project(tmp_path, 'linspace: {start: "next blue moon", end: "+1m", count: 4}')
    with pytest.raises(ConfigErrors) as caught:
        translate(path, {}, {})
    assert str(caught.value) == (
        f"{path}: input[0].linspace.start: cannot read time 'next blue moon' (ISO datetime, HH:MM, never, +1d12h, "
        "now, today, yesterday, tomorrow (optionally `at HH:MM`), `in 5 minutes`, `2 hours ago`)"
    )


def test_generation_flags_become_settings_or_one_line():
    parser = argparse.ArgumentParser()
    add_sample_options(parser)
    parser.add_argument("-G", "--generators", type=int)
    args = parser.parse_args(["x", "--timezone", "Europe/Paris", "--batch-size", "500", "--batch-delay", "0.5"])
    assert overrides_from(args) == {"timezone": "Europe/Paris", "jobSize": "500"}
    assert overrides_from(parser.parse_args(["x", "--keep-order"])) == {"generatorWorkers": "1"}
    assert overrides_from(parser.parse_args(["x", "-G", "4", "--max-concurrency", "2"]))["generatorWorkers"] == "2"
    for argv, message in (
        (["--batch-delay", "0"], "--batch-delay: must be more than 0 seconds, got 0"),
        (["-G", "3", "--keep-order"], "--keep-order needs one generator worker (events in time order), not -G 3"),
        (["--max-concurrency", "0"], "--max-concurrency: must be 1 or more, got 0"),
    ):
        with pytest.raises(EventgenError) as caught:
            overrides_from(parser.parse_args(["x", *argv]))
        assert str(caught.value) == message


def test_timezone_flag_reads_times_without_a_zone_in_it(tmp_path):
    path = project(tmp_path, 'linspace: {start: "2024-01-01T12:00:00", end: "+1m", count: 2}')
    sample = load_translated(path, {}, {}, {"timeMode": "sample", "timezone": "Asia/Kolkata"}).samples[0]
    job = next(plan(sample, window_for(sample, NOW), seed=1, job_size=100)).job
    assert [iso(t) for t in job.timestamps.tolist()] == ["2024-01-01T06:30:00+00:00", "2024-01-01T06:31:00+00:00"]


def test_skip_past_reaches_every_input_of_a_merged_project(tmp_path):
    path = project(tmp_path, INPUTS["linspace"])
    text = path.read_text().replace("event:", f"  - {INPUTS['timestamps']}\nevent:")
    path.write_text(text)
    kept = planned_times(path)
    assert sorted(kept) == [NOW, NOW + 1, NOW + 1, NOW + 2, NOW + 2, NOW + 3]  # linspace 4, timestamps 2
