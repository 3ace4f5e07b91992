"""httpevent (Splunk HEC) against the project's HEC receiver (tests/hec_receiver.py)."""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import cli, free_port
from tests.hec_receiver import HecReceiver
from tests.integration.helpers import Background, row, run
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

LINES = ['GET /index.html 200 "ok"', "POST /api \\ 201 café", "DELETE /x 404\tmissing"]
SAMPLE = "".join(f"{line}\n" for line in LINES)


def expected(total: int) -> list[str]:
    return [LINES[i % len(LINES)] for i in range(total)]


def test_event_endpoint_envelopes_carry_time_and_metadata(tmp_path, hec):
    started = time.time()
    proc, summary = run(
        tmp_path,
        f"""
        [s.log]
        count = 500
        interval = 1
        end = 3
        timeMode = sample
        earliest = -2s
        outputMode = httpevent
        httpeventServers = {hec.servers_json()}
        host = web-01
        source = /var/log/app.log
        sourcetype = app:log
        index = perf
        """,
        sample=SAMPLE,
    )
    assert proc.returncode == 0, proc.stderr
    counts = row(summary, "httpevent")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (1500, 1500, 0)
    assert [e["event"] for e in hec.events] == expected(1500)
    assert {(e["host"], e["source"], e["sourcetype"], e["index"]) for e in hec.events} == {
        ("web-01", "/var/log/app.log", "app:log", "perf")
    }
    assert all(started - 3 <= e["time"] <= started + 4 for e in hec.events)
    assert hec.received.auth_headers == {f"Splunk {hec.token}"}
    assert hec.received.requests == 3  # one request per batch under the default 1 MB limit


def test_per_event_metadata_of_csv_samples(tmp_path, hec):
    sample = "_raw,host,sourcetype\nfirst,h1,st1\nsecond,h2,st2\n"
    proc, _ = run(
        tmp_path,
        f"""
        [s.csv]
        sampletype = csv
        count = 4
        end = 1
        outputMode = httpevent
        httpeventServers = {hec.servers_json()}
        """,
        sample=sample,
        name="s.csv",
    )
    assert proc.returncode == 0, proc.stderr
    assert [(e["event"], e["host"], e["sourcetype"]) for e in hec.events] == [
        ("first", "h1", "st1"),
        ("second", "h2", "st2"),
    ] * 2


def test_raw_endpoint_with_gzip(tmp_path, hec):
    proc, summary = run(
        tmp_path,
        f"""
        [s.log]
        count = 300
        end = 2
        timeMode = sample
        outputMode = httpevent
        httpeventServers = {hec.servers_json()}
        httpeventEndpoint = raw
        httpeventGzip = true
        host = h9
        sourcetype = raw:st
        """,
        sample=SAMPLE,
    )
    assert proc.returncode == 0, proc.stderr
    assert row(summary, "httpevent")["sent"] == 600
    assert [e["event"] for e in hec.events] == expected(600)
    assert {tuple(sorted(e["query"].items())) for e in hec.events} == {
        (("host", "h9"), ("index", "main"), ("source", "s.log"), ("sourcetype", "raw:st"))
    }
    assert hec.received.gzip_requests == hec.received.requests == 2


def test_batches_are_split_at_the_payload_limit(tmp_path, hec):
    proc, summary = run(
        tmp_path,
        f"""
        [s.log]
        count = 1000
        end = 1
        outputMode = httpevent
        httpeventServers = {hec.servers_json()}
        httpeventMaxPayloadSize = 5000
        """,
        sample=SAMPLE,
    )
    assert proc.returncode == 0, proc.stderr
    assert row(summary, "httpevent")["sent"] == 1000
    assert [e["event"] for e in hec.events] == expected(1000)
    assert max(hec.received.sizes) <= 5000
    assert sum(hec.received.sizes) == row(summary, "httpevent")["bytes"]
    assert hec.received.requests == len(hec.received.sizes) > 20


def test_roundrobin_spreads_and_mirror_copies(tmp_path):
    first, second = HecReceiver().start(), HecReceiver().start()
    try:
        servers = json.dumps(
            {
                "servers": [
                    json.loads(first.servers_json())["servers"][0],
                    json.loads(second.servers_json())["servers"][0],
                ]
            }
        )
        proc, summary = run(
            tmp_path,
            f"""
            [s.log]
            count = 100
            end = 4
            timeMode = sample
            outputMode = httpevent
            httpeventServers = {servers}
            """,
            sample=SAMPLE,
        )
        assert proc.returncode == 0, proc.stderr
        assert (first.received.requests, second.received.requests) == (2, 2)
        assert sorted(e["event"] for e in first.events + second.events) == sorted(expected(400))
        first.received.events.clear()
        second.received.events.clear()
        proc, summary = run(
            tmp_path,
            f"""
            [s.log]
            count = 100
            end = 2
            timeMode = sample
            outputMode = httpevent
            httpeventServers = {servers}
            httpeventOutputMode = mirror
            """,
            sample=SAMPLE,
        )
        assert proc.returncode == 0, proc.stderr
        assert row(summary, "httpevent")["sent"] == 200
        assert [e["event"] for e in first.events] == [e["event"] for e in second.events] == expected(200)
    finally:
        first.stop()
        second.stop()


