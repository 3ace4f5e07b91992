"""Eventum outputs as published projects write them: a formatter's `template_path`, and a second output of one kind
that keeps only its own settings (checked against a real loopback HTTP server that reads the headers back)."""

from __future__ import annotations

import base64
import threading
from typing import Any

import pytest

from tests.conftest import cli
from tests.e2e.test_eventum_projects import START, one_input
from tests.json_http import serve, shut, tracking_handler

pytestmark = pytest.mark.e2e


class Recorder:
    """A loopback HTTP server that answers 201 and keeps each request's path, headers and body."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self._conns: set[Any] = set()
        self._lock = threading.Lock()
        owner = self

        class Handler(tracking_handler(self._conns)):  # type: ignore[misc]
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with owner._lock:
                    owner.requests.append((self.path, dict(self.headers.items()), body))
                self.send_response(201)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = serve(Handler)
        self.port = self.server.server_address[1]

    def close(self) -> None:
        shut(self.server, self._conns)


TWO_EVENTS = f'linspace: {{start: "{START}", end: "+1m", count: 2}}'
THREE_EVENTS = f'linspace: {{start: "{START}", end: "+1m", count: 3, endpoint: false}}'
COUNTED = '{"n": {{ locals.incr("n") }}}\n'  # each event's number
SECONDS = "{{ timestamp.strftime('%S') }}\n"  # each event's second


@pytest.fixture
def recorder():
    server = Recorder()
    yield server
    server.close()


def test_a_second_http_output_does_not_send_the_first_ones_auth_or_headers(tmp_path, recorder):
    output = f"""- http:
      url: http://127.0.0.1:{recorder.port}/first
      username: alice
      password: s3cret
      headers: {{X-Tenant: acme}}
  - http:
      url: http://127.0.0.1:{recorder.port}/second
      success_code: 201"""
    path = one_input(tmp_path, TWO_EVENTS, COUNTED, output)
    result = cli(str(path), "--sample-mode")
    assert result.returncode == 0, result.stderr
    by_path = {p: (headers, body) for p, headers, body in recorder.requests}
    assert sorted(by_path) == ["/first", "/second"]
    first, second = by_path["/first"][0], by_path["/second"][0]
    assert first["Authorization"] == "Basic " + base64.b64encode(b"alice:s3cret").decode()
    assert first["X-Tenant"] == "acme"
    assert "Authorization" not in second and "X-Tenant" not in second
    assert by_path["/first"][1] == by_path["/second"][1] == b'[{"n":1},{"n":2}]\n'


def test_formatter_template_path_for_first_and_second_outputs_and_in_validate(tmp_path):
    output = """- file: {path: a.log, formatter: {format: template, template_path: formats/line.jinja}}
  - file: {path: b.log, formatter: {format: template-batch, template_path: formats/batch.jinja}}"""
    (tmp_path / "formats").mkdir()
    (tmp_path / "formats/line.jinja").write_text("<{{ event }}>\n")
    (tmp_path / "formats/batch.jinja").write_text("{{ events | length }}: {{ events | join(',') }}\n")
    path = one_input(tmp_path, THREE_EVENTS, SECONDS, output)
    for mode in ("thread", "process"):
        (tmp_path / "a.log").unlink(missing_ok=True)
        (tmp_path / "b.log").unlink(missing_ok=True)
        result = cli(str(path), "--sample-mode", "--threading", mode)
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "a.log").read_text() == "<00>\n<20>\n<40>\n"
        assert (tmp_path / "b.log").read_text() == "3: 00,20,40\n"
    (tmp_path / "formats/batch.jinja").write_text("{{ events | length }\n")
    bad = cli("validate", str(path))
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        f"eventgen: error: {path}: [{tmp_path.name}]: outputFormatBy: file#1: outputTemplateFile: "
        "Jinja syntax error at line 1: unexpected '}'"
    )


def test_http_client_cert_is_presented_and_a_dead_proxy_is_named(tmp_path):
    """`client_cert`/`client_cert_key` reach a server that requires them (mutual TLS); a `proxy_url` nobody
    listens on fails the events, naming the proxy."""
    import ssl

    from tests.conftest import free_port
    from tests.servers import self_signed_cert

    (tmp_path / "server").mkdir()
    (tmp_path / "client").mkdir()
    server_cert, server_key = self_signed_cert(tmp_path / "server")
    client_cert, client_key = self_signed_cert(tmp_path / "client")
    recorder = Recorder()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(server_cert, server_key)
    context.verify_mode = ssl.CERT_REQUIRED  # no client certificate, no handshake
    context.load_verify_locations(client_cert)
    recorder.server.socket = context.wrap_socket(recorder.server.socket, server_side=True)
    output = f"""- http:
      url: https://127.0.0.1:{recorder.port}/mtls
      ca_cert: {server_cert}
      verify: true
      client_cert: {client_cert}
      client_cert_key: {client_key}
      connect_timeout: 2
"""
    path = one_input(tmp_path, TWO_EVENTS, COUNTED, output)
    try:
        result = cli(str(path), "--sample-mode")
    finally:
        recorder.close()
    assert result.returncode == 0, result.stderr
    assert [(p, body) for p, _, body in recorder.requests] == [("/mtls", b'[{"n":1},{"n":2}]\n')]
    dead = free_port()
    path.write_text(
        path.read_text().replace(f"https://127.0.0.1:{recorder.port}", "http://127.0.0.1:9")
        + f"      proxy_url: http://127.0.0.1:{dead}\n"
    )
    result = cli(str(path), "--sample-mode")
    assert result.returncode == 1
    assert f"127.0.0.1:9: cannot connect to proxy 127.0.0.1:{dead}: Connection refused" in result.stderr
