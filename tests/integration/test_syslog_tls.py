"""syslogout over TLS into rsyslog's gtls driver: verified with the CA file, refused without it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.helpers import row, run
from tests.servers import Rsyslog

pytestmark = pytest.mark.integration


def conf(server: Rsyslog, extra: str) -> str:
    return f"""
        [s.log]
        count = 250
        end = 2
        timeMode = sample
        outputMode = syslogout
        syslogProtocol = tcp
        syslogFraming = octet
        syslogFormat = rfc5424
        syslogTls = true
        syslogDestinationHost = 127.0.0.1
        syslogDestinationPort = {server.tcp_port}
        syslogoutRetries = 1
        {extra}
    """


def test_tls_with_ca_file_delivers_every_event(tmp_path: Path, tls_rsyslog) -> None:
    server, cert = tls_rsyslog
    proc, summary = run(tmp_path, conf(server, f"syslogTlsCaFile = {cert}"), sample="over tls\n")
    assert proc.returncode == 0, proc.stderr
    assert (row(summary, "syslogout")["sent"], row(summary, "syslogout")["failed"]) == (500, 0)
    assert [r["msg"] for r in server.wait_for(500)] == ["over tls"] * 500


def test_tls_refuses_an_untrusted_receiver_by_default(tmp_path: Path, tls_rsyslog) -> None:
    server, _ = tls_rsyslog
    proc, summary = run(tmp_path, conf(server, ""), sample="over tls\n")
    assert proc.returncode == 1
    assert (row(summary, "syslogout")["sent"], row(summary, "syslogout")["failed"]) == (0, 500)
    assert "certificate" in summary["errors"]["syslogout"]
    assert server.records() == []
