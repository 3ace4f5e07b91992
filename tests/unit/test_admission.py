"""Counts checked at the door: a completion whose counts do not fit its job is refused, logged once, re-issued
to another peer, and given up as failed after three refusals; the counts of every accepted one fit."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from eventgen.core.batch import GenerationJob
from eventgen.core.delta import DeltaError, JobDelta
from eventgen.resolve.loader import load
from eventgen.run.accounting import Stats
from eventgen.run.admission import SampleShape, malformed, misfit, shapes_of
from eventgen.run.dispatcher import MISFITS, Dispatcher
from tests.conftest import write_conf

JOB = GenerationJob("s", 3, 100, 0.0, 1.0)
SHAPE = SampleShape(frozenset({"file", "tcpout"}))


def delta(made: int = 100, rows: list | None = None, **extra) -> dict:
    """A completion's counts as they come over the wire."""
    rows = [["s", "file", made, 0, 10 * made]] if rows is None else rows
    return {"generated": [["s", made]], "rows": rows, "errors": {}, **extra}


def fits(wire, error: str = "", shape: SampleShape | None = SHAPE, job: GenerationJob = JOB) -> str:
    """Why counts from the wire are refused at the door ('' when they fit): not well formed (`from_wire`), or not
    fitting the job (`misfit`)."""
    try:
        counts = JobDelta.from_wire(wire)
    except DeltaError as exc:
        return str(exc)
    return misfit(job, counts, error, shape)


def aggregate(wire) -> str:
    try:
        return malformed(JobDelta.from_wire(wire))
    except DeltaError as exc:
        return str(exc)


def test_an_honest_completion_fits() -> None:
    assert fits(delta()) == ""
    two = delta(rows=[["s", "file", 100, 0, 1000], ["s", "tcpout", 60, 40, 600, 0, 0]])
    assert fits(two) == ""
    assert fits(delta(0, rows=[]), "generator failed") == ""  # fewer, with a reason
    assert fits(delta(97, dropped=[["s", 3]])) == ""  # dispatch.drop()
    assert fits(delta(40, exhausted=["s"])) == ""  # dispatch.exhaust()
    assert fits(delta(100, rows=[])) == ""  # every output written by the host (process mode)
    assert fits(delta(350), shape=SampleShape(frozenset({"file"}), exact=False)) == ""  # a template


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (delta(100_000), "100,000 events made for a job of 100"),  # 1000x
        (delta(99), "99 events made for a job of 100, with no failure or drop"),
        ({"generated": [["other", 100]], "rows": [], "errors": {}}, "names sample 'other', not the job's 's'"),
        (delta(rows=[["s", "stdout", 100, 0, 5]]), "a row names 'stdout', not an output of sample s"),
        (delta(rows=[["s", "file", 100, 50, 5]]), "file: 100 sent + 50 failed of 100 events made"),
        (delta(rows=[["s", "file", 101, -1, 5]]), "not an int >= 0"),
        (delta(rows=[["s", "file", 100, 0, -5]]), "not an int >= 0"),
        (delta(rows=[["s", "file", 100.0, 0, 5]]), "not an int >= 0"),
        (delta(rows=[["s", "file", True, 99, 5]]), "not an int >= 0"),
        (delta(rows=[["s", "file", 100, 0, 5], ["s", "file", 100, 0, 5]]), "two rows for output 'file'"),
        ({"generated": [["s", -100]], "rows": [], "errors": {}}, "not [sample, count >= 0]"),
        ({"generated": "lots", "rows": []}, "'generated' is not a list"),
        ([1, 2], "not a map"),
        (delta(rows=[["s", "file", 100]]), "is not [sample, output, sent, failed, bytes"),
        (delta(dropped=[["s", -1]]), "'dropped' holds"),
        (delta(exhausted=["t"]), "'exhausted' names another sample"),
    ],
)
def test_a_completion_that_does_not_fit_is_named(bad, reason: str) -> None:
    assert reason in fits(bad)


