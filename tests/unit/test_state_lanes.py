"""State lanes (`jinjaStateLanes`): each lane of a stateful sample pinned on its own, rendered by its own instance
with its own state; job n in lane n mod lanes."""

from __future__ import annotations

import threading

import pytest

from eventgen.core.batch import GenerationJob
from eventgen.core.errors import ConfigErrors
from eventgen.resolve.loader import load
from eventgen.run.accounting import Stats
from eventgen.run.dispatcher import LOST, Dispatcher
from eventgen.run.pipeline import Pipeline, state_lanes
from tests.unit.jinja_helpers import START, write

COUNTER = """
{% set n = locals.get("n", 0) + 1 %}{% do locals.set("n", n) %}{% do shared.update(seen=shared.get("seen", 0) + 1) %}
{{ state_lane }}/{{ state_lanes }} n={{ n }} seen={{ shared.seen }}
"""


def lanes_conf(tmp_path, lanes: int, extra: str = ""):
    return write(
        tmp_path,
        f"""
        [s]
        generator = jinja
        jinjaTemplates = ["c.j2"]
        jinjaOutput = text
        jinjaStateLanes = {lanes}
        count = 2
        {extra}
        """,
        {"c.j2": COUNTER},
    )


def test_jobs_of_a_lane_stay_on_its_peer_and_lanes_spread() -> None:
    d = Dispatcher("run-1", Stats(), 100, {"state": 2}, threading.Event())
    d.join("a", 4)
    d.join("b", 4)
    for seq in range(6):
        d.put(GenerationJob("state", seq, 10, 0.0, 0.0))
    sent = {j.seq: p.id for p, j in d.assign()}
    assert sorted(sent) == list(range(6))
    assert {sent[0], sent[2], sent[4]} == {sent[0]} and {sent[1], sent[3], sent[5]} == {sent[1]}
    assert sent[0] != sent[1]  # the two lanes run on two peers at once
    lost = sent[0]
    d.gone(lost, LOST, "silent")  # lane 0 moves; lane 1 stays where it is
    assert d.pins == {("state", 1): sent[1]}


def test_each_lane_counts_its_own_jobs_in_order(tmp_path) -> None:
    sample = load(lanes_conf(tmp_path, 2)).samples[0]
    assert state_lanes(sample) == 2
    pipeline = Pipeline([sample], outputs=None)  # type: ignore[arg-type]  # render only
    texts = []
    for seq in range(4):
        job = GenerationJob(sample.label, seq, 2, START, START + 60, offset=2 * seq, seed=1)
        texts += pipeline.render(job).events
    assert texts == [
        "0/2 n=1 seen=1", "0/2 n=2 seen=2",  # job 0, lane 0
        "1/2 n=1 seen=1", "1/2 n=2 seen=2",  # job 1, lane 1: its own locals and shared
        "0/2 n=3 seen=3", "0/2 n=4 seen=4",  # job 2 continues lane 0
        "1/2 n=3 seen=3", "1/2 n=4 seen=4",
    ]  # fmt: skip


def test_one_lane_is_one_state(tmp_path) -> None:
    sample = load(lanes_conf(tmp_path, 1)).samples[0]
    pipeline = Pipeline([sample], outputs=None)  # type: ignore[arg-type]
    texts = [t for seq in range(2) for t in pipeline.render(GenerationJob("s", seq, 2, START, START + 60)).events]
    assert texts == ["0/1 n=1 seen=1", "0/1 n=2 seen=2", "0/1 n=3 seen=3", "0/1 n=4 seen=4"]


def test_lanes_refuse_a_state_group_and_less_than_one(tmp_path) -> None:
    with pytest.raises(ConfigErrors, match=r"jinjaStateLanes.*jinjaStateGroup"):
        load(lanes_conf(tmp_path, 2, "jinjaStateGroup = g"))
    with pytest.raises(ConfigErrors, match=r"jinjaStateLanes.*at least 1"):
        load(lanes_conf(tmp_path, 0))
