"""Summaries people read: every sample of the run has a row per output (0 events included), names are not cut
beyond recognition, events of re-issued jobs show per output row as "may be duplicated", close errors are named."""

from __future__ import annotations

import io

from eventgen.core.delta import JobDelta
from eventgen.run.accounting import Stats
from eventgen.run.report import NAME_MAX, fit, to_json, write_table
from eventgen.run.summary import RunSummary, summarize

GCP = [f"splunk-add-on-gcp:gcp_monitoring_{kind}" for kind in ("compute_instance", "compute_disk", "pubsub_topic")]


def table(summary: RunSummary) -> str:
    out = io.StringIO()
    write_table(summary, out)
    return out.getvalue()


def merge(stats: Stats, sample: str, outputs: tuple[str, ...], made: int) -> None:
    """`made` events of `sample`, each sent to every one of `outputs`."""
    delta = JobDelta()
    delta.made(sample, made)
    for output in outputs:
        delta.delivered(sample, output, made, 0, 10 * made)
    stats.merge(delta)


def test_long_names_keep_their_start_and_end_and_short_ones_are_whole() -> None:
    long = "splunk-add-on-gcp:gcp_monitoring_" + "x" * 50 + "_compute_instance"
    cut = fit(long)
    assert len(cut) == NAME_MAX and cut.count("…") == 1
    assert cut.startswith("splunk-add-on-gcp:gcp_monitori") and cut.endswith("xxxxxxxxxxxx_compute_instance")
    assert [fit(name) for name in GCP] == GCP  # 45 characters: whole


def test_rows_that_share_a_long_prefix_stay_apart_and_line_up() -> None:
    stats = Stats()
    for name in GCP:
        merge(stats, name, ("httpevent#archive",), 5)
    lines = table(summarize(stats, 1.0)).splitlines()
    rows = [line for line in lines if line.startswith("splunk-add-on-gcp:")]
    assert [r.split()[0] for r in rows] == sorted(GCP)  # whole, not `splunk-add-on-gcp:gcp_monito`
    assert {r.split()[1] for r in rows} == {"httpevent#archive"}
    header = next(line for line in lines if line.startswith("sample"))
    assert len({len(r) for r in rows} | {len(header)}) == 1  # one width for the header and every row


def test_every_sample_and_output_of_the_run_has_a_row_even_without_events() -> None:
    stats = Stats()
    expected = [("busy", "file"), ("busy", "kafka"), ("idle", "file"), ("idle", "kafka"), ("mute", "")]
    merge(stats, "busy", ("file", "kafka"), 5)
    summary = summarize(stats, 1.0, expected)
    rows = {(r.sample, r.output): (r.generated, r.sent, r.failed) for r in summary.rows}
    assert rows == {
        ("busy", "file"): (5, 5, 0),
        ("busy", "kafka"): (5, 5, 0),
        ("idle", "file"): (0, 0, 0),
        ("idle", "kafka"): (0, 0, 0),
        ("mute", ""): (0, 0, 0),
    }
    text = table(summary)
    assert [line.split()[:2] for line in text.splitlines() if line.startswith("idle")] == [
        ["idle", "file"],
        ["idle", "kafka"],
    ]


def test_reissued_events_may_be_duplicated_at_every_output_the_workers_write() -> None:
    stats = Stats()
    merge(stats, "s", ("file", "kafka"), 100)
    merge(stats, "t", ("kafka",), 7)
    assert stats.reissue([("s", 30), ("s", 10)]) == 40
    expected = [("s", "file"), ("s", "kafka"), ("t", "kafka")]
    summary = summarize(stats, 1.0, expected, exact=frozenset({"file"}))  # the host writes it for accepted jobs only
    rows = {(r.sample, r.output): r.may_be_duplicated for r in summary.rows}
    assert rows == {("s", "file"): 0, ("s", "kafka"): 40, ("t", "kafka"): 0}
    text = table(summary)
    assert (
        "kafka: 40 event(s) of s may be duplicated: their job(s) were re-issued after a worker was lost, which may "
        "have sent them already"
    ) in text
    assert "of s may be duplicated" in text and text.count("may be duplicated") == 1


def test_close_errors_are_named_in_the_summary_and_the_json() -> None:
    stats = Stats()
    merge(stats, "s", ("kafka",), 3)
    stats.close_failed({"kafka": "KafkaException: flush timed out"})
    summary = summarize(stats, 1.0, [("s", "kafka")])
    assert to_json(summary)["close_errors"] == {"kafka": "KafkaException: flush timed out"}
    assert summary.failed
    assert "last error from kafka: closing failed: KafkaException: flush timed out" in table(summary)