def test_templates_are_held_to_their_rows_and_aggregates_to_their_own_counts() -> None:
    template = SampleShape(frozenset({"file"}), exact=False)
    assert "50 sent + 0 failed of 350" in fits(delta(350, rows=[["s", "file", 50, 0, 5]]), shape=template)
    assert aggregate(delta(5000)) == ""
    assert "sent + 0 failed" in aggregate(delta(5000, rows=[["s", "file", 10**6, 0, 5]]))
    assert "a row names a sample it made no events of" in aggregate(delta(10, rows=[["x", "file", 0, 0, 0]]))


def test_each_sample_has_the_shape_its_conf_and_generator_declare(tmp_path: Path) -> None:
    (tmp_path / "a.log").write_text("a\n")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.j2").write_text("{{ 1 }}\n")
    conf = write_conf(
        tmp_path,
        """
        [a.log]
        sampleDir = .
        outputMode = file, devnull
        fileName = out.log

        [t]
        generator = jinja
        jinja_template_dir = templates
        jinja_target_template = t.j2
        outputMode = devnull
        """,
    )
    shapes = shapes_of(load(conf).samples)
    assert shapes["a.log"] == SampleShape(frozenset({"file", "devnull"}), exact=True)
    assert shapes["t"] == SampleShape(frozenset({"devnull"}), exact=False)


def job(seq: int, count: int = 10) -> GenerationJob:
    return GenerationJob("s", seq, count, 0.0, 0.0)


def make() -> Dispatcher:
    return Dispatcher("run-1", Stats(), 100, set(), threading.Event(), shapes={"s": SampleShape(frozenset({"file"}))})


def honest(count: int = 10) -> JobDelta:
    return JobDelta.from_wire({"generated": [["s", count]], "rows": [["s", "file", count, 0, count]], "errors": {}})


def test_inflated_counts_are_refused_logged_once_and_the_job_goes_to_another_peer(caplog) -> None:
    d = make()
    d.join("liar", 1)
    d.join("honest", 1)
    for seq in range(3):
        d.put(job(seq))
    sent = {peer.id: j.seq for peer, j in d.assign()}
    assert sent == {"liar": 0, "honest": 1}
    with caplog.at_level(logging.WARNING):
        assert not d.done("liar", "run-1", ("s", 0), honest(10_000), "")
    assert d.counts.refused == 1 and d.counts.reissued == 1 and d.peers["liar"].refused == 1
    assert d.stats.totals().generated == 0
    assert [j.seq for j in d.backlog] == [0, 2]  # re-issued first
    assert [(p.id, j.seq) for p, j in d.assign()] == [("liar", 2)]  # job 0 waits for the other peer
    assert d.done("honest", "run-1", ("s", 1), honest(), "")
    assert [(p.id, j.seq) for p, j in d.assign()] == [("honest", 0)]
    assert not d.done("liar", "run-1", ("s", 2), honest(10_000), "")
    assert d.done("honest", "run-1", ("s", 0), honest(), "")
    assert [(p.id, j.seq) for p, j in d.assign()] == [("honest", 2)]
    assert d.done("honest", "run-1", ("s", 2), honest(), "")
    assert d.stats.totals().generated == d.stats.totals().sent == 30
    assert d.counts.refused == 2 and d.peers["liar"].jobs_done == 0
    lines = [r.getMessage() for r in caplog.records if "refused a completion from liar" in r.getMessage()]
    assert len(lines) == 1 and "10,000 events made for a job of 10" in lines[0]


def test_a_job_whose_counts_never_fit_is_given_up_as_failed_after_three_refusals() -> None:
    d = make()
    d.join("only", 1)
    d.put(job(0))
    for _ in range(MISFITS):
        ((peer, sent),) = d.assign()  # no other peer: it goes back to the same one
        assert not d.done(peer.id, "run-1", ("s", sent.seq), honest(11), "")
    assert d.assign() == [] and d.idle()
    assert d.counts.failed == 1 and d.counts.failed_events == 10 and d.counts.refused == MISFITS
    assert any("given up as failed" in note for note in d.notes.all())
