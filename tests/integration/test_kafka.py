"""kafka output against tansu, a Kafka-protocol broker."""

from __future__ import annotations

import pytest

from tests.conftest import free_port
from tests.integration.helpers import row, run

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_records_arrive_with_key_value_and_time(tmp_path, tansu, compression):
    tansu.create_topic("events", partitions=3)
    proc, summary = run(
        tmp_path,
        f"""
        [s.csv]
        sampletype = csv
        count = 1000
        interval = 1
        end = 2
        timeMode = sample
        earliest = -1s
        outputMode = kafka
        kafkaBootstrapServers = {tansu.bootstrap}
        kafkaTopic = events
        kafkaKey = $host
        kafkaCompression = {compression}
        kafkaHeaders = true
        sourcetype = st
        """,
        sample="_raw,host\nlogin ok,alpha\nlogin failed é,beta\n",
        name="s.csv",
    )
    assert proc.returncode == 0, proc.stderr
    counts = row(summary, "kafka")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (2000, 2000, 0)
    records = tansu.read("events", 2000)
    assert len(records) == 2000
    pairs = sorted((r.key, r.value.decode()) for r in records)
    assert pairs == sorted([(b"alpha", "login ok"), (b"beta", "login failed é")] * 1000)
    # one key → one partition, in order
    assert len({(r.key, r.partition) for r in records}) == 2
    assert {dict(r.headers)["sourcetype"] for r in records} == {b"st"}
    assert {dict(r.headers)["host"].decode() for r in records} == {"alpha", "beta"}
    stamps = sorted(r.timestamp for r in records)
    assert stamps[-1] - stamps[0] <= 3000


def test_unreachable_brokers_count_every_event_failed(tmp_path):
    proc, summary = run(
        tmp_path,
        f"""
        [s.log]
        count = 10
        end = 1
        outputMode = kafka
        kafkaBootstrapServers = 127.0.0.1:{free_port()}
        kafkaTimeout = 1
        kafkaRetries = 0
        """,
        sample="a\n",
    )
    assert proc.returncode == 1
    assert (row(summary, "kafka")["sent"], row(summary, "kafka")["failed"]) == (0, 10)
    assert "unreachable" in summary["errors"]["kafka"]
