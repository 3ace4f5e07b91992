"""The corpus's Eventum project (tests/corpus/eventum/webstore: macros imported from the project folder, faker,
mimesis, weighted choices, `| random`, a CSV sample, and every output parameter published projects set) run by the
CLI against real receivers on loopback: stdout, a file, a TCP and a UDP listener, an HTTP server behind a CONNECT
proxy, ClickHouse (chdb) behind the same proxy, and a Kafka broker (tansu). Each receives the same 12 events."""

from __future__ import annotations

import base64
import json
import socket
import stat
import threading

import pytest

from tests.conftest import ROOT, cli
from tests.connect_proxy import ConnectProxy
from tests.e2e.test_eventum_outputs_compat import Recorder

PROJECT = ROOT / "tests" / "corpus" / "eventum" / "webstore" / "generator.yml"
SHOP = "Café Ünïcode"
EVENTS = 12
COLUMNS = (
    "seq UInt32, `@timestamp` String, kind String, shop String, tags Array(String), user String, email String, "
    "product String, price Float64, status String, region String, channel String, result String"
)


class TcpReceiver:
    """Accepts connections on a free loopback port and keeps every byte received."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.data = bytearray()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                while chunk := conn.recv(65536):
                    self.data += chunk


@pytest.fixture
def clickhouse():
    from tests.clickhouse_server import ClickHouseServer

    server = ClickHouseServer().start()
    server.query(f"CREATE TABLE default.shop_events ({COLUMNS}) ENGINE = MergeTree ORDER BY seq")
    yield server
    server.stop()


def test_the_webstore_project_reaches_every_receiver_the_same(tmp_path, tansu, clickhouse):
    tansu.create_topic("shop-events")
    tcp, recorder, proxy = TcpReceiver(), Recorder(), ConnectProxy().start()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(10)
    params = {
        "shop": SHOP, "out": str(tmp_path / "out"), "tcp_port": tcp.port, "udp_port": udp.getsockname()[1],
        "http_port": recorder.port, "proxy_port": proxy.port, "clickhouse_port": clickhouse.port,
        "kafka_port": int(tansu.bootstrap.rsplit(":", 1)[1]),
    }  # fmt: skip
    try:
        result = cli(
            str(PROJECT),
            "--sample-mode",
            "--seed",
            "7",
            "--params",
            json.dumps(params),
            "--stats-json",
            str(tmp_path / "stats.json"),
            env={"EVENTUM_SECRET_http_password": "pa55"},
        )
        assert result.returncode == 0, result.stderr
        datagrams = [udp.recv(65536) for _ in range(EVENTS)]
    finally:
        recorder.close()
        proxy.stop()
        udp.close()
        tcp.sock.close()

    # stdout: the template's own text, one line each
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["seq"] for e in events] == list(range(1, EVENTS + 1))
    stamps = [e["@timestamp"] for e in events]
    assert stamps == [f"2024-03-01T12:00:{s:02d}+00:00" for s in range(0, 60, 5)]
    assert {e["kind"] for e in events} == {"order", "login"}
    assert all(e["shop"] == SHOP and e["tags"] == ["shop", "eu"] for e in events)
    assert len({e["user"] for e in events}) > 6 and all("@" in e["email"] for e in events)  # faker, mimesis
    orders = [e for e in events if e["kind"] == "order"]
    assert {(o["product"], o["price"]) for o in orders} <= {
        ("espresso cup", 7.5), ("french press", 34), ("grinder", 89.9), ("filter papers", 4.2)
    }  # fmt: skip
    assert all(o["status"] in ("paid", "pending", "failed") and o["region"] in ("eu", "us", "apac") for o in orders)
    env = {"EVENTUM_SECRET_http_password": "pa55"}
    again = cli("preview", str(PROJECT), "-n", str(EVENTS), "--seed", "7", "--params", json.dumps(params), env=env)
    assert again.stdout.splitlines()[1:] == result.stdout.splitlines()  # the seed repeats faker, mimesis, picks

    # file: \r\n after each event, latin-1 bytes, mode 0600
    log = tmp_path / "out" / "events.log"
    raw = log.read_bytes()
    assert raw.count(b"\r\n") == EVENTS and raw.endswith(b"\r\n")
    assert [json.loads(line) for line in raw.decode("latin-1").split("\r\n")[:-1]] == events
    assert SHOP.encode("latin-1") in raw and SHOP.encode("utf-8") not in raw
    assert stat.S_IMODE(log.stat().st_mode) == 0o600

    # tcp (formatter json, compact) and udp (one datagram each, the separator after it)
    assert [json.loads(line) for line in tcp.data.decode().splitlines()] == events
    assert all(d.endswith(b"\n") and d.count(b"\n") == 1 for d in datagrams)
    assert [json.loads(d) for d in datagrams] == events

    # http: the first through the proxy with its auth and header; the second straight, with neither
    by_path = {path: (headers, body) for path, headers, body in recorder.requests}
    assert sorted(by_path) == ["/audit", "/ingest"]
    ingest_headers, ingest_body = by_path["/ingest"]
    assert ingest_headers["Authorization"] == "Basic " + base64.b64encode(b"shop:pa55").decode()
    assert ingest_headers["X-Tenant"] == "webstore"
    assert json.loads(ingest_body) == events
    audit_headers, audit_body = by_path["/audit"]
    assert "Authorization" not in audit_headers and "X-Tenant" not in audit_headers
    assert [json.loads(line.removeprefix("AUDIT ")) for line in audit_body.decode().splitlines()] == events
    tunnels = sorted(target for target, _ in proxy.tunnels)
    assert tunnels == sorted([f"127.0.0.1:{recorder.port}", f"127.0.0.1:{clickhouse.port}"])

    # clickhouse through the proxy, kafka with the mapped properties
    rows = clickhouse.rows("SELECT seq, kind, shop, user FROM default.shop_events ORDER BY seq")
    assert rows == [{"seq": e["seq"], "kind": e["kind"], "shop": SHOP, "user": e["user"]} for e in events]
    records = tansu.read("shop-events", EVENTS)
    assert sorted((json.loads(r.value) for r in records), key=lambda e: e["seq"]) == events

    summary = json.loads((tmp_path / "stats.json").read_text())
    sent = {row["output"]: (row["generated"], row["sent"], row["failed"]) for row in summary["rows"]}
    outputs = ("stdout", "file", "tcpout", "udpout", "http", "http#5", "clickhouse", "kafka")
    assert sent == dict.fromkeys(outputs, (EVENTS, EVENTS, 0))


def test_the_corpus_project_validates_and_names_its_files(tmp_path):
    params = {"shop": SHOP, "out": str(tmp_path)} | dict.fromkeys(
        ("tcp_port", "udp_port", "http_port", "proxy_port", "clickhouse_port", "kafka_port"), 9
    )
    result = cli("validate", str(PROJECT), "--params", json.dumps(params), env={"EVENTUM_SECRET_http_password": "x"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"{PROJECT}: OK, 1 sample(s), 0 warning(s)"
