"""httpevent over HTTPS: verification is on by default, a CA file makes a private certificate trusted."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hec_receiver import HecReceiver
from tests.integration.helpers import row, run

pytestmark = pytest.mark.integration


def conf(receiver: HecReceiver, extra: str = "") -> str:
    return f"""
        [s.log]
        count = 300
        end = 2
        timeMode = sample
        outputMode = httpevent
        httpeventServers = {receiver.servers_json()}
        httpeventRetries = 1
        {extra}
    """


def test_https_with_the_ca_file_delivers_every_event(tmp_path: Path, tls_hec) -> None:
    receiver, cert = tls_hec
    proc, summary = run(tmp_path, conf(receiver, f"httpeventCaFile = {cert}"), sample="secure event\n")
    assert proc.returncode == 0, proc.stderr
    assert (row(summary, "httpevent")["sent"], row(summary, "httpevent")["failed"]) == (600, 0)
    assert [e["event"] for e in receiver.events] == ["secure event"] * 600


def test_https_refuses_an_untrusted_certificate_by_default(tmp_path: Path, tls_hec) -> None:
    receiver, _ = tls_hec
    proc, summary = run(tmp_path, conf(receiver), sample="secure event\n")
    assert proc.returncode == 1
    result = row(summary, "httpevent")
    assert (result["generated"], result["sent"], result["failed"]) == (600, 0, 600)
    assert summary["errors"]["httpevent"].endswith("certificate rejected: self-signed certificate")
    assert receiver.events == []


def test_https_without_verification_when_asked(tmp_path: Path, tls_hec) -> None:
    receiver, _ = tls_hec
    proc, summary = run(tmp_path, conf(receiver, "httpeventVerify = false"), sample="secure event\n")
    assert proc.returncode == 0, proc.stderr
    assert row(summary, "httpevent")["sent"] == 600
    assert len(receiver.events) == 600
