"""kafka output (confluent-kafka) against tansu, a Kafka-protocol broker."""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.conftest import cli, free_port, write_conf
from tests.integration.helpers import Background, row, run
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

ID = re.compile(rb"id=(\d+)")


def ids_of(records) -> list[int]:
    return [int(ID.search(r.value).group(1)) for r in records]


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


def sent_by_id(tmp_path, tansu, topic: str, n: int, job_size: int, *settings: str) -> list:
    """`n` events `id=0…n-1` run into `topic` with these kafka settings, all counted sent; the records read back."""
    more = "\n        ".join(settings)
    proc, summary = run(
        tmp_path,
        f"""
        [s.log]
        sampleDir = .
        count = {n}
        end = 1
        jobSize = {job_size}
        timeMode = sample
        outputMode = kafka
        kafkaBootstrapServers = {tansu.bootstrap}
        kafkaTopic = {topic}
        {more}
        token.0.token = @@ID
        token.0.replacementType = integerid
        token.0.replacement = 0
        """,
        sample="id=@@ID GET /index.html 200\n",
    )
    assert proc.returncode == 0, proc.stderr
    counts = row(summary, "kafka")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (n, n, 0)
    return tansu.read(topic, n)


@pytest.mark.parametrize("compression", ["none", "gzip", "lz4", "zstd"])
def test_every_event_read_back_once_by_id(tmp_path, tansu, compression):
    tansu.create_topic("ids", partitions=4)
    n = 20000
    records = sent_by_id(tmp_path, tansu, "ids", n, 2500, f"kafkaCompression = {compression}", "kafkaLingerMs = 2")
    ids = ids_of(records)
    assert len(ids) == n
    assert set(ids) == set(range(n))
    # timestamps are whole milliseconds, floored from each event's time
    assert all(r.timestamp > 1_600_000_000_000 for r in records)


def test_a_full_producer_queue_loses_and_repeats_no_record(tmp_path, tansu):
    """librdkafka's queue holds 200 records, so the produce loop meets a full queue again and again mid-batch: each
    time the record that did not fit waits for room and the loop goes on from the next one, keys and headers
    kept in step with their values."""
    tansu.create_topic("full", partitions=2)
    n = 3000
    queue = 'kafkaProducerConfig = {"queue.buffering.max.messages": 200}'
    keyed = ("kafkaKey = $sample", "kafkaHeaders = true", "host = h1")
    records = sent_by_id(tmp_path, tansu, "full", n, 1500, *keyed, queue)
    assert sorted(ids_of(records)) == list(range(n))
    assert {r.key for r in records} == {b"s.log"}
    assert {(dict(r.headers)["host"], dict(r.headers)["source"]) for r in records} == {(b"h1", b"s.log")}


def test_broker_restart_mid_run_loses_no_acknowledged_record(tmp_path, tansu):
    """acks = all; tansu killed after three ticks were acknowledged and read, started again (same port,
    empty memory storage: the topic is made again). Batches while it is down fail as whole batches (retried
    on a rebuilt producer, then spooled); later ones are sent. Every event counted sent is read back, once."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    per_tick, ticks = 200, 10
    tansu.create_topic("restart", partitions=1)
    spool = tmp_path / "failed.jsonl"
    consumer = Consumer({"bootstrap.servers": tansu.bootstrap, "group.id": "t", "enable.auto.commit": False})
    consumer.assign([TopicPartition("restart", 0, OFFSET_BEGINNING)])
    before: list = []
    background = Background(
        tmp_path,
        f"""
        [s.log]
        sampleDir = .
        count = {per_tick}
        interval = 1
        end = {ticks}
        outputMode = kafka
        kafkaBootstrapServers = {tansu.bootstrap}
        kafkaTopic = restart
        kafkaAcks = all
        kafkaTimeout = 1
        kafkaRetries = 2
        outputGiveUpBatches = 50
        spoolFailedTo = {spool}
        token.0.token = @@ID
        token.0.replacementType = integerid
        token.0.replacement = 0
        """,
        sample="id=@@ID restart test\n",
        timeout=90,
    )
    try:
        deadline = time.monotonic() + 30
        while len(before) < 3 * per_tick and time.monotonic() < deadline:  # read as they arrive
            before.extend(m for m in consumer.consume(10000, timeout=0.05) if m.error() is None)
    finally:
        consumer.close()
    assert len(before) == 3 * per_tick  # three whole ticks; the next is ~1 s away
    tansu.crash()
    # down until a batch failed whole (its retries spent) and was spooled
    wait_for(lambda: spool.exists() and spool.stat().st_size > 0, "a batch spooled while the broker is down", 60)
    tansu.start()
    try:
        tansu.create_topic("restart", partitions=1)
    except Exception as exc:  # the producer's metadata request may have auto-created it first
        assert "already exists" in str(exc).lower() or "TOPIC_ALREADY_EXISTS" in str(exc)
    proc, summary = background.join(120)
    counts = row(summary, "kafka")
    assert counts["generated"] == per_tick * ticks
    assert counts["sent"] + counts["failed"] == counts["generated"]
    assert counts["failed"] >= per_tick  # the outage cost whole batches
    assert proc.returncode == 1, proc.stderr
    spooled = [
        int(re.search(r"id=(\d+)", e).group(1))
        for line in spool.read_text().splitlines()
        for e in json.loads(line)["events"]
    ]
    assert len(spooled) == counts["failed"]
    after = tansu.read("restart", counts["sent"] - len(before))
    acked = [int(ID.search(m.value()).group(1)) for m in before] + ids_of(after)
    # exactly the events counted sent were acknowledged and are read back: none lost, none twice
    assert len(acked) == counts["sent"]
    assert sorted(acked + spooled) == list(range(per_tick * ticks))
    assert max(acked) >= per_tick * (ticks - 1)  # recovered: the last tick was sent


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


def test_dead_broker_fails_fast_and_is_given_up_on(tmp_path):
    """200 batches at a closed port. kafka-python waited (retries + 1) x kafkaTimeout = 40 s per batch; now
    opening fails as soon as librdkafka says all brokers are down, and after 5 failed batches the rest fail
    at once. librdkafka's repeated connection errors are logged once."""
    started = time.monotonic()
    proc, summary = run(
        tmp_path,
        f"""
        [s.log]
        count = 2000
        end = 1
        jobSize = 10
        outputMode = kafka
        kafkaBootstrapServers = 127.0.0.1:{free_port()}
        kafkaTimeout = 10
        kafkaRetries = 3
        """,
        sample="a\n",
    )
    took = time.monotonic() - started
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-3000:])
    counts = row(summary, "kafka")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (2000, 0, 2000), proc.stderr
    error = summary["errors"]["kafka"]
    assert "given up after 5 failed batch(es)" in error
    assert "unreachable" in error and "brokers are down" in error
    assert took < 20, took  # one batch alone took 40 s before
    assert proc.stderr.count("Connection refused") <= 1, proc.stderr


