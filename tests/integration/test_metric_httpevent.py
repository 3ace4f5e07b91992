"""metric_httpevent: each event's JSON fields sent as a HEC metric envelope, read back exactly from the project's HEC
receiver (tests/hec_receiver.py); events that are not metrics fail their batch with one line naming the event."""

from __future__ import annotations

import time

import pytest

from tests.integration.helpers import row, run

pytestmark = pytest.mark.integration

SAMPLE = (
    '{"metric_name:cpu.idle": 94.5, "region": "eu-west", "cpu": "0"}\n'
    '{"metric_name:mem.used": 2048, "metric_name:mem.free": 1024.25, "region": "eu-west"}\n'
    '{"metric_name": "disk.iops", "_value": 311, "device": "sda"}\n'
)
FIELDS = [
    {"metric_name:cpu.idle": 94.5, "region": "eu-west", "cpu": "0"},
    {"metric_name:mem.used": 2048, "metric_name:mem.free": 1024.25, "region": "eu-west"},
    {"metric_name": "disk.iops", "_value": 311, "device": "sda"},
]


def conf(hec, extra: str = "") -> str:
    return f"""
        [m.log]
        count = 6
        interval = 1
        end = 2
        earliest = -1s
        outputMode = metric_httpevent
        httpeventServers = {hec.servers_json()}
        host = node-7
        source = collectd
        sourcetype = metrics:json
        index = infra_metrics
        {extra}
        """


def test_metric_envelopes_read_back_exactly(tmp_path, hec):
    started = time.time()
    proc, summary = run(tmp_path, conf(hec), sample=SAMPLE, name="m.log")
    assert proc.returncode == 0, proc.stderr
    counts = row(summary, "metric_httpevent")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (12, 12, 0)
    assert hec.received.requests == 2  # one request per batch
    assert all(started - 3 <= e.pop("time") <= time.time() + 2 for e in hec.events)
    meta = {"host": "node-7", "source": "collectd", "sourcetype": "metrics:json", "index": "infra_metrics"}
    assert hec.events == [{**meta, "event": "metric", "fields": fields} for fields in FIELDS * 4]
    assert hec.received.auth_headers == {f"Splunk {hec.token}"}


def test_per_event_host_of_a_csv_sample(tmp_path, hec):
    sample = '_raw,host\n"{""metric_name:up"": 1}",a-1\n"{""metric_name:up"": 0}",b-2\n'
    proc, _ = run(tmp_path, conf(hec, "sampletype = csv").replace("[m.log]", "[m.csv]"), sample=sample, name="m.csv")
    assert proc.returncode == 0, proc.stderr
    assert [(e["host"], e["fields"]) for e in hec.events] == [
        ("a-1", {"metric_name:up": 1}),
        ("b-2", {"metric_name:up": 0}),
    ] * 6


def test_an_event_that_is_no_metric_fails_its_batch_in_one_line(tmp_path, hec):
    proc, summary = run(tmp_path, conf(hec), sample='{"metric_name:ok": 1}\n{"region": "eu"}\n', name="m.log")
    assert proc.returncode == 1
    counts = row(summary, "metric_httpevent")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (12, 0, 12)
    assert hec.events == []
    assert (
        "last error from metric_httpevent: formatting failed: ValueError: event 1 is not a HEC metric: names no metric "
        '("metric_name:NAME": value, or "metric_name" with "_value"): \'{"region": "eu"}\''
    ) in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_raw_endpoint_is_refused_at_load(tmp_path, hec):
    proc, _ = run(tmp_path, conf(hec, "httpeventEndpoint = raw"), sample=SAMPLE, name="m.log")
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith(
        "[m.log]: httpeventEndpoint: metric_httpevent posts to the event endpoint: leave it `event`"
    ), proc.stderr
