"""tcpout over TLS into a real TLS receiver on 127.0.0.1 (a self-signed certificate made for the test): every
event arrives once, verified with the CA file; an untrusted certificate or a wrong server name is one line,
counted failed; mutual TLS with a client certificate; an Eventum project's `tcp: {ssl: true, ca_cert: ...}`."""

from __future__ import annotations

import json
import re
import socket
import ssl
import threading
from pathlib import Path

import pytest

from tests.conftest import cli
from tests.e2e.test_eventum_projects import project
from tests.integration.helpers import row, run
from tests.servers import self_signed_cert
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

ID = re.compile(r"^id=(\d+) over tls$")


class TlsLineReceiver:
    """Accepts TLS connections (each in a thread) and keeps every line received; handshakes that fail are
    counted, not raised. With `client_ca`, a client certificate signed by it is required."""

    def __init__(self, cert: Path, key: Path, client_ca: Path | None = None):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        if client_ca is not None:
            self.context.verify_mode = ssl.CERT_REQUIRED
            self.context.load_verify_locations(client_ca)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.lines: list[str] = []
        self.handshakes = self.failed_handshakes = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        try:
            tls = self.context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            with self._lock:
                self.failed_handshakes += 1
            conn.close()
            return
        with self._lock:
            self.handshakes += 1
        chunks = []
        with tls:
            while True:
                try:
                    data = tls.recv(1 << 16)
                except (ssl.SSLError, OSError):
                    break
                if not data:
                    break
                chunks.append(data)
        with self._lock:
            self.lines += b"".join(chunks).decode().splitlines()

    def ids(self) -> list[int]:
        with self._lock:
            return sorted(int(ID.match(line).group(1)) for line in self.lines)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def tls_server(tls_cert: tuple[Path, Path]):
    server = TlsLineReceiver(*tls_cert)
    yield server, tls_cert[0]
    server.close()


def conf(port: int, extra: str, count: int = 250) -> str:
    extra = extra.replace("\n", "\n        ")
    return f"""
        [ids.log]
        count = {count}
        end = 4
        jobSize = 100
        timeMode = sample
        outputMode = tcpout
        tcpDestinationHost = 127.0.0.1
        tcpDestinationPort = {port}
        tcpTls = true
        tcpoutRetries = 1
        token.0.token = @@ID
        token.0.replacementType = integerid
        token.0.replacement = 0
        {extra}
    """


SAMPLE = "id=@@ID over tls\n"


def test_verified_with_the_ca_file_every_event_arrives_once(tmp_path: Path, tls_server) -> None:
    server, cert = tls_server
    proc, summary = run(tmp_path, conf(server.port, f"tcpTlsCaFile = {cert}"), sample=SAMPLE, name="ids.log")
    assert proc.returncode == 0, proc.stderr
    assert (row(summary, "tcpout")["sent"], row(summary, "tcpout")["failed"]) == (1000, 0)
    wait_for(lambda: len(server.ids()) >= 1000, "1000 lines", 10)
    assert server.ids() == list(range(1000))
    assert (server.handshakes, server.failed_handshakes) == (1, 0)  # one persistent connection


def test_verification_off_accepts_the_self_signed_certificate(tmp_path: Path, tls_server) -> None:
    server, _ = tls_server
    proc, summary = run(tmp_path, conf(server.port, "tcpTlsVerify = false", count=10), sample=SAMPLE, name="ids.log")
    assert proc.returncode == 0, proc.stderr
    assert row(summary, "tcpout")["sent"] == 40
    wait_for(lambda: len(server.ids()) >= 40, "40 lines", 10)
    assert server.ids() == list(range(40))


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ("tcpTlsCaFile = {other}", "self-signed certificate"),
        ("", "self-signed certificate"),
        (
            "tcpTlsCaFile = {cert}\ntcpTlsServerName = wrong.example",
            "Hostname mismatch, certificate is not valid for 'wrong.example'.",
        ),
    ],
    ids=["wrong-ca", "system-cas", "wrong-name"],
)
def test_an_untrusted_receiver_is_one_line_counted_failed(tmp_path: Path, tls_server, extra: str, reason: str):
    server, cert = tls_server
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other, _ = self_signed_cert(other_dir)
    extra = extra.format(other=other, cert=cert)
    proc, summary = run(tmp_path, conf(server.port, extra, count=10), sample=SAMPLE, name="ids.log")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert (row(summary, "tcpout")["sent"], row(summary, "tcpout")["failed"]) == (0, 40)
    line = f"TLS certificate of 127.0.0.1:{server.port} rejected: {reason}"
    assert summary["errors"]["tcpout"] == line
    assert proc.stderr.count(line) == 1
    assert f"last error from tcpout: {line}\n" in proc.stderr
    assert server.lines == []