def test_wrong_token_fails_fast_with_a_clear_message(tmp_path, hec):
    proc, summary = run(
        tmp_path,
        f"""
        [s.log]
        count = 100
        end = 3
        timeMode = sample
        outputMode = httpevent
        httpeventServers = {hec.servers_json(token="wrong-token")}
        httpeventRetries = 5
        """,
        sample=SAMPLE,
    )
    assert proc.returncode == 1
    counts = row(summary, "httpevent")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (300, 0, 300)
    assert hec.received.refused == 3  # one request per batch: a refused token is not retried
    assert hec.events == []
    message = summary["errors"]["httpevent"]
    assert message == (
        f"HEC http://127.0.0.1:{hec.port} answered HTTP 403 code 4 (Invalid token): "
        "the token (key in httpeventServers) was refused"
    )
    assert message in proc.stderr


def test_server_busy_is_retried(tmp_path, hec):
    hec.busy_next = 2
    proc, summary = run(
        tmp_path,
        f"""
        [s.log]
        count = 100
        end = 2
        timeMode = sample
        outputMode = httpevent
        httpeventServers = {hec.servers_json()}
        """,
        sample=SAMPLE,
    )
    assert proc.returncode == 0, proc.stderr
    assert (row(summary, "httpevent")["sent"], row(summary, "httpevent")["failed"]) == (200, 0)
    assert hec.received.refused == 2
    assert [e["event"] for e in hec.events] == expected(200)


def test_slow_receiver_slows_the_run_without_losing_events(tmp_path, hec):
    hec.delay = 0.15
    proc, summary = run(
        tmp_path,
        f"""
        [s.log]
        count = 50
        end = 12
        timeMode = sample
        outputMode = httpevent
        httpeventServers = {hec.servers_json()}
        """,
        sample=SAMPLE,
    )
    assert proc.returncode == 0, proc.stderr
    assert (row(summary, "httpevent")["sent"], row(summary, "httpevent")["failed"]) == (600, 0)
    assert [e["event"] for e in hec.events] == expected(600)


def test_receiver_restarted_mid_run_holds_exactly_what_was_sent(tmp_path, hec):
    background = Background(
        tmp_path,
        f"""
        [s.log]
        count = 500
        interval = 1
        outputMode = httpevent
        httpeventServers = {hec.servers_json()}
        httpeventRetries = 1
        """,
        "--duration",
        "5",
        sample=SAMPLE,
    )
    wait_for(lambda: len(hec.events) >= 500, "the first tick's events", 10)
    hec.stop()
    time.sleep(1.5)  # the outage itself, a fixed length on purpose: a tick's batch falls in it
    hec.start()
    proc, summary = background.join(60)
    counts = row(summary, "httpevent")
    assert counts["generated"] >= 1500
    assert counts["sent"] + counts["failed"] == counts["generated"]
    assert counts["failed"] > 0
    assert len(hec.events) == counts["sent"]
    assert proc.returncode == 1


def test_refused_batches_are_spooled_and_replayed(tmp_path):
    port = free_port()
    servers = json.dumps({"servers": [{"protocol": "http", "address": "127.0.0.1", "port": port, "key": "T"}]})
    spool = tmp_path / "failed.jsonl"
    proc, summary = run(
        tmp_path,
        f"""
        [s.log]
        count = 100
        end = 3
        timeMode = sample
        outputMode = httpevent
        httpeventServers = {servers}
        httpeventRetries = 0
        spoolFailedTo = {spool}
        host = h1
        """,
        sample=SAMPLE,
    )
    assert proc.returncode == 1
    assert (row(summary, "httpevent")["sent"], row(summary, "httpevent")["failed"]) == (0, 300)
    assert "100 event(s) spooled to" in summary["errors"]["httpevent"]
    records = [json.loads(line) for line in spool.read_text().splitlines()]
    assert [len(r["events"]) for r in records] == [100, 100, 100]
    assert {(r["sample"], r["output"]) for r in records} == {("s.log", "httpevent")}

    receiver = HecReceiver(token="T", port=port).start()
    try:
        replay = cli(
            "replay-spool", str(spool), str(tmp_path / "eventgen.conf"), "--stats-json", str(tmp_path / "replay.json")
        )
        assert replay.returncode == 0, replay.stderr
        replayed = row(json.loads((tmp_path / "replay.json").read_text()), "httpevent")
        assert (replayed["generated"], replayed["sent"], replayed["failed"]) == (300, 300, 0)
        assert [e["event"] for e in receiver.events] == expected(300)
        # the one rounding rule: nearest microsecond, then the milliseconds truncated
        assert [e["time"] for e in receiver.events] == [
            round(t * 1e6) // 1000 / 1000 for r in records for t in r["times"]
        ]
        assert {e["host"] for e in receiver.events} == {"h1"}
        assert not (tmp_path / "failed.jsonl.failed").exists()
    finally:
        receiver.stop()


