"""syslogout, tcpout and udpout against a real rsyslog on loopback."""

from __future__ import annotations

import json
import re
import socket
import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import cli, free_port, write_conf
from tests.integration.helpers import Background, row, run

pytestmark = pytest.mark.integration

LINES = ["alpha one", "beta two 'q' \"dq\"", "gamma three é ü"]
SAMPLE = "".join(f"{line}\n" for line in LINES)


def expected(count: int, intervals: int) -> list[str]:
    """The sample's lines in order, cycling (the position carries on from one interval to the next)."""
    return [LINES[i % len(LINES)] for i in range(count * intervals)]


def test_rfc3164_over_tcp_newline_framing(tmp_path, rsyslog):
    proc, summary = run(
        tmp_path,
        f"""
        [s.log]
        count = 400
        end = 3
        timeMode = sample
        earliest = -10s
        outputMode = syslogout
        syslogProtocol = tcp
        syslogDestinationPort = {rsyslog.tcp_port}
        syslogAddHeader = true
        syslogFacility = local4
        syslogSeverity = warning
        syslogAppName = webapp
        host = web-01
        timezone = utc
        """,
        sample=SAMPLE,
    )
    assert proc.returncode == 0, proc.stderr
    assert row(summary, "syslogout") | {"bytes": 0, "events_per_second": 0} == {
        "sample": "s.log",
        "output": "syslogout",
        "generated": 1200,
        "sent": 1200,
        "failed": 0,
        "bytes": 0,
        "events_per_second": 0,
        "resent": 0,
        "acked": 0,
        "may_be_duplicated": 0,
    }
    records = rsyslog.wait_for(1200)
    assert [r["msg"].lstrip() for r in records] == expected(400, 3)
    assert {(r["host"], r["app"], r["pri"]) for r in records} == {("web-01", "webapp", 20 * 8 + 4)}
    month = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    header = re.compile(rf"^<164>{month} [ 123]\d \d\d:\d\d:\d\d web-01 webapp: ")
    assert all(header.match(r["raw"]) for r in records), records[0]["raw"]


def test_rfc5424_over_tcp_octet_counting_keeps_multiline_events(tmp_path, rsyslog):
    sample = '_raw,host\n"first line\n  continued line",h1\nsecond event,h2\n'
    started = time.time()
    proc, summary = run(
        tmp_path,
        f"""
        [s.csv]
        sampletype = csv
        count = 100
        interval = 1
        end = 2
        timeMode = sample
        earliest = -5s
        outputMode = syslogout
        syslogProtocol = tcp
        syslogFraming = octet
        syslogFormat = rfc5424
        syslogDestinationPort = {rsyslog.tcp_port}
        syslogHostname = gen-host
        syslogAppName = eventgen
        syslogFacility = 16
        syslogSeverity = 6
        timezone = +0200
        """,
        sample=sample,
        name="s.csv",
    )
    assert proc.returncode == 0, proc.stderr
    assert (row(summary, "syslogout")["sent"], row(summary, "syslogout")["failed"]) == (200, 0)
    records = rsyslog.wait_for(200)
    assert [r["msg"] for r in records] == ["first line\n  continued line", "second event"] * 100
    assert {(r["host"], r["app"], r["pri"], r["protocol"]) for r in records} == {("gen-host", "eventgen", 134, "1")}
    header = re.compile(r"^<134>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+02:00 gen-host eventgen - - - ")
    assert all(header.match(r["raw"]) for r in records), records[0]["raw"]
    stamps = [datetime.fromisoformat(r["time"]).timestamp() for r in records]
    assert all(started - 7 <= s <= started + 3 for s in stamps), (started, min(stamps), max(stamps))


def test_syslog_over_udp_one_datagram_per_event(tmp_path, rsyslog):
    proc, summary = run(
        tmp_path,
        f"""
        [s.log]
        count = 300
        end = 2
        timeMode = sample
        outputMode = syslogout
        syslogDestinationPort = {rsyslog.udp_port}
        syslogHostname = udp-host
        syslogAddHeader = true
        """,
        sample=SAMPLE,
    )
    assert proc.returncode == 0, proc.stderr
    assert (row(summary, "syslogout")["sent"], row(summary, "syslogout")["failed"]) == (600, 0)
    records = rsyslog.wait_for(600)
    # loopback at this volume loses nothing; UDP in general may (sent counts datagrams handed to the kernel)
    assert sorted(r["msg"].lstrip() for r in records) == sorted(expected(300, 2))
    assert {(r["host"], r["app"], r["pri"]) for r in records} == {("udp-host", "eventgen", 14)}


def test_tcpout_and_udpout_send_raw_lines(tmp_path, rsyslog):
    proc, summary = run(
        tmp_path,
        f"""
        [s.log]
        count = 250
        end = 2
        timeMode = sample
        outputMode = tcpout, udpout
        tcpDestinationPort = {rsyslog.tcp_port}
        udpDestinationPort = {rsyslog.udp_port}
        """,
        sample="<13>raw line one\n<13>raw line two\n",
    )
    assert proc.returncode == 0, proc.stderr
    assert [(r["output"], r["sent"], r["failed"]) for r in summary["rows"]] == [("tcpout", 500, 0), ("udpout", 500, 0)]
    records = rsyslog.wait_for(1000)
    assert sorted(r["raw"] for r in records) == sorted(["<13>raw line one", "<13>raw line two"] * 500)