def test_the_name_the_certificate_holds_verifies(tmp_path: Path, tls_server) -> None:
    server, cert = tls_server
    extra = f"tcpTlsCaFile = {cert}\ntcpTlsServerName = localhost"
    proc, summary = run(tmp_path, conf(server.port, extra, count=5), sample=SAMPLE, name="ids.log")
    assert proc.returncode == 0, proc.stderr
    assert row(summary, "tcpout")["sent"] == 20
    wait_for(lambda: len(server.ids()) >= 20, "20 lines", 10)
    assert server.ids() == list(range(20))


def test_mutual_tls_with_a_client_certificate(tmp_path: Path) -> None:
    cert, key = self_signed_cert(tmp_path)
    client_dir = tmp_path / "client"
    client_dir.mkdir()
    client_cert, client_key = self_signed_cert(client_dir)
    server = TlsLineReceiver(cert, key, client_ca=client_cert)
    try:
        extra = f"tcpTlsCaFile = {cert}\ntcpTlsCertFile = {client_cert}\ntcpTlsKeyFile = {client_key}"
        proc, summary = run(tmp_path, conf(server.port, extra, count=5), sample=SAMPLE, name="ids.log")
        assert proc.returncode == 0, proc.stderr
        assert row(summary, "tcpout")["sent"] == 20
        wait_for(lambda: len(server.ids()) >= 20, "20 lines", 10)
        assert server.ids() == list(range(20))
        assert (server.handshakes, server.failed_handshakes) == (1, 0)
    finally:
        server.close()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("tcpTlsCaFile = {missing}", "tcpTlsCaFile: file {missing} does not exist"),
        ("tcpTlsCaFile = {sample}", "tcpTlsCaFile: cannot load CA file: "),
        ("tcpTlsCertFile = {sample}", "tcpTlsCertFile: cannot load client certificate/key: "),
        ("tcpTlsKeyFile = {cert}", "tcpTlsKeyFile: needs tcpTlsCertFile"),
    ],
    ids=["missing-ca", "ca-not-pem", "cert-not-pem", "key-alone"],
)
def test_bad_tls_files_are_refused_at_load(tmp_path: Path, extra: str, message: str) -> None:
    cert, _ = self_signed_cert(tmp_path)
    (tmp_path / "ids.log").write_text(SAMPLE, encoding="utf-8")
    names = {"missing": tmp_path / "none.pem", "sample": tmp_path / "ids.log", "cert": cert}
    path = tmp_path / "eventgen.conf"
    path.write_text(re.sub(r"(?m)^ +", "", conf(1, extra.format(**names))), encoding="utf-8")
    for command in (["validate"], []):
        result = cli(*command, str(path))
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert result.stderr.startswith(f"eventgen: error: {path}: [ids.log]: {message.format(**names)}")


def test_an_eventum_project_with_tcp_ssl_and_ca_cert(tmp_path: Path, tls_server) -> None:
    server, cert = tls_server
    (tmp_path / "ca.pem").write_bytes(cert.read_bytes())
    yml = f"""
input:
  - linspace: {{start: "2024-01-01T00:00:00Z", end: "+1m", count: 300}}
event:
  template:
    templates:
      - t: {{template: t.jinja}}
output:
  - tcp: {{host: 127.0.0.1, port: {server.port}, ssl: true, ca_cert: ca.pem}}
"""
    path = project(tmp_path, yml, {"t.jinja": "id={{ locals.incr('n') - 1 }} over tls\n"})
    stats = tmp_path / "stats.json"
    result = cli(str(path), "--sample-mode", "--status-interval", "0", "--stats-json", str(stats))
    assert result.returncode == 0, result.stderr
    assert json.loads(stats.read_text())["total"]["sent"] == 300
    wait_for(lambda: len(server.ids()) >= 300, "300 lines", 10)
    assert server.ids() == list(range(300))
    converted = cli("convert", str(path))
    assert converted.returncode == 0, converted.stderr
    lines = converted.stdout.splitlines()
    assert {"tcpTls = true", "tcpTlsVerify = true", f"tcpTlsCaFile = {tmp_path / 'ca.pem'}"} <= set(lines)
    path.write_text(yml.replace("ssl: true", "ssl: false"), encoding="utf-8")
    plain = cli("convert", str(path)).stdout.splitlines()
    assert "# no equivalent: output[0].tcp.ca_cert: no effect without ssl: true (ignored)" in plain
    assert not [line for line in plain if line.startswith("tcpTls")]
    path.write_text(yml.replace("ssl: true", "ssl: true, verify: false, client_cert: nope.pem"), encoding="utf-8")
    refused = cli("validate", str(path))
    assert refused.returncode == 2
    assert refused.stderr == (
        f"eventgen: error: {path}: output[0].tcp.client_cert: nope.pem: no such file "
        f"(relative paths are read from {tmp_path})\n"
    )
