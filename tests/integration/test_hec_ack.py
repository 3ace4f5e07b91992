"""httpevent with indexer acknowledgement (httpeventUseAck) against tests/hec_ack_server.py.

Each event carries a unique id (`integerid`), so the receiver's store tells how often each arrived. One
generator worker and one batch per request keep the ackIds of the single channel in a known order:
batch k is request k unless a request was sent again.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.hec_ack_server import HecAckServer
from tests.integration.helpers import row, run

pytestmark = pytest.mark.integration


def conf(servers: str, batches: int, extra: str = "") -> str:
    return f"""
    [s.log]
    count = 10
    end = {batches}
    timeMode = sample
    outputMode = httpevent
    httpeventServers = {servers}
    httpeventUseAck = true
    httpeventAckPoll = 0.05
    token.0.token = @@ID
    token.0.replacementType = integerid
    token.0.replacement = 0
    {extra}
    """


def ids_of(server: HecAckServer) -> Counter:
    return Counter(int(e["event"].split()[1]) for e in server.events)


@pytest.fixture
def ack_server(request):
    server = HecAckServer(**request.param).start()
    yield server
    server.stop()


@pytest.mark.parametrize("ack_server", [{"mode": "late", "delay": 0.4}], indirect=True)
def test_late_acks_are_awaited_without_resending(tmp_path, ack_server):
    proc, summary = run(tmp_path, conf(ack_server.servers_json(), 5, "httpeventAckTimeout = 5"), sample="event @@ID\n")
    assert proc.returncode == 0, proc.stderr
    counts = row(summary, "httpevent")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (50, 50, 0)
    assert (counts["acked"], counts["resent"]) == (50, 0)
    assert ids_of(ack_server) == Counter(range(50))
    assert ack_server.requests == 5
    assert sorted(ack_server.acked_ids.values()) == [[0, 1, 2, 3, 4]]
    assert "httpevent: 50 of 50 sent event(s) of s.log acknowledged as indexed" in proc.stderr


@pytest.mark.parametrize("ack_server", [{"mode": "partial", "every": 3}], indirect=True)
def test_partial_acks_resend_the_unacknowledged_requests(tmp_path, ack_server):
    # ackIds 0,1,(2),3,4,(5),6,7: batch 3 (id 2) and batch 5 (id 5) are never acknowledged; each is sent
    # again once (ids 3 and 6), and that copy is acknowledged
    proc, summary = run(
        tmp_path,
        conf(ack_server.servers_json(), 6, "httpeventAckTimeout = 0.5\nhttpeventRetries = 1"),
        sample="event @@ID\n",
    )
    assert proc.returncode == 0, proc.stderr
    counts = row(summary, "httpevent")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (60, 60, 0)
    assert (counts["acked"], counts["resent"]) == (60, 20)
    stored = ids_of(ack_server)
    assert set(stored) == set(range(60))
    assert sum(stored.values()) - 60 == counts["resent"] == 20
    assert sorted(i for i, n in stored.items() if n == 2) == list(range(20, 30)) + list(range(40, 50))
    assert ack_server.requests == 8
    assert "httpevent resent 20 event(s) of s.log that may already have arrived" in proc.stderr


@pytest.mark.parametrize("ack_server", [{"mode": "forget", "forget": {1, 2, 3}}], indirect=True)
def test_forgotten_acks_are_resent_then_failed_and_spooled(tmp_path, ack_server):
    # batch 1 -> id 0 acked; batch 2 -> id 1 lost, resent as id 2 lost, resent as id 3 lost: given up
    # (httpeventRetries = 2 resends) and spooled; batch 3 -> id 4 acked
    spool = tmp_path / "failed.jsonl"
    proc, summary = run(
        tmp_path,
        conf(ack_server.servers_json(), 3, f"httpeventAckTimeout = 0.3\nhttpeventRetries = 2\nspoolFailedTo = {spool}"),
        sample="event @@ID\n",
    )
    assert proc.returncode == 1
    counts = row(summary, "httpevent")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (30, 20, 10)
    assert counts["generated"] == counts["sent"] + counts["failed"]
    assert (counts["acked"], counts["resent"]) == (20, 20)
    stored = ids_of(ack_server)
    assert set(stored) == set(range(30))
    assert sum(stored.values()) - 30 == counts["resent"] == 20
    assert {i: n for i, n in stored.items() if n > 1} == {i: 3 for i in range(10, 20)}
    records = [json.loads(line) for line in spool.read_text().splitlines()]
    assert [[int(e.split()[1]) for e in r["events"]] for r in records] == [list(range(10, 20))]
    assert "not acknowledged within 0.3s after 2 resend(s)" in summary["errors"]["httpevent"]


@pytest.mark.parametrize("ack_server", [{"mode": "late"}], indirect=True)
def test_raw_endpoint_acks_and_gzip(tmp_path, ack_server):
    proc, summary = run(
        tmp_path,
        conf(ack_server.servers_json(), 2, "httpeventEndpoint = raw\nhttpeventGzip = true"),
        sample="event @@ID\n",
    )
    assert proc.returncode == 0, proc.stderr
    counts = row(summary, "httpevent")
    assert (counts["sent"], counts["acked"], counts["resent"]) == (20, 20, 0)
    assert ids_of(ack_server) == Counter(range(20))


@pytest.mark.parametrize("ack_server", [{"drop_idle": True}], indirect=True)
def test_repost_after_a_dropped_keepalive_connection_counts_resent(tmp_path, ack_server):
    # batch 1 opens the connection; batches 2 and 3 find it closed by the server and are posted again on a
    # fresh one: the first copy may have arrived, so their events count resent (here the server never read it)
    proc, summary = run(
        tmp_path,
        conf(ack_server.servers_json(), 3).replace("httpeventUseAck = true", "httpeventUseAck = false"),
        sample="event @@ID\n",
    )
    assert proc.returncode == 0, proc.stderr
    counts = row(summary, "httpevent")
    assert (counts["sent"], counts["failed"], counts["resent"], counts["acked"]) == (30, 0, 20, 0)
    assert ids_of(ack_server) == Counter(range(30))
    assert ack_server.requests == 3