def test_connection_refused_is_counted_with_a_clear_error(tmp_path):
    port = free_port()
    started = time.time()
    proc, summary = run(
        tmp_path,
        f"""
        [s.log]
        count = 50
        end = 2
        timeMode = sample
        outputMode = tcpout
        tcpDestinationPort = {port}
        tcpoutRetries = 2
        """,
        sample=SAMPLE,
    )
    assert proc.returncode == 1
    assert (row(summary, "tcpout")["sent"], row(summary, "tcpout")["failed"]) == (0, 100)
    assert f"cannot connect to 127.0.0.1:{port}" in summary["errors"]["tcpout"]
    assert time.time() - started < 10  # 2 retries with backoff 0.2 s + 0.4 s per batch


def test_rsyslog_restarted_mid_run_receives_exactly_what_was_counted_sent(tmp_path, rsyslog):
    """A live run of 200 events/s; rsyslog is stopped between batches for ~2.5 s and restarted on the same
    port. Batches due while it is down fail after their retries; the others arrive."""
    background = Background(
        tmp_path,
        f"""
        [s.log]
        count = 200
        interval = 1
        outputMode = tcpout
        tcpDestinationPort = {rsyslog.tcp_port}
        tcpoutRetries = 1
        """,
        "--duration",
        "6.5",
        sample=SAMPLE,
    )
    rsyslog.wait_for(400, timeout=10, settle=0)  # two seconds of events arrived
    rsyslog.stop()
    time.sleep(2.5)  # the outage itself, a fixed length on purpose: the batches of two ticks fall in it
    rsyslog.start()
    proc, summary = background.join(60)
    counts = row(summary, "tcpout")
    assert counts["generated"] >= 1000
    assert counts["sent"] + counts["failed"] == counts["generated"]
    assert counts["failed"] > 0
    assert len(rsyslog.wait_for(counts["sent"], timeout=5)) == counts["sent"]
    assert proc.returncode == 1


def test_syslog_tls_needs_tcp(tmp_path):
    conf = write_conf(
        tmp_path,
        """
        [s.log]
        outputMode = syslogout
        syslogTls = true
        """,
    )
    (tmp_path / "s.log").write_text(SAMPLE)
    proc = cli("validate", str(conf))
    assert proc.returncode == 2
    assert "syslogTls needs syslogProtocol = tcp" in proc.stderr


def test_udp_datagram_size_is_not_limited_by_batching(tmp_path):
    """Events reach a plain UDP socket one datagram each, without trailing newline."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        proc, _ = run(
            tmp_path,
            f"""
            [s.log]
            count = 20
            end = 1
            outputMode = udpout
            udpDestinationPort = {sock.getsockname()[1]}
            """,
            sample="x" * 9000 + "\nshort\n",
        )
        assert proc.returncode == 0, proc.stderr
        sock.settimeout(2)
        got = [sock.recv(70000).decode() for _ in range(20)]
    assert got == ["x" * 9000, "short"] * 10


def test_a_dead_destination_is_given_up_on_and_fails_fast(tmp_path: Path) -> None:
    (tmp_path / "d.log").write_text("dead end\n")
    write_conf(
        tmp_path,
        f"""
        [d\\.log]
        count = 2000
        end = 1
        jobSize = 10
        outputMode = tcpout
        tcpDestinationHost = 127.0.0.1
        tcpDestinationPort = {free_port()}
        tcpoutRetries = 1
        spoolFailedTo = failed.jsonl
    """,
    )
    started = time.monotonic()
    result = cli("eventgen.conf", "--stats-json", "s.json", "--status-interval", "0", cwd=tmp_path, timeout=60)
    took = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    summary = json.loads((tmp_path / "s.json").read_text())
    assert (summary["total"]["sent"], summary["total"]["failed"]) == (0, 2000)
    assert "given up after 5 failed batch(es)" in summary["errors"]["tcpout"]
    assert took < 20  # 200 batches: five tried with their retries, the rest failed at once
    spooled = sum(len(json.loads(line)["events"]) for line in (tmp_path / "failed.jsonl").read_text().splitlines())
    assert spooled == 2000
    assert result.stderr.count("given up after") <= 3  # said once (and in the summary), not per batch


def test_two_samples_with_different_zones_keep_their_own_headers(tmp_path: Path, rsyslog) -> None:
    for name in ("east.log", "west.log"):
        (tmp_path / name).write_text(f"from {name}\n")
    stanzas = "".join(
        f"[{name.replace('.', '[.]')}]\ncount = 50\nend = 1\noutputMode = syslogout\n"
        f"syslogProtocol = tcp\nsyslogFormat = rfc5424\nsyslogDestinationPort = {rsyslog.tcp_port}\n"
        f"timezone = {zone}\n\n"
        for name, zone in (("east.log", "+0200"), ("west.log", "-0500"))
    )
    write_conf(tmp_path, f"[global]\nsampleDir = .\n\n{stanzas}")
    result = cli("eventgen.conf", "--status-interval", "0", "--stats-json", "s.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "s.json").read_text())["total"]["sent"] == 100
    records = rsyslog.wait_for(100)
    offsets = {(r["msg"], re.match(r"^<\d+>1 \S+?([+-]\d\d:\d\d) ", r["raw"]).group(1)) for r in records}
    assert offsets == {("from east.log", "+02:00"), ("from west.log", "-05:00")}
