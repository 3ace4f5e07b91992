"""How the opensearch output reaches nodes, against osmem-server on 127.0.0.1: mutual TLS through nginx requiring a
client certificate (`opensearchClientCertFile`/`KeyFile`), a CONNECT proxy (`opensearchProxyUrl`), a connect bound
apart from the answer's (`opensearchConnectTimeout`), Eventum's four parameters for them, and their load checks."""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import ROOT, cli, free_port
from tests.connect_proxy import ConnectProxy
from tests.e2e.test_docs_examples import fenced_blocks
from tests.e2e.test_eventum_projects import project
from tests.integration.helpers import row, run
from tests.mtls_front import MutualTlsFront
from tests.servers import Osmem
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

SAMPLE = "".join(json.dumps({"n": n}) + "\n" for n in range(20))
NO_CERT = "OpenSearch answered HTTP 400: 400 No required SSL certificate was sent"


def conf(hosts: str, extra: str, index: str = "reach", count: int = 20) -> str:
    return (
        f"[s.log]\ncount = {count}\nend = 2\ntimeMode = sample\noutputMode = opensearch\n"
        f"opensearchHosts = {hosts}\nopensearchIndex = {index}\nopensearchRetries = 0\n{extra}\n"
    )


def numbers(osmem: Osmem, index: str) -> list[int]:
    return sorted(doc["n"] for doc in osmem.documents(index))


@pytest.fixture
def front(tmp_path: Path, osmem: Osmem) -> Iterator[MutualTlsFront]:
    server = MutualTlsFront(tmp_path, osmem.url).start()
    yield server
    server.stop()


@pytest.fixture
def proxy() -> Iterator[ConnectProxy]:
    server = ConnectProxy().start()
    yield server
    server.stop()


def test_mutual_tls_indexes_with_the_client_certificate_and_fails_every_event_without_it(
    tmp_path: Path, osmem: Osmem, front: MutualTlsFront
) -> None:
    tls = f"opensearchCaFile = {front.server_cert}"
    proc, summary = run(tmp_path, conf(front.url, tls), sample=SAMPLE)
    assert proc.returncode == 1
    counts = row(summary, "opensearch")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (40, 0, 40)
    error = f"{NO_CERT}: set opensearchClientCertFile (and opensearchClientKeyFile)"
    assert summary["errors"]["opensearch"] == error
    assert [line for line in proc.stderr.splitlines() if "SSL certificate" in line] == [
        f"last error from opensearch: {error}"
    ]
    assert "Traceback" not in proc.stderr
    wait_for(lambda: len(front.requests()) >= 1, "nginx to log the refused request", 10)
    assert {(status, subject) for status, _, _, subject in front.requests()} == {(400, "-")}

    cert = f"{tls}\nopensearchClientCertFile = {front.pki.cert}\nopensearchClientKeyFile = {front.pki.key}"
    proc, summary = run(tmp_path, conf(front.url, cert), sample=SAMPLE)
    assert proc.returncode == 0, proc.stderr
    counts = row(summary, "opensearch")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (40, 40, 0)
    assert numbers(osmem, "reach") == sorted(list(range(20)) * 2)  # nothing of the refused run was indexed

    # unverified (Eventum's default): the certificate is still presented (opensearch-py alone would drop it)
    unverified = f"opensearchVerify = false\nopensearchClientCertFile = {front.pki.cert}\n"
    proc, summary = run(tmp_path, conf(front.url, unverified + f"opensearchClientKeyFile = {front.pki.key}", "nv"))
    assert proc.returncode == 0, proc.stderr
    assert row(summary, "opensearch")["sent"] == 40
    assert numbers(osmem, "nv") == sorted(list(range(20)) * 2)
    assert "Warning" not in proc.stderr  # no InsecureRequestWarning per request
    wait_for(lambda: [r[0] for r in front.requests()].count(200) >= 2, "nginx to log both runs' requests", 10)
    assert {(status, uri, subject) for status, _, uri, subject in front.requests()} == {
        (400, "/_bulk", "-"),
        (200, "/_bulk", "CN=eventgen test client"),
    }


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "mutual-tls"])
def test_documents_reach_the_nodes_through_the_connect_proxy(
    tmp_path: Path, osmem: Osmem, proxy: ConnectProxy, tls: bool
) -> None:
    with ExitStack() as stack:
        extra = f"opensearchProxyUrl = http://ingest:s3cret@127.0.0.1:{proxy.port}"
        hosts, target = osmem.url, f"127.0.0.1:{osmem.port}"
        if tls:  # TLS end to end inside the tunnel, the client certificate checked by nginx behind the proxy
            front = MutualTlsFront(tmp_path, osmem.url).start()
            stack.callback(front.stop)
            hosts, target = front.url, f"127.0.0.1:{front.port}"
            extra += f"\nopensearchCaFile = {front.server_cert}\nopensearchClientCertFile = {front.pki.cert}"
            extra += f"\nopensearchClientKeyFile = {front.pki.key}"
        proc, summary = run(tmp_path, conf(hosts, extra), "-v", sample=SAMPLE)
    assert proc.returncode == 0, proc.stderr
    assert "INFO: plan: output opensearch (" in proc.stderr and "s3cret" not in proc.stderr  # `-v` hides the proxy
    counts = row(summary, "opensearch")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (40, 40, 0)
    assert numbers(osmem, "reach") == sorted(list(range(20)) * 2)
    auth = "Basic " + base64.b64encode(b"ingest:s3cret").decode()
    assert proxy.tunnels and set(proxy.tunnels) == {(target, auth)}

    dead = free_port()  # a proxy that is not there: every event failed, one line naming it
    proc, summary = run(tmp_path, conf(osmem.url, f"opensearchProxyUrl = http://127.0.0.1:{dead}"), sample=SAMPLE)
    assert proc.returncode == 1
    assert (row(summary, "opensearch")["sent"], row(summary, "opensearch")["failed"]) == (0, 40)
    assert summary["errors"]["opensearch"] == (
        f"OpenSearch unreachable: 127.0.0.1:{osmem.port}: cannot connect to proxy 127.0.0.1:{dead}: Connection refused"
    )


