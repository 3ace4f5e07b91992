"""`outputMode = httpevent`: Splunk HTTP Event Collector, batched, over persistent connections.

The worker formats each batch (`HecEvent`: one JSON envelope per event with time, host, source,
sourcetype, index; `HecRaw`: the events as lines, metadata in the query). Here the payload is cut
into requests of at most `httpeventMaxPayloadSize` bytes; a retried batch resumes after the requests
that were accepted.
"""

from __future__ import annotations

import http.client
import json
import ssl
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from eventgen.plugin import (
    EventBatch,
    HecEvent,
    HecRaw,
    OutputError,
    OutputPlugin,
    Payload,
    Setting,
    SettingError,
    at_least,
    choice,
    parse_bool,
    parse_float,
    parse_int,
)

from ._net import tls_context

TOKEN_CODES = {2: "token disabled", 3: "token is required", 4: "invalid token", 1: "token disabled"}


@dataclass(frozen=True)
class Server:
    protocol: str
    address: str
    port: int
    key: str

    @property
    def where(self) -> str:
        return f"{self.protocol}://{self.address}:{self.port}"


def parse_servers(text: str) -> tuple[Server, ...]:
    """`{"servers":[{"protocol":"https","address":"host","port":8088,"key":"TOKEN"}, ...]}`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SettingError(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    entries = data.get("servers") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise SettingError('expected {"servers": [{"protocol", "address", "port", "key"}, ...]}')
    servers = []
    for number, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise SettingError(f"servers[{number}] is not an object")
        missing = [k for k in ("address", "port", "key") if k not in entry]
        if missing:
            raise SettingError(f"servers[{number}] lacks {', '.join(missing)}")
        protocol = str(entry.get("protocol", "https")).lower()
        if protocol not in ("http", "https"):
            raise SettingError(f"servers[{number}].protocol must be http or https, got {protocol!r}")
        try:
            port = int(entry["port"])
        except (TypeError, ValueError):
            raise SettingError(f"servers[{number}].port is not a number: {entry['port']!r}") from None
        servers.append(Server(protocol, str(entry["address"]), port, str(entry["key"])))
    return tuple(servers)


parse_servers.__name__ = "parse_json"


def chunk_bounds(sizes: Sequence[int] | np.ndarray, limit: int) -> list[int]:
    """Split items with byte `sizes` into runs of at most `limit` bytes (an oversized item alone):
    returns the start index of each run and, last, len(sizes). One search per run, not per item."""
    ends = np.concatenate(([0], np.cumsum(np.asarray(sizes, dtype=np.int64))))
    count = len(ends) - 1
    if count == 0:
        return [0, 0]
    starts = [0]
    while starts[-1] < count:
        a = starts[-1]
        b = int(np.searchsorted(ends, ends[a] + limit, side="right")) - 1
        starts.append(max(b, a + 1))
    return starts


class HecRejected(OutputError):
    pass


class HttpEventOutput(OutputPlugin):
    name = "httpevent"
    summary = "Splunk HEC: event or raw endpoint, batched requests, gzip, round-robin or mirrored servers."
    retries = 3
    settings = (
        Setting(
            "httpeventServers",
            parse_servers,
            None,
            'HEC servers as JSON: {"servers":[{"protocol":"https","address":"hec.example.com","port":8088,'
            '"key":"TOKEN"}]}. `key` is the HEC token.',
        ),
        Setting(
            "httpeventOutputMode",
            choice("roundrobin", "mirror"),
            "roundrobin",
            "`roundrobin`: each request to the next server (failing over to the others); `mirror`: every "
            "request to every server (an event counts as sent when all servers accepted it).",
        ),
        Setting(
            "httpeventMaxPayloadSize",
            at_least(parse_int, 1024),
            "1000000",
            "Largest request body in bytes before compression (the reference defaults to 10000).",
        ),
        Setting(
            "httpeventEndpoint",
            choice("event", "raw"),
            "event",
            "`event`: /services/collector/event with JSON envelopes; `raw`: /services/collector/raw, "
            "events as lines with host/source/sourcetype/index of the batch in the query.",
        ),
        Setting("httpeventGzip", parse_bool, "false", "Send bodies gzip-compressed (Content-Encoding: gzip)."),
        Setting("httpeventVerify", parse_bool, "true", "HTTPS: verify the server's certificate and host name."),
        Setting("httpeventCaFile", default=None, doc="HTTPS: CA bundle (PEM) to verify servers with."),
        Setting("httpeventTimeout", at_least(parse_float, 0.1), "30", "Seconds to wait for a server's answer."),
        Setting(
            "httpeventRetries",
            at_least(parse_int, 0),
            "3",
            "Attempts after a retryable failure (connection, 503 server busy, 5xx), with backoff.",
        ),
        Setting(
            "httpeventWaitResponse",
            parse_bool,
            "true",
            "Accepted for compatibility: responses are always read (they decide sent or failed).",
        ),
    )

    @classmethod
    def validate(cls, sample) -> list[tuple[str, str]]:
        if not sample.settings.get("httpeventServers"):
            return [("httpeventServers", "outputMode = httpevent needs httpeventServers")]
        return []

    def __init__(self, settings) -> None:
        super().__init__(settings)
        cfg = self.config
        self.servers: tuple[Server, ...] = cfg.get("httpeventServers") or ()
        self.mirror = cfg.get("httpeventOutputMode", "roundrobin") == "mirror"
        self.limit = int(cfg.get("httpeventMaxPayloadSize", 1000000))
        self.raw = cfg.get("httpeventEndpoint", "event") == "raw"
        self.gzip = bool(cfg.get("httpeventGzip"))
        self.timeout = float(cfg.get("httpeventTimeout", 30))
        self.channel = str(uuid.uuid4())
        self.current: EventBatch | None = None  # the batch being sent, kept so a retry resumes it
        self.done: set[tuple[int, int]] = set()  # (request, server) accepted for the current batch
        self.sent_bytes = 0
        self.next_server = 0
        self.conns: dict[int, http.client.HTTPConnection] = {}
        self.used: dict[int, int] = {}

    def open(self) -> None:
        if any(s.protocol == "https" for s in self.servers):
            self.tls = tls_context(bool(self.config.get("httpeventVerify", True)), self.config.get("httpeventCaFile"))

    def close(self) -> None:
        for conn in self.conns.values():
            conn.close()
        self.conns.clear()

    # -- bodies -----------------------------------------------------------------------------------
    def formatter(self) -> HecEvent | HecRaw:
        return (HecRaw if self.raw else HecEvent)(self.event_text())

    def bodies(self, payload: Payload) -> tuple[list[bytes], list[int], list[str]]:
        """Request bodies of at most `httpeventMaxPayloadSize` bytes (an oversized event alone), the
        event index where each starts (plus the end), and each one's path."""
        starts = chunk_bounds(np.diff(payload.bounds), self.limit)
        bodies = [bytes(payload.piece(a, b)) for a, b in pairwise(starts)]
        path = payload.info.get("path", "/services/collector/event")
        return bodies, starts, [path] * len(bodies)

    # -- sending ----------------------------------------------------------------------------------
    def write(self, payload: Payload) -> None:
        if not self.servers:
            raise OutputError("httpeventServers lists no server", retryable=False)
        if payload.batch is not self.current:
            self.current, self.done = payload.batch, set()
        bodies, starts, paths = self.bodies(payload)
        self.sent_bytes = sum(map(len, bodies))
        targets: list[int | None] = list(range(len(self.servers))) if self.mirror else [None]
        for number, (body, path) in enumerate(zip(bodies, paths, strict=True)):
            for target in targets:
                step = (payload.offset + starts[number], -1 if target is None else target)
                if step in self.done:
                    continue
                try:
                    if target is None:
                        self._send_roundrobin(body, path)
                    else:
                        self._post(target, body, path)
                except OutputError as exc:
                    exc.sent = starts[number]
                    raise
                self.done.add(step)
        self.current, self.done = None, set()

    def encoded_size(self, payload: Payload) -> int:
        return self.sent_bytes

    def _send_roundrobin(self, body: bytes, path: str) -> None:
        """Post to the next server; on a retryable failure try each other server once."""
        first_error: OutputError | None = None
        for _ in range(len(self.servers)):
            target = self.next_server
            self.next_server = (self.next_server + 1) % len(self.servers)
            try:
                self._post(target, body, path)
                return
            except OutputError as exc:
                if not exc.retryable:
                    raise
                first_error = first_error or exc
        assert first_error is not None
        raise first_error

    def _connection(self, target: int) -> http.client.HTTPConnection:
        conn = self.conns.get(target)
        if conn is None:
            server = self.servers[target]
            if server.protocol == "https":
                conn = http.client.HTTPSConnection(server.address, server.port, timeout=self.timeout, context=self.tls)
            else:
                conn = http.client.HTTPConnection(server.address, server.port, timeout=self.timeout)
            self.conns[target] = conn
            self.used[target] = 0
        return conn

    def _post(self, target: int, body: bytes, path: str) -> None:
        server = self.servers[target]
        headers = {
            "Authorization": f"Splunk {server.key}",
            "Content-Type": "application/json",
            "X-Splunk-Request-Channel": self.channel,
        }
        if self.gzip:
            packer = zlib.compressobj(1, zlib.DEFLATED, 31)
            body = packer.compress(body) + packer.flush()
            headers["Content-Encoding"] = "gzip"
        for attempt in (0, 1):
            conn = self._connection(target)
            reused = self.used[target] > 0
            try:
                conn.request("POST", path, body, headers)
                response = conn.getresponse()
                answer = response.read()
                self.used[target] += 1
                if response.will_close:
                    conn.close()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                conn.close()
                self.conns.pop(target, None)
                if reused and attempt == 0:
                    continue  # a kept-alive connection the server had closed: once more on a fresh one
                raise OutputError(f"HEC {server.where}: connection lost: {exc}") from exc
            except TimeoutError as exc:
                conn.close()
                self.conns.pop(target, None)
                raise OutputError(f"HEC {server.where}: no answer within {self.timeout:g}s") from exc
            except ssl.SSLCertVerificationError as exc:
                conn.close()
                self.conns.pop(target, None)
                raise OutputError(
                    f"HEC {server.where}: certificate rejected: {exc.verify_message}", retryable=False
                ) from exc
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                self.conns.pop(target, None)
                raise OutputError(f"HEC {server.where}: {getattr(exc, 'strerror', None) or exc}") from exc
        self._check(server, response.status, answer)

    @staticmethod
    def _check(server: Server, status: int, answer: bytes) -> None:
        """Success is HTTP 200 with HEC code 0; decide what a failure means."""
        try:
            reply = json.loads(answer or b"{}")
        except ValueError:
            reply = {}
        code = reply.get("code") if isinstance(reply, dict) else None
        text = reply.get("text", "") if isinstance(reply, dict) else ""
        if status == 200 and code in (0, None):
            return
        detail = f"HEC {server.where} answered HTTP {status}" + (f" code {code} ({text})" if code is not None else "")
        if status in (401, 403) or code in TOKEN_CODES:
            raise HecRejected(f"{detail}: the token (key in httpeventServers) was refused", retryable=False)
        if status == 503 or code == 9 or status == 429 or status >= 500:
            raise OutputError(f"{detail}: will retry")
        raise HecRejected(detail, retryable=False)
