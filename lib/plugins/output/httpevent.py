"""`outputMode = httpevent`: Splunk HTTP Event Collector, batched, over persistent connections.

`/services/collector/event`: one JSON envelope per event (time, host, source, sourcetype, index,
event), concatenated; `/services/collector/raw`: the events as lines, metadata in the query. A batch
is split into requests of at most `httpeventMaxPayloadSize` bytes; a retried batch resumes after the
requests that were accepted, so nothing is sent twice and nothing is counted twice.
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
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from urllib.parse import urlencode

import numpy as np

from eventgen.plugin import (
    EventBatch,
    OutputError,
    OutputPlugin,
    Setting,
    SettingError,
    at_least,
    choice,
    parse_bool,
    parse_float,
    parse_int,
)

from ._net import line_bounds, tls_context

META = ("host", "source", "sourcetype", "index")
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


_MILLIS = ["%03d" % i for i in range(1000)]


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
    def bodies(self, batch: EventBatch) -> tuple[list[bytes], list[int], list[str]]:
        """Request bodies, the event index where each starts (plus the end), and each one's path."""
        if self.raw:
            payload = batch.payload()
            bounds = line_bounds(batch.events, len(payload) == len(batch.text()))
            sizes = [bounds[i + 1] - bounds[i] for i in range(len(batch))]
            starts = chunk_bounds(sizes, self.limit)
            query = urlencode({k: batch.meta[k] for k in META if batch.meta.get(k)})
            path = "/services/collector/raw" + (f"?{query}" if query else "")
            view = memoryview(payload)
            bodies = [bytes(view[bounds[a] : bounds[b]]) for a, b in pairwise(starts)]
            return bodies, starts, [path] * len(bodies)
        template, columns = self.envelope_parts(batch)
        fields = len(columns)
        base = len(template % (("",) * fields)) + 1  # an envelope's fixed bytes, plus its newline
        sizes = base + sum(np.fromiter(map(len, column), dtype=np.int64, count=len(batch)) for column in columns)
        starts = chunk_bounds(sizes, self.limit)
        flat: list[str] = [""] * (fields * len(batch))
        for k, column in enumerate(columns):
            flat[k::fields] = column
        line = template + "\n"
        bodies = [((line * (b - a)) % tuple(flat[a * fields : b * fields]))[:-1].encode() for a, b in pairwise(starts)]
        return bodies, starts, ["/services/collector/event"] * len(bodies)

    @classmethod
    def envelopes(cls, batch: EventBatch) -> list[str]:
        """One `{"time":…,"host":…,…,"event":"…"}` per event (what `bodies` joins into requests)."""
        template, columns = cls.envelope_parts(batch)
        return list(map(template.__mod__, zip(*columns, strict=True)))

    @staticmethod
    def envelope_parts(batch: EventBatch) -> tuple[str, list[list[str]]]:
        """A `%`-template for one envelope and its per-event value columns (time seconds, milliseconds,
        per-event metadata, JSON-escaped event). ASCII-only, so lengths are byte counts."""
        total = np.rint(np.asarray(batch.times, dtype=np.float64) * 1000).astype(np.int64)
        seconds = total // 1000
        millis = (total - seconds * 1000).tolist()
        columns = [list(map(str, seconds.tolist())), list(map(_MILLIS.__getitem__, millis))]
        per_event = [k for k in META if k in batch.columns]
        fixed = "".join(
            f'"{k}":{encode_basestring_ascii(batch.meta[k])},' for k in META if k not in per_event and batch.meta.get(k)
        ).replace("%", "%%")
        varying = "%s" if per_event else ""
        if per_event:
            columns.append(
                [
                    "".join(f'"{k}":{encode_basestring_ascii(v)},' for k, v in zip(per_event, values, strict=True) if v)
                    for values in zip(*(batch.columns[k] for k in per_event), strict=True)
                ]
            )
        columns.append(list(map(encode_basestring_ascii, batch.events)))
        return '{"time":%s.%s,' + fixed + varying + '"event":%s}', columns

    # -- sending ----------------------------------------------------------------------------------
    def write(self, batch: EventBatch) -> None:
        if not self.servers:
            raise OutputError("httpeventServers lists no server", retryable=False)
        if batch is not self.current:
            self.current, self.done = batch, set()
        bodies, starts, paths = self.bodies(batch)
        self.sent_bytes = sum(map(len, bodies))
        targets: list[int | None] = list(range(len(self.servers))) if self.mirror else [None]
        for number, (body, path) in enumerate(zip(bodies, paths, strict=True)):
            for target in targets:
                step = (number, -1 if target is None else target)
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

    def encoded_size(self, batch: EventBatch) -> int:
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
