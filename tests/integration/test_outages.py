"""One give-up and retry budget for every output (docs/outputs.md, "Retry budget and give-up bound"), against real
receivers on loopback: a dead destination is given up on within `outputGiveUpSeconds` (plus one attempt),
Kafka included; a 2 s outage (the receiver stopped and started again on the same port) loses nothing, read back
id by id."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port, write_conf
from tests.integration.helpers import row, run
from tests.waiting import port_open, wait_for

pytestmark = pytest.mark.integration

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
ID = re.compile(r"id=(\d+)")
START = 3.0  # seconds: an `eventgen` process start on a loaded CI box, and its exit (generous)

DEAD = {  # each output at a port nothing listens on
    "tcpout": "tcpDestinationPort = {port}",
    "syslogout": "syslogProtocol = tcp\nsyslogDestinationPort = {port}",
    "httpevent": 'httpeventServers = {{"servers":[{{"protocol":"http","address":"127.0.0.1","port":{port},'
    '"key":"T"}}]}}',
    "http": "httpUrl = http://127.0.0.1:{port}/ingest",
    "opensearch": "opensearchHosts = http://127.0.0.1:{port}",
    "clickhouse": "clickhousePort = {port}\nclickhouseTable = ev",
    "kafka": "kafkaBootstrapServers = 127.0.0.1:{port}",
}


@pytest.mark.parametrize("output", sorted(DEAD))
def test_a_dead_destination_is_given_up_on_within_the_bound(tmp_path: Path, output: str) -> None:
    bound = 2.0
    settings = DEAD[output].format(port=free_port())
    started = time.monotonic()
    proc, summary = run(
        tmp_path,
        f"""
        [s.log]
        count = 1000
        jobSize = 10
        end = 1
        timeMode = sample
        outputMode = {output}
        outputGiveUpSeconds = {bound}
        {settings}
        """.replace("\n        ", "\n"),
        sample="a\n",
    )
    took = time.monotonic() - started
    assert proc.returncode == 1, proc.stderr
    counts = row(summary, output)
    assert (counts["generated"], counts["sent"], counts["failed"]) == (1000, 0, 1000)
    assert summary["errors"][output].startswith("given up after"), summary["errors"]
    # the bound (the last attempt is made at it: refused at once), and the process's start and exit; then the other
    # batches fail fast
    assert took < bound + START, f"{output}: {took:.1f}s"


def test_a_kafka_broker_that_dies_is_given_up_on_within_the_default_bound(tmp_path: Path, tansu) -> None:
    """The defaults: a broker that crashes under a connected producer used to cost a batch kafkaTimeout (30 s)
    per attempt, 35 to 66 s before it was given up on; now every wait ends within outputGiveUpSeconds (10 s)."""
    tansu.create_topic("dies")
    (tmp_path / "s.log").write_text("id=@@ID\n")
    write_conf(
        tmp_path,
        f"""
        [s.log]
        sampleDir = .
        count = 50
        interval = 0.5
        outputMode = kafka
        kafkaBootstrapServers = {tansu.bootstrap}
        kafkaTopic = dies
        """,
    )
    argv = [sys.executable, "-m", "eventgen", "eventgen.conf", "--status-interval", "0", "--duration", "60"]
    proc = subprocess.Popen(argv, cwd=tmp_path, env=ENV, stderr=subprocess.PIPE, text=True)
    try:
        assert len(tansu.read("dies", 100, timeout=30)) >= 100  # two intervals acknowledged: the producer is up
        tansu.crash()
        crashed = time.monotonic()
        for line in proc.stderr:
            if "kafka: given up after" in line:
                break
        else:
            pytest.fail("the run ended without giving up on the dead broker")
        took = time.monotonic() - crashed
    finally:
        proc.kill()
        proc.wait(10)
    assert took < 10 + 3.0, f"given up {took:.1f}s after the crash"  # the bound, and slack for a loaded CI box


# ----- a 2 s outage --------------------------------------------------------------------------------------------
@dataclass
class Receiver:
    settings: str  # the output's settings to reach it
    ids: Callable[[], list[int]]  # ids it holds now
    stop: Callable[[], None]
    start: Callable[[], None]
    forgets: bool = False  # a restart empties it (memory storage): what it held before is read before it stops


def opensearch_receiver(osmem) -> Receiver:
    def ids() -> list[int]:
        try:
            return [int(ID.search(d["_raw"]).group(1)) for d in osmem.documents("outage")]
        except OSError:  # the index does not exist yet
            return []

    return Receiver(
        f"outputMode = opensearch\nopensearchHosts = {osmem.url}\nopensearchIndex = outage",
        ids,
        lambda: (osmem.proc.kill(), osmem.proc.wait(5)),
        osmem.start,
        forgets=True,
    )


def kafka_receiver(tansu) -> Receiver:
    tansu.create_topic("outage")

    def start() -> None:
        tansu.start()
        try:
            tansu.create_topic("outage")
        except Exception as exc:  # the producer's metadata request may have made it first
            assert "already exists" in str(exc).lower() or "TOPIC_ALREADY_EXISTS" in str(exc)

    def ids() -> list[int]:
        return [int(ID.search(r.value.decode()).group(1)) for r in tansu.read("outage", 1, timeout=1)]

    return Receiver(
        f"outputMode = kafka\nkafkaBootstrapServers = {tansu.bootstrap}\nkafkaTopic = outage",
        ids,
        tansu.crash,
        start,
        forgets=True,
    )


def hec_receiver(hec) -> Receiver:
    return Receiver(
        f"outputMode = httpevent\nhttpeventServers = {hec.servers_json()}",
        lambda: [int(ID.search(e["event"]).group(1)) for e in hec.events],
        hec.stop,
        hec.start,
    )


def syslog_receiver(rsyslog) -> Receiver:
    return Receiver(
        f"outputMode = syslogout\nsyslogProtocol = tcp\nsyslogDestinationPort = {rsyslog.tcp_port}",
        lambda: [int(ID.search(r["raw"]).group(1)) for r in rsyslog.records()],
        rsyslog.stop,
        rsyslog.start,
    )


RECEIVERS = {
    "opensearch": ("osmem", opensearch_receiver),
    "kafka": ("tansu", kafka_receiver),
    "httpevent": ("hec", hec_receiver),
    "syslogout": ("rsyslog", syslog_receiver),
}


def post(port: int, path: str, body: dict | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", path, body=json.dumps(body or {}), headers={"Content-Type": "application/json"})
        answer = conn.getresponse()
        answer.read()
        return answer.status
    finally:
        conn.close()


@pytest.mark.parametrize("output", sorted(RECEIVERS))
def test_a_two_second_outage_loses_nothing(tmp_path: Path, request, output: str) -> None:
    """Batches are asked for over HTTP (input = http), so the receiver goes down between two of them, never in the
    middle of one: 100 events are delivered, the receiver stops, 100 more are asked for and meet the outage, the
    receiver starts again on the same port 2 s later. Every id arrives, once; nothing is counted failed."""
    fixture, make = RECEIVERS[output]
    receiver = make(request.getfixturevalue(fixture))
    port = free_port()
    (tmp_path / "ids.log").write_text("id=@@ID\n")
    write_conf(
        tmp_path,
        f"""
        [ids\\.log]
        sampleDir = .
        input = http
        httpInputPort = {port}
        token.0.token = @@ID
        token.0.replacementType = integerid
        token.0.replacement = 0
        """,
    )
    with (tmp_path / "eventgen.conf").open("a") as conf:
        conf.write(receiver.settings + "\n")
    argv = [sys.executable, "-m", "eventgen", "eventgen.conf", "--status-interval", "0", "--stats-json", "s.json"]
    with (tmp_path / "err.txt").open("w") as err:
        proc = subprocess.Popen(argv, cwd=tmp_path, env=ENV, stderr=err)
    try:
        wait_for(lambda: port_open(port), "http input")
        assert post(port, "/generate", {"count": 100}) == 201
        wait_for(lambda: len(receiver.ids()) >= 100, "the first 100 events")
        before = receiver.ids()
        receiver.stop()
        assert post(port, "/generate", {"count": 100}) == 201  # these meet the outage
        time.sleep(2.0)  # the outage: a fixed length, not a wait for something
        receiver.start()
        wanted = 100 if receiver.forgets else 200
        wait_for(lambda: len(receiver.ids()) >= wanted, "the events sent after the outage", 20)
        assert post(port, "/stop") == 200
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    log = (tmp_path / "err.txt").read_text()
    assert code == 0, log
    summary = json.loads((tmp_path / "s.json").read_text())
    counts = row(summary, output)
    assert (counts["generated"], counts["sent"], counts["failed"]) == (200, 200, 0), log
    after = receiver.ids()
    held = before + after if receiver.forgets else after
    assert sorted(held) == list(range(200))  # every id, once
    met = summary["errors"].get(output, "") + log  # the outage was met: a retried failure, or librdkafka's words
    assert re.search(r"refused|unreachable|brokers are down|Connection|reset|closed", met), met
