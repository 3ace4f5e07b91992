"""opensearch output against osmem-server (an in-memory server speaking the OpenSearch REST API)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.integration.helpers import row, run

pytestmark = pytest.mark.integration


def test_events_become_documents(tmp_path, osmem):
    sample = 'plain event one\n{"user": "alice", "bytes": 512, "host": "from-event"}\nnot json {\n'
    proc, summary = run(
        tmp_path,
        f"""
        [s.log]
        count = 300
        end = 2
        timeMode = sample
        outputMode = opensearch
        opensearchHosts = {osmem.url}
        opensearchIndex = evt-%Y.%m
        opensearchChunkSize = 250
        host = h1
        source = /src
        sourcetype = st
        """,
        sample=sample,
    )
    assert proc.returncode == 0, proc.stderr
    counts = row(summary, "opensearch")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (600, 600, 0)
    docs = osmem.documents(datetime.now(UTC).strftime("evt-%Y.%m"))
    assert len(docs) == 600
    by_raw: dict[str, list[dict]] = {}
    for doc in docs:
        by_raw.setdefault(doc["_raw"], []).append(doc)
    assert sorted((raw, len(group)) for raw, group in by_raw.items()) == sorted(
        [("plain event one", 200), ('{"user": "alice", "bytes": 512, "host": "from-event"}', 200), ("not json {", 200)]
    )
    plain = by_raw["plain event one"][0]
    assert set(plain) == {"@timestamp", "_raw", "host", "source", "sourcetype"}
    assert (plain["host"], plain["source"], plain["sourcetype"]) == ("h1", "/src", "st")
    assert datetime.strptime(plain["@timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
    parsed = by_raw['{"user": "alice", "bytes": 512, "host": "from-event"}'][0]
    assert {k: parsed[k] for k in ("user", "bytes", "host")} == {"user": "alice", "bytes": 512, "host": "h1"}


def test_item_level_errors_are_counted_and_spooled(tmp_path, osmem):
    osmem.request("PUT", "/typed", {"mappings": {"properties": {"n": {"type": "integer"}}}})
    spool = tmp_path / "failed.jsonl"
    proc, summary = run(
        tmp_path,
        f"""
        [s.log]
        count = 100
        end = 1
        outputMode = opensearch
        opensearchHosts = {osmem.url}
        opensearchIndex = typed
        spoolFailedTo = {spool}
        """,
        sample='{"n": 1}\n{"n": "not a number"}\n{"n": 3}\n{"n": "x"}\n',
    )
    assert proc.returncode == 1
    counts = row(summary, "opensearch")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (100, 50, 50)
    assert "50 item(s) rejected" in summary["errors"]["opensearch"]
    assert "mapper_parsing_exception" in summary["errors"]["opensearch"]
    assert sorted(d["n"] for d in osmem.documents("typed")) == [1] * 25 + [3] * 25
    records = [json.loads(line) for line in spool.read_text().splitlines()]
    assert len(records) == 1
    assert sorted(records[0]["events"]) == ['{"n": "not a number"}'] * 25 + ['{"n": "x"}'] * 25
    assert len(records[0]["times"]) == 50


def test_unreachable_node_counts_every_event_failed(tmp_path):
    from tests.conftest import free_port

    port = free_port()
    proc, summary = run(
        tmp_path,
        f"""
        [s.log]
        count = 20
        end = 1
        outputMode = opensearch
        opensearchHosts = http://127.0.0.1:{port}
        opensearchRetries = 1
        """,
        sample="a\n",
    )
    assert proc.returncode == 1
    assert (row(summary, "opensearch")["sent"], row(summary, "opensearch")["failed"]) == (0, 20)
    assert summary["errors"]["opensearch"].startswith("OpenSearch unreachable")
    # the client library's own complaints stay quiet: no traceback, no flood (it used to print 534 lines)
    assert "Traceback" not in proc.stderr
    library = [line for line in proc.stderr.splitlines() if "urllib3" in line or "GET " in line or "POST " in line]
    assert len(library) <= 2, proc.stderr
