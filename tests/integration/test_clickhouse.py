"""`outputMode = clickhouse` (Eventum's clickhouse output) against ClickHouse's HTTP interface on loopback, each body
parsed by ClickHouse's own engine (chdb) into a real table and read back with SELECT (tests/clickhouse_server.py)."""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import cli, free_port
from tests.integration.helpers import row, run
from tests.servers import self_signed_cert

pytestmark = pytest.mark.integration

USERS = {"default": "", "ann": "s3cret"}
IDS = """
[ids\\.log]
count = {count}
jobSize = 10
end = 1
timeMode = sample
outputMode = clickhouse
clickhousePort = {port}
clickhouseTable = ev
clickhouseUser = ann
clickhousePassword = s3cret
{extra}
token.0.token = @@ID
token.0.replacementType = integerid
token.0.replacement = 0
"""


@pytest.fixture
def clickhouse(request, tmp_path):
    """The server; parametrized indirectly with True it serves HTTPS with a self-signed certificate in tmp_path/tls."""
    tls = None
    if getattr(request, "param", False):
        (tmp_path / "tls").mkdir()
        tls = tuple(map(str, self_signed_cert(tmp_path / "tls")))
    try:
        from tests.clickhouse_server import ClickHouseServer

        server = ClickHouseServer(USERS, tls).start()
    except ImportError:
        pytest.fail("chdb (ClickHouse's embedded engine) is not installed: pip install -e '.[test]'", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


def ids_run(folder: Path, server, count: int = 30, extra: str = "", sample: str = '{"id": @@ID}\n'):
    conf = IDS.format(port=server.port, count=count, extra=extra)
    return run(folder, conf, sample=sample, name="ids.log")


def counts(summary: dict) -> tuple[int, int, int]:
    r = row(summary, "clickhouse")
    return r["generated"], r["sent"], r["failed"]


@pytest.mark.parametrize(
    "extra",
    ["", "clickhouseHeader = [\nclickhouseSeparator = ,\\n\nclickhouseFooter = ]"],
    ids=["json-lines", "json-array"],
)
def test_every_event_is_stored_once_by_id(tmp_path, clickhouse, extra):
    clickhouse.query("CREATE TABLE default.ev (id UInt32) ENGINE = MergeTree ORDER BY id")
    clickhouse.busy = 1  # the first INSERT is answered 503 without running: retried
    proc, summary = ids_run(tmp_path, clickhouse, 300, extra)
    assert proc.returncode == 0, proc.stderr
    assert counts(summary) == (300, 300, 0)
    assert [r["id"] for r in clickhouse.rows("SELECT id FROM default.ev ORDER BY id")] == list(range(300))
    assert len(clickhouse.requests) == 31  # one INSERT per batch of 10, and the busy answer's retry
    path, headers, body = clickhouse.requests[-1]
    assert parse_qs(urlsplit(path).query) == {"query": ["INSERT INTO `default`.`ev` FORMAT JSONEachRow"]}
    assert (headers["X-ClickHouse-User"], headers["X-ClickHouse-Key"]) == ("ann", "s3cret")
    if extra:
        assert body.startswith(b'[{"id": ') and body.endswith(b"}]") and body.count(b",\n") == 9
    else:
        assert body.count(b"\n") == 9 and body.startswith(b'{"id": ') and body.endswith(b"}")  # joined, as Eventum
    assert row(summary, "clickhouse")["bytes"] == sum(len(b) for _, _, b in clickhouse.requests[1:])


def test_eventgen_json_envelope_fills_a_typed_table(tmp_path, clickhouse):
    """`outputFormat = json` into the table docs/outputs.md shows."""
    clickhouse.query(
        "CREATE TABLE default.ev (_time DateTime64(3, 'UTC'), host LowCardinality(String), source String, "
        "sourcetype LowCardinality(String), `index` LowCardinality(String), _raw String) ENGINE = MergeTree "
        "ORDER BY _time"
    )
    proc, summary = ids_run(tmp_path, clickhouse, 20, "outputFormat = json\nhost = web-01\nsourcetype = st")
    assert proc.returncode == 0, proc.stderr
    assert counts(summary) == (20, 20, 0)
    rows = clickhouse.rows(
        "SELECT host, sourcetype, _raw, abs(dateDiff('second', _time, now())) < 600 AS timed FROM default.ev"
    )
    assert sorted(json.loads(r.pop("_raw"))["id"] for r in rows) == list(range(20))
    assert rows == [{"host": "web-01", "sourcetype": "st", "timed": 1}] * 20


@pytest.mark.parametrize("dedup", [False, True], ids=["plain-table", "deduplicating-table"])
def test_a_lost_answer_is_retried_and_counted_resent(tmp_path, clickhouse, dedup):
    window = " SETTINGS non_replicated_deduplication_window = 100" if dedup else ""
    clickhouse.query(f"CREATE TABLE default.ev (id UInt32) ENGINE = MergeTree ORDER BY id{window}")
    clickhouse.lose_answers = 1  # the first INSERT is stored, then its connection closes unanswered
    proc, summary = ids_run(tmp_path, clickhouse, 30)
    assert proc.returncode == 0, proc.stderr
    assert counts(summary) == (30, 30, 0)
    assert row(summary, "clickhouse")["resent"] == 10
    stored = Counter(r["id"] for r in clickhouse.rows("SELECT id FROM default.ev"))
    assert sorted(stored) == list(range(30))
    # the retried batch arrived twice, as the summary says, unless the table drops the identical copy
    assert sorted(stored.values()) == ([1] * 30 if dedup else [1] * 20 + [2] * 10)


def test_missing_table_fails_every_event_with_clickhouses_reason(tmp_path, clickhouse):
    proc, summary = ids_run(tmp_path, clickhouse, 30)
    assert proc.returncode == 1
    assert counts(summary) == (30, 0, 30)
    error = summary["errors"]["clickhouse"]
    assert error.startswith(f"ClickHouse http://127.0.0.1:{clickhouse.port} answered HTTP 404: Code: 60. ")
    assert "UNKNOWN_TABLE" in error and "\n" not in error and len(error) < 400
    assert len(clickhouse.requests) == 3  # 404 is not retried


def test_a_bad_row_fails_its_batch_only_and_is_spooled(tmp_path, clickhouse):
    clickhouse.query("CREATE TABLE default.ev (id UInt32) ENGINE = MergeTree ORDER BY id")
    lines = [f'{{"id": {i}}}' for i in range(30)]
    lines[25] = '{"id": "twenty-five"}'
    spool = tmp_path / "failed.jsonl"
    proc, summary = ids_run(tmp_path, clickhouse, 30, f"spoolFailedTo = {spool}", "\n".join(lines) + "\n")
    assert proc.returncode == 1
    generated, sent, failed = counts(summary)
    assert (generated, sent, failed) == (30, 20, 10) and generated == sent + failed
    error = summary["errors"]["clickhouse"]
    assert "HTTP 400: Code: 27. DB::Exception: Cannot parse input" in error and "\n" not in error
    assert sorted(r["id"] for r in clickhouse.rows("SELECT id FROM default.ev")) == list(range(20))
    (record,) = [json.loads(line) for line in spool.read_text().splitlines()]
    assert record["events"] == lines[20:]
    assert len(clickhouse.requests) == 3  # a parse error is not retried


def test_wrong_password_fails_at_once_naming_the_settings(tmp_path, clickhouse):
    clickhouse.users["ann"] = "other"
    proc, summary = ids_run(tmp_path, clickhouse, 10)
    assert proc.returncode == 1
    assert counts(summary) == (10, 0, 10)
    assert "HTTP 403: Code: 516." in summary["errors"]["clickhouse"]
    assert summary["errors"]["clickhouse"].endswith("check clickhouseUser/clickhousePassword")
    assert len(clickhouse.requests) == 1


@pytest.mark.parametrize(
    ("clickhouse", "extra", "error"),
    [
        (True, "clickhouseCaFile = {cert}", ""),
        (True, "clickhouseCaFile = {cert}\nclickhouseServerName = localhost", ""),
        (True, "clickhouseVerify = false", ""),
        (True, "", "self-signed certificate"),
        (True, "clickhouseCaFile = {cert}\nclickhouseServerName = other.example", "Hostname"),
    ],
    ids=["ca-file", "server-name", "no-verify", "untrusted", "wrong-name"],
    indirect=["clickhouse"],
)
def test_https_verifies_the_server_by_default(tmp_path, clickhouse, extra, error):
    clickhouse.query("CREATE TABLE default.ev (id UInt32) ENGINE = MergeTree ORDER BY id")
    extra = "clickhouseProtocol = https\n" + extra.format(cert=tmp_path / "tls" / "cert.pem")
    proc, summary = ids_run(tmp_path, clickhouse, 20, extra)
    stored = sorted(r["id"] for r in clickhouse.rows("SELECT id FROM default.ev"))
    if not error:
        assert proc.returncode == 0, proc.stderr
        assert counts(summary) == (20, 20, 0) and stored == list(range(20))
        return
    assert proc.returncode == 1
    assert counts(summary) == (20, 0, 20) and stored == []
    where = f"ClickHouse https://127.0.0.1:{clickhouse.port}"
    assert f"TLS certificate of {where} rejected: {error}" in summary["errors"]["clickhouse"]
    assert clickhouse.requests == []  # refused before any request, and not retried


def test_server_down_is_given_up_on_without_traceback(tmp_path):
    port = free_port()
    conf = IDS.format(port=port, count=50, extra="clickhouseRetries = 1\noutputGiveUpBatches = 2")
    proc, summary = run(tmp_path, conf, sample='{"id": @@ID}\n', name="ids.log")
    assert proc.returncode == 1
    assert counts(summary) == (50, 0, 50)
    error = summary["errors"]["clickhouse"]
    assert error.startswith("given up after 2 failed batch(es)")
    assert f"ClickHouse http://127.0.0.1:{port}: cannot connect" in error
    assert "Traceback" not in proc.stderr


def test_csv_with_names_and_a_template(tmp_path, clickhouse):
    clickhouse.query("CREATE TABLE default.ev (ms UInt64, host String, id UInt32) ENGINE = MergeTree ORDER BY id")
    extra = (
        "clickhouseInputFormat = CSVWithNames\nclickhouseHeader = ms,host,id\\n\n"
        "outputFormat = template\noutputTemplate = {_time|ms},{host},{_raw}\nhost = h1"
    )
    proc, summary = ids_run(tmp_path, clickhouse, 25, extra, "@@ID\n")
    assert proc.returncode == 0, proc.stderr
    assert counts(summary) == (25, 25, 0)
    rows = clickhouse.rows("SELECT ms > 1e12 AS timed, host, id FROM default.ev ORDER BY id")
    assert rows == [{"timed": 1, "host": "h1", "id": i} for i in range(25)]
    assert clickhouse.requests[0][2].startswith(b"ms,host,id\n")


# -- Eventum generator.yml projects ----------------------------------------------------------------------------------

START = "2024-01-01T00:00:00+00:00"
TIMES = [f"2024-01-01T00:{m:02d}:{s:02d}+00:00" for m in range(2) for s in range(0, 60, 3)]  # 40 times, 3 s apart


def project(folder: Path, output: str, template: str) -> Path:
    (folder / "templates").mkdir(exist_ok=True)
    (folder / "templates" / "t.jinja").write_text(template, encoding="utf-8")
    parameters = textwrap.indent(textwrap.dedent(output).strip(), " " * 8)
    yml = (
        f'input:\n  - linspace: {{start: "{START}", end: "+2m", count: 40, endpoint: false}}\n'
        "event:\n  template:\n    templates:\n      - t: {template: templates/t.jinja}\n"
        f"output:\n  - clickhouse:\n{parameters}\n"
    )
    path = folder / "generator.yml"
    path.write_text(yml, encoding="utf-8")
    return path


def test_eventum_project_rows_read_back_exact(tmp_path, clickhouse):
    clickhouse.query("CREATE DATABASE logs")
    clickhouse.query("CREATE TABLE logs.ev (ts String, user String) ENGINE = MergeTree ORDER BY ts")
    dsn = f"clickhouse://ann:s3cret@127.0.0.1:{clickhouse.port}/logs"
    path = project(tmp_path, f"host: 127.0.0.1\ntable: ev\ndsn: {dsn}\nconnect_timeout: 5\npool_maxsize: 4", (
        '{"ts": "{{ timestamp.isoformat() }}", "user": "u{{ timestamp.second % 2 }}"}\n'
    ))  # fmt: skip
    stats = tmp_path / "stats.json"
    result = cli(str(path), "--sample-mode", "--stats-json", str(stats), "-v")
    assert result.returncode == 0, result.stderr
    assert counts(json.loads(stats.read_text())) == (40, 40, 0)
    rows = clickhouse.rows("SELECT ts, user FROM logs.ev ORDER BY ts")
    assert rows == [{"ts": t, "user": f"u{int(t[17:19]) % 2}"} for t in TIMES]
    assert "no equivalent" not in result.stderr  # connect_timeout mapped, pool_maxsize checked: nothing ignored


def test_eventum_project_tsv_with_a_template_formatter(tmp_path, clickhouse):
    clickhouse.query("CREATE TABLE default.ev (ts String, n UInt8) ENGINE = MergeTree ORDER BY ts")
    output = f"""
    host: 127.0.0.1
    port: {clickhouse.port}
    table: ev
    input_format: TSV
    formatter: {{format: template, template: "{{{{ event }}}}\\t{{{{ event | length }}}}"}}
    """
    path = project(tmp_path, output, "{{ timestamp.isoformat() }}")
    result = cli(str(path), "--sample-mode")
    assert result.returncode == 0, result.stderr
    assert clickhouse.rows("SELECT ts, n FROM default.ev ORDER BY ts") == [{"ts": t, "n": 25} for t in TIMES]


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("host: 127.0.0.1\ntable: ev\ntabel: ev", "output[0].clickhouse.tabel: unknown parameter"),
        ("host: 127.0.0.1", "output[0].clickhouse.table: required"),
        ("host: 127.0.0.1\ntable: ev\nport: 70000", "output[0].clickhouse.port: a port is 1-65535"),
        ("host: h\ntable: ev\ndsn: mysql://h/db", "output[0].clickhouse.dsn: expected clickhouse://"),
    ],
    ids=["unknown-parameter", "missing-table", "bad-port", "bad-dsn"],
)
def test_eventum_project_errors_are_one_line_exit_2(tmp_path, output, message):
    path = project(tmp_path, output, "{}\n")
    for command in (["validate"], []):
        result = cli(*command, str(path), "--sample-mode")
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert result.stderr.startswith(f"eventgen: error: {path}: ") and message in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("clickhousePort = 70000", "clickhousePort"),
        ("clickhouseTable =", "clickhouseTable"),
        ("clickhouseInputFormat = JSON Each Row", "clickhouseInputFormat"),
        ("clickhouseSeparator = \\q", "clickhouseSeparator"),
    ],
    ids=["bad-port", "no-table", "bad-format", "bad-escape"],
)
def test_conf_errors_are_one_line_exit_2(tmp_path, extra, message):
    conf = IDS.format(port=8123, count=1, extra=extra).replace("clickhouseTable = ev\n", "")
    if "clickhouseTable" not in extra:
        conf += "clickhouseTable = ev\n"
    proc, _ = run(tmp_path, conf, sample='{"id": @@ID}\n', name="ids.log")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("eventgen: error: ") and message in proc.stderr, proc.stderr