@contextmanager
def accepting_nothing() -> Iterator[int]:
    """A port on 127.0.0.1 whose listener never accepts and whose backlog is full: a connection to it hangs (the
    kernel drops the handshake) until the client gives up, as with a node behind a firewall that drops packets."""
    with ExitStack() as stack:
        listener = stack.enter_context(socket.socket())
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        deadline = time.monotonic() + 10
        while True:  # fill the backlog: until a connection is not taken at once
            client = stack.enter_context(socket.socket())
            client.settimeout(0.3)
            try:
                client.connect(("127.0.0.1", port))
            except TimeoutError:
                break
            assert time.monotonic() < deadline, "the backlog did not fill"
        yield port


@pytest.mark.parametrize("through", ["direct", "proxy"])
def test_a_node_accepting_no_connection_is_given_up_on_within_the_connect_timeout(tmp_path: Path, through: str) -> None:
    with accepting_nothing() as port:
        hosts, extra = f"http://127.0.0.1:{port}", "opensearchConnectTimeout = 0.5\nopensearchTimeout = 60"
        if through == "proxy":  # the proxy itself accepts nothing
            hosts, extra = "http://127.0.0.1:9200", f"{extra}\nopensearchProxyUrl = http://127.0.0.1:{port}"
        started = time.monotonic()
        proc, summary = run(tmp_path, conf(hosts, extra, count=5).replace("end = 2", "end = 1"), sample=SAMPLE)
        elapsed = time.monotonic() - started
    assert proc.returncode == 1
    counts = row(summary, "opensearch")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (5, 0, 5)
    expected = {
        "direct": "OpenSearch unreachable: Connection to 127.0.0.1 timed out. (connect timeout=0.5)",
        "proxy": f"OpenSearch unreachable: 127.0.0.1:9200: cannot connect to proxy 127.0.0.1:{port}: timed out",
    }
    assert summary["errors"]["opensearch"] == expected[through]
    assert elapsed < 0.5 + 15, elapsed  # the connect bound plus starting the interpreter; far below the 60 s answer