def test_idempotence_needs_acks_all(tmp_path):
    (tmp_path / "s.log").write_text("a\n")
    conf = write_conf(
        tmp_path,
        """
        [s.log]
        outputMode = kafka
        kafkaIdempotence = true
        kafkaAcks = 1
        """,
    )
    proc = cli(str(conf))
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == [
        f"eventgen: error: {conf}: [s.log]: kafkaIdempotence: kafkaIdempotence = true needs kafkaAcks = all (got 1)"
    ]


def test_idempotent_producer_delivers_every_event(tmp_path, tansu):
    tansu.create_topic("idem", partitions=2)
    proc, summary = run(
        tmp_path,
        f"""
        [s.log]
        sampleDir = .
        count = 5000
        end = 1
        timeMode = sample
        outputMode = kafka
        kafkaBootstrapServers = {tansu.bootstrap}
        kafkaTopic = idem
        kafkaIdempotence = true
        kafkaProducerConfig = {{"batch.num.messages": 500, "compression.type": "lz4"}}
        token.0.token = @@ID
        token.0.replacementType = integerid
        token.0.replacement = 0
        """,
        sample="id=@@ID idempotent\n",
    )
    assert proc.returncode == 0, proc.stderr
    assert row(summary, "kafka")["sent"] == 5000
    assert sorted(ids_of(tansu.read("idem", 5000))) == list(range(5000))


def test_producer_config_must_be_a_json_object(tmp_path):
    (tmp_path / "s.log").write_text("a\n")
    conf = write_conf(
        tmp_path,
        """
        [s.log]
        outputMode = kafka
        kafkaProducerConfig = ["linger.ms", 5]
        """,
    )
    proc = cli(str(conf))
    assert proc.returncode == 2
    assert "[s.log]: kafkaProducerConfig: expected a JSON object" in proc.stderr


def test_records_the_producer_refuses_are_the_failed_items(tmp_path, tansu):
    """Half the events exceed kafkaMaxRequestSize: exactly those are failed and spooled, the rest read back."""
    tansu.create_topic("sizes", partitions=1)
    spool = tmp_path / "failed.jsonl"
    proc, summary = run(
        tmp_path,
        f"""
        [s.log]
        sampleDir = .
        count = 100
        end = 1
        timeMode = sample
        outputMode = kafka
        kafkaBootstrapServers = {tansu.bootstrap}
        kafkaTopic = sizes
        kafkaMaxRequestSize = 1024
        kafkaBatchSize = 1024
        spoolFailedTo = {spool}
        token.0.token = @@ID
        token.0.replacementType = integerid
        token.0.replacement = 0
        """,
        sample="id=@@ID small\nid=@@ID " + "x" * 2000 + "\n",
    )
    assert proc.returncode == 1, proc.stderr
    counts = row(summary, "kafka")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (100, 50, 50)
    assert "50 item(s) rejected" in summary["errors"]["kafka"]
    assert "too large" in summary["errors"]["kafka"].lower()
    events = [e for line in spool.read_text().splitlines() for e in json.loads(line)["events"]]
    assert sorted(int(re.search(r"id=(\d+)", e).group(1)) for e in events) == list(range(1, 100, 2))
    assert sorted(ids_of(tansu.read("sizes", 50))) == list(range(0, 100, 2))