def test_one_sample_to_a_file_and_hec(tmp_path, hec):
    out = tmp_path / "out.log"
    proc, summary = run(
        tmp_path,
        f"""
        [s.log]
        count = 200
        end = 2
        timeMode = sample
        outputMode = file, httpevent
        fileName = {out}
        httpeventServers = {hec.servers_json()}
        """,
        sample=SAMPLE,
    )
    assert proc.returncode == 0, proc.stderr
    assert [(r["output"], r["generated"], r["sent"]) for r in summary["rows"]] == [
        ("file", 400, 400),
        ("httpevent", 400, 400),
    ]
    assert out.read_text().splitlines() == [e["event"] for e in hec.events] == expected(400)


def test_mirror_spools_per_server_and_replay_fills_only_the_gaps(tmp_path):
    healthy = HecReceiver(token="T").start()
    down_port = free_port()
    down = HecReceiver(token="T", port=down_port)
    spool = tmp_path / "failed.jsonl"
    servers = json.dumps(
        {
            "servers": [
                json.loads(healthy.servers_json())["servers"][0],
                {"protocol": "http", "address": "127.0.0.1", "port": down_port, "key": "T"},
            ]
        }
    )
    where = f"http://127.0.0.1:{down_port}"
    try:
        # batches 1-2: the healthy server takes them, the down one is spooled for its server only; then the
        # output is given up (outputGiveUpBatches = 2): batches 3-4 reach no server and are spooled for both
        proc, summary = run(
            tmp_path,
            f"""
            [s.log]
            count = 10
            end = 4
            timeMode = sample
            outputMode = httpevent
            httpeventServers = {servers}
            httpeventOutputMode = mirror
            httpeventRetries = 1
            outputGiveUpBatches = 2
            spoolFailedTo = {spool}
            token.0.token = @@ID
            token.0.replacementType = integerid
            token.0.replacement = 0
            """,
            sample="event @@ID\n",
        )
        assert proc.returncode == 1
        counts = row(summary, "httpevent")
        assert (counts["generated"], counts["sent"], counts["failed"]) == (40, 0, 40)
        records = [json.loads(line) for line in spool.read_text().splitlines()]
        assert [(r.get("server"), len(r["events"])) for r in records] == [
            (where, 10),
            (where, 10),
            (None, 10),
            (None, 10),
        ]
        assert sorted(int(e["event"].split()[1]) for e in healthy.events) == list(range(20))

        down.start()
        replay = cli(
            "replay-spool", str(spool), str(tmp_path / "eventgen.conf"), "--stats-json", str(tmp_path / "replay.json")
        )
        assert replay.returncode == 0, replay.stderr
        replayed = row(json.loads((tmp_path / "replay.json").read_text()), "httpevent")
        assert (replayed["generated"], replayed["sent"], replayed["failed"]) == (40, 40, 0)
        for server in (healthy, down):
            assert sorted(int(e["event"].split()[1]) for e in server.events) == list(range(40))
    finally:
        healthy.stop()
        down.stop()


def test_a_silent_server_is_given_up_on_within_the_time_bound(tmp_path):
    """A port that accepts and never answers used to cost (retries + 1) x timeout per batch, for every batch."""
    import socket
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)  # accepts connections (the kernel does), never reads or answers
    port = silent.getsockname()[1]
    servers = json.dumps({"servers": [{"protocol": "http", "address": "127.0.0.1", "port": port, "key": "T"}]})
    started = time.monotonic()
    try:
        proc, summary = run(
            tmp_path,
            f"""
            [s.log]
            count = 2000
            jobSize = 100
            end = 1
            timeMode = sample
            outputMode = httpevent
            httpeventServers = {servers}
            httpeventTimeout = 1
            httpeventRetries = 3
            outputGiveUpSeconds = 2
            """,
            sample=SAMPLE,
            timeout=120,
        )
    finally:
        silent.close()
    took = time.monotonic() - started
    assert proc.returncode == 1, proc.stderr
    counts = row(summary, "httpevent")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (2000, 0, 2000)
    assert "given up after" in summary["errors"]["httpevent"]
    assert took < 30, f"took {took:.0f}s: 20 batches x 4 attempts x 1s would be 80s"