def test_an_eventum_project_applies_connect_timeout_client_cert_and_proxy_url(
    tmp_path: Path, osmem: Osmem, front: MutualTlsFront, proxy: ConnectProxy
) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    for name, source in (("ca.pem", front.server_cert), ("client.pem", front.pki.cert), ("client.key", front.pki.key)):
        (folder / name).write_bytes(source.read_bytes())
    yml = f"""
input:
  - linspace: {{start: "2024-01-01T00:00:00Z", end: "+1m", count: 30}}
event:
  template:
    templates:
      - t: {{template: t.jinja}}
output:
  - opensearch:
      hosts: ["{front.url}"]
      username: ingest
      password: secret
      index: eventum
      verify: true
      ca_cert: ca.pem
      client_cert: client.pem
      client_cert_key: client.key
      connect_timeout: 2.5
      proxy_url: http://127.0.0.1:{proxy.port}
"""
    path = project(folder, yml, {"t.jinja": '{"n": {{ locals.incr("n") - 1 }}}\n'})
    converted = cli("convert", str(path))
    assert converted.returncode == 0, converted.stderr
    lines = set(converted.stdout.splitlines())
    assert {
        f"opensearchClientCertFile = {folder / 'client.pem'}",
        f"opensearchClientKeyFile = {folder / 'client.key'}",
        "opensearchConnectTimeout = 2.5",
        f"opensearchProxyUrl = http://127.0.0.1:{proxy.port}",
    } <= lines
    assert not [line for line in lines if "no equivalent" in line]
    validated = cli("validate", "-v", str(path))
    assert validated.returncode == 0, validated.stderr
    assert "no equivalent" not in validated.stdout + validated.stderr
    stats = tmp_path / "stats.json"
    result = cli(str(path), "--sample-mode", "--status-interval", "0", "--stats-json", str(stats))
    assert result.returncode == 0, result.stderr
    assert json.loads(stats.read_text())["total"]["sent"] == 30
    assert numbers(osmem, "eventum") == list(range(30))
    assert {target for target, _ in proxy.tunnels} == {f"127.0.0.1:{front.port}"}
    wait_for(lambda: len(front.requests()) >= 1, "nginx to log the request", 10)
    assert {(status, subject) for status, _, _, subject in front.requests()} == {(200, "CN=eventgen test client")}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("opensearchClientKeyFile = {key}", "opensearchClientKeyFile: needs opensearchClientCertFile"),
        ("opensearchClientCertFile = {missing}", "opensearchClientCertFile: file {missing} does not exist"),
        ("opensearchClientCertFile = {cert}", "opensearchClientCertFile: cannot load client certificate/key: {cert}"),
        ("opensearchClientKeyFile = {missing}\nopensearchClientCertFile = {cert}", "opensearchClientKeyFile: file"),
        ("opensearchProxyUrl = https://127.0.0.1:3128", "opensearchProxyUrl: https://127.0.0.1:3128: only http://"),
    ],
    ids=["key-alone", "missing-cert", "cert-without-its-key", "missing-key", "https-proxy"],
)
def test_bad_client_certificate_and_proxy_settings_are_refused_at_load(
    tmp_path: Path, extra: str, message: str
) -> None:
    from tests.mtls_front import client_pki

    pki = client_pki(tmp_path / "pki")
    names = {"missing": tmp_path / "none.pem", "cert": pki.cert, "key": pki.key}
    (tmp_path / "s.log").write_text(SAMPLE, encoding="utf-8")
    path = tmp_path / "eventgen.conf"
    path.write_text(conf("https://127.0.0.1:9200", extra.format(**names)), encoding="utf-8")
    for command in (["validate"], []):
        result = cli(*command, str(path))
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert result.stderr.startswith(f"eventgen: error: {path}: [s.log]: {message.format(**names)}"), result.stderr


def test_the_docs_example_runs_with_mutual_tls_through_the_proxy(
    tmp_path: Path, osmem: Osmem, front: MutualTlsFront, proxy: ConnectProxy
) -> None:
    block = next(b for b in fenced_blocks(ROOT / "docs/outputs.md") if b.key[1] == r"[audit\.log]")
    addresses = {
        "https://node1.example.com:9200": front.url,
        "http://proxy.example.com:3128": f"http://127.0.0.1:{proxy.port}",
    }
    text = block.text
    for shown, here in addresses.items():
        assert shown in text
        text = text.replace(shown, here)  # only the addresses change: the keys and files are the page's
    folder = tmp_path / "example"
    (folder / "tls").mkdir(parents=True)
    for name, source in (("ca.pem", front.server_cert), ("eventgen.pem", front.pki.cert)):
        (folder / "tls" / name).write_bytes(source.read_bytes())
    (folder / "tls" / "eventgen.key").write_bytes(front.pki.key.read_bytes())
    (folder / "audit.log").write_text(SAMPLE, encoding="utf-8")
    (folder / "eventgen.conf").write_text(text, encoding="utf-8")
    stats = folder / "stats.json"
    result = cli(
        "eventgen.conf", "-c", "20", "-e", "1", "--stats-json", str(stats), "--status-interval", "0", cwd=folder
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(stats.read_text())["total"]["sent"] == 20
    assert numbers(osmem, datetime.now(UTC).strftime("audit-%Y.%m.%d")) == list(range(20))
    assert {target for target, _ in proxy.tunnels} == {f"127.0.0.1:{front.port}"}
