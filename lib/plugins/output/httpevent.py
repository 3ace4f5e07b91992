"""`outputMode = httpevent`: Splunk HTTP Event Collector, batched, over persistent connections.

The worker formats each batch (`HecEvent`: one JSON envelope per event with time, host, source,
sourcetype, index; `HecRaw`: the events as lines, metadata in the query). Here the payload is cut into
requests of at most `httpeventMaxPayloadSize` bytes; a retried batch resumes after the requests that
were accepted, and nothing is counted twice. Delivery is at least once: a request whose
answer was lost, or (`httpeventUseAck`) whose indexer acknowledgement did not come, is sent again, and
its events count as `resent`.
"""

from __future__ import annotations

import http.client
import json
import logging
import ssl
import time
import uuid
import zlib
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from urllib.parse import urlencode

import numpy as np

from eventgen.plugin import (
    EventBatch,
    HecEvent,
    HecRaw,
    OutputError,
    OutputPlugin,
    PathKind,
    Payload,
    Setting,
    SettingError,
    at_least,
    choice,
    host_problem,
    parse_bool,
    parse_float,
    parse_int,
    port,
)

from ._checks import tls_problems
from ._net import tls_context

log = logging.getLogger(__name__)

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
            number_port = port(str(entry["port"]))
        except SettingError as exc:
            raise SettingError(f"servers[{number}].port: {exc}") from None
        problem = host_problem(str(entry["address"]).strip("[]"))
        if problem:
            raise SettingError(f"servers[{number}].address: {problem}")
        servers.append(Server(protocol, str(entry["address"]), number_port, str(entry["key"])))
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


@dataclass
class _Pending:
    """A request accepted by `target` whose ack is awaited."""

    target: int
    ack_id: int | None
    deadline: float  # monotonic time after which it is sent again
    resends: int = 0
    error: str = ""  # why the last resend failed


class HttpEventOutput(OutputPlugin):
    name = "httpevent"
    summary = "Splunk HEC: event or raw endpoint, batched requests, gzip, round-robin or mirrored servers."
    resumes = True  # tracks what each server accepted (and acknowledged) of a batch across retries
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
        Setting(
            "httpeventCaFile", default=None, doc="HTTPS: CA bundle (PEM) to verify servers with.", path=PathKind.TLS
        ),
        Setting("httpeventTimeout", at_least(parse_float, 0.1), "30", "Seconds to wait for a server's answer."),
        Setting(
            "httpeventRetries",
            at_least(parse_int, 0),
            None,
            "Attempts after a retryable failure (connection, 503 server busy, 5xx), and resends of an "
            "unacknowledged request (httpeventUseAck): overrides outputRetries for this output.",
        ),
        Setting(
            "httpeventUseAck",
            parse_bool,
            "false",
            "Indexer acknowledgement (the token's useACK): each accepted request's ackId is polled on "
            "/services/collector/ack until true; a batch waits for its acks. Unacknowledged requests are sent "
            "again (counted `resent`), then counted failed.",
        ),
        Setting(
            "httpeventAckTimeout",
            at_least(parse_float, 0.1),
            "60",
            "httpeventUseAck: seconds to wait for a request's ack before sending it again (httpeventRetries "
            "times, then it fails).",
        ),
        Setting(
            "httpeventAckPoll",
            at_least(parse_float, 0.01),
            "0.5",
            "httpeventUseAck: seconds between ack queries.",
        ),
        Setting(
            "httpeventWaitResponse",
            parse_bool,
            "true",
            "Accepted for compatibility: responses are always read (they decide sent or failed).",
        ),
    )

    @classmethod
    def check(cls, config) -> list[tuple[str, str]]:
        if not config.get("httpeventServers"):
            return [("httpeventServers", "outputMode = httpevent needs httpeventServers")]
        return tls_problems(config, "httpeventCaFile")

    def __init__(self, settings) -> None:
        super().__init__(settings)
        cfg = self.config
        self.servers: tuple[Server, ...] = cfg.get("httpeventServers") or ()
        self.mirror = cfg.get("httpeventOutputMode", "roundrobin") == "mirror"
        self.limit = int(cfg.get("httpeventMaxPayloadSize", 1000000))
        self.raw = cfg.get("httpeventEndpoint", "event") == "raw"
        self.gzip = bool(cfg.get("httpeventGzip"))
        self.timeout = float(cfg.get("httpeventTimeout", 30))
        self.use_ack = bool(cfg.get("httpeventUseAck"))
        self.ack_timeout = float(cfg.get("httpeventAckTimeout", 60))
        self.ack_poll = float(cfg.get("httpeventAckPoll", 0.5))
        self.ack_resends = self.policy.retries  # the output's retry count (httpeventRetries, else outputRetries)
        self.channels: dict[int, str] = {}  # server -> request channel
        self.no_ack: set[int] = set()  # servers that answered without an ackId (warned once)
        self.pinned: str | None = None  # `for_server`: the one server of a replay copy
        self._reposted = False  # the last `_post` sent its body twice (a kept-alive connection had closed)
        # the batch being sent, kept so a retry resumes it; its steps (request, server) are tracked in sets
        self.current: Payload | None = None
        self.finished = False
        self.done: set[tuple[int, int]] = set()  # accepted over HTTP
        self.held: set[tuple[int, int]] = set()  # accepted and (with acks) acknowledged
        self.acked_steps: set[tuple[int, int]] = set()
        self.uncertain: set[tuple[int, int]] = set()  # a failed attempt may have delivered it
        self.pending: dict[tuple[int, int], _Pending] = {}
        self.lost: dict[tuple[int, int], str] = {}  # given up unacknowledged, with the reason
        self.starts: list[int] = []
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
        bodies = [payload.piece(a, b) for a, b in pairwise(starts)]  # views: no copy
        path = payload.info.get("path", "/services/collector/event")
        return bodies, starts, [path] * len(bodies)

    # -- sending ----------------------------------------------------------------------------------
    def write(self, payload: Payload) -> list[int] | None:
        if not self.servers:
            raise OutputError("httpeventServers lists no server", retryable=False)
        if payload is not self.current or self.finished:
            self._reset(payload)
        bodies, starts, paths = self.bodies(payload)
        return self.send(bodies, starts, paths)

    def _reset(self, payload: Payload | None) -> None:
        """Forget the state of the previous batch (what each server accepted and holds, pending acks)."""
        self.current, self.finished = payload, False
        self.done = set()
        self.held = set()
        self.acked_steps = set()
        self.uncertain = set()
        self.pending = {}
        self.lost = {}
        self.starts = []

    def send(self, bodies: Sequence[bytes], starts: Sequence[int], paths: Sequence[str]) -> list[int] | None:
        """Send request `bodies` of the current batch (`starts`: the event index where each begins, plus the
        end); with acks on, wait until each is acknowledged or given up. Returns the indices of the events
        not held by every server (None when all are), or raises OutputError with `sent` = the leading
        events every server holds. A retry of the same batch resumes: accepted requests are not sent again.

        A step is (request number, server) in mirror mode and (request number, -1) in round-robin, where
        the server is whichever accepted it. `done`: accepted over HTTP; `held`: accepted and, with acks,
        acknowledged (or accepted by a server that gives no ackId)."""
        self.starts = list(starts)
        self.sent_bytes = sum(map(len, bodies))
        keys = self._keys()
        failing: dict[int, OutputError] = {}  # mirror: servers that failed in this attempt
        for number, (body, path) in enumerate(zip(bodies, paths, strict=True)):
            events = starts[number + 1] - starts[number]
            for key in keys:
                step = (number, key)
                if step in self.done or key in failing:
                    continue
                try:
                    if key < 0:
                        target, ack_id = self._send_roundrobin(body, path)
                    else:
                        target, ack_id = key, self._post(key, body, path)
                except OutputError as exc:
                    if getattr(exc, "maybe_received", False):
                        self.uncertain.add(step)
                    if not self.mirror:
                        raise self._failure(exc) from exc
                    failing[key] = exc
                    continue
                if step in self.uncertain or self._reposted:  # an earlier copy may have arrived
                    self.resent += events
                    self.uncertain.discard(step)
                self.done.add(step)
                self._accepted(step, target, ack_id)
        if failing:
            first = next(iter(failing.values()))
            more = f" (and {len(failing) - 1} more server(s))" if len(failing) > 1 else ""
            error = OutputError(f"{first}{more}", retryable=any(e.retryable for e in failing.values()))
            raise self._failure(error) from first
        if self.pending:
            self._await_acks(bodies, paths)
        self.finished = True
        missing = [n for n in range(len(bodies)) if not all((n, k) in self.held for k in keys)]
        self.acked = self._acked_events(len(bodies))
        if not missing:
            return None
        self.item_error = "; ".join(sorted(set(self.lost.values()))) or "not held by every server"
        return [i for n in missing for i in range(starts[n], starts[n + 1])]

    def _keys(self) -> list[int]:
        return list(range(len(self.servers))) if self.mirror else [-1]

    def _held_prefix(self) -> int:
        """Events at the start of the batch that every server holds."""
        keys, number = self._keys(), 0
        while number < len(self.starts) - 1 and all((number, k) in self.held for k in keys):
            number += 1
        return self.starts[number] if self.starts else 0

    def _acked_events(self, requests: int) -> int:
        keys = self._keys()
        return sum(
            self.starts[n + 1] - self.starts[n]
            for n in range(requests)
            if all((n, k) in self.acked_steps for k in keys)
        )

    def _failure(self, exc: OutputError) -> OutputError:
        """`exc` with `sent` set to the events known held (a retry resumes after what was accepted)."""
        exc.sent = self._held_prefix()
        number = self.starts.index(exc.sent) if exc.sent in self.starts else 0
        self.acked = self._acked_events(number)
        return exc

    def _accepted(self, step: tuple[int, int], target: int, ack_id: int | None) -> None:
        if self.use_ack and ack_id is not None:
            self.pending[step] = _Pending(target, ack_id, time.monotonic() + self.ack_timeout)
            return
        if self.use_ack and target not in self.no_ack:
            self.no_ack.add(target)
            log.warning(
                "HEC %s answered without an ackId: its token has no indexer acknowledgement (useACK); "
                "events it accepts count as sent, not acknowledged",
                self.servers[target].where,
            )
        self.held.add(step)

    def _await_acks(self, bodies: Sequence[bytes], paths: Sequence[str]) -> None:
        """Poll each server for the acks of the pending requests until all are acknowledged. A request not
        acknowledged within httpeventAckTimeout is sent again (a new ackId; its events count `resent`), up to
        httpeventRetries times; then it is given up (its events fail)."""
        while self.pending:
            time.sleep(self.ack_poll)
            by_target: dict[int, list[int]] = {}
            for p in self.pending.values():
                if p.ack_id is not None:
                    by_target.setdefault(p.target, []).append(p.ack_id)
            for target, ids in by_target.items():
                status = self._query_acks(target, ids)
                for step, p in list(self.pending.items()):
                    if p.target == target and p.ack_id is not None and status.get(p.ack_id) is True:
                        del self.pending[step]
                        self.held.add(step)
                        self.acked_steps.add(step)
            now = time.monotonic()
            for step, p in list(self.pending.items()):
                if now < p.deadline:
                    continue
                number, key = step
                if p.resends >= self.ack_resends:
                    where = self.servers[p.target].where
                    del self.pending[step]
                    self.lost[step] = (
                        f"HEC {where}: request(s) not acknowledged within {self.ack_timeout:g}s "
                        f"after {p.resends} resend(s)" + (f" (last resend failed: {p.error})" if p.error else "")
                    )
                    continue
                p.resends += 1
                try:
                    if key < 0:
                        target, ack_id = self._send_roundrobin(bodies[number], paths[number])
                    else:
                        target, ack_id = key, self._post(key, bodies[number], paths[number])
                except OutputError as exc:  # try again at the next poll, while resends last
                    p.ack_id, p.deadline, p.error = None, now, str(exc)
                    continue
                self.resent += self.starts[number + 1] - self.starts[number]
                p.target, p.ack_id, p.deadline, p.error = target, ack_id, time.monotonic() + self.ack_timeout, ""
                if ack_id is None:
                    del self.pending[step]
                    self._accepted(step, target, None)

    def _query_acks(self, target: int, ids: list[int]) -> dict[int, bool]:
        """`POST /services/collector/ack?channel=…` with `{"acks":[ids]}` → {ackId: acknowledged}; an
        unreachable server or a bad answer acknowledges nothing (the ack timeout decides)."""
        server = self.servers[target]
        channel = self._channel(target)
        headers = {
            "Authorization": f"Splunk {server.key}",
            "Content-Type": "application/json",
            "X-Splunk-Request-Channel": channel,
        }
        body = json.dumps({"acks": ids}).encode()
        try:
            status, answer, _ = self._request(
                target, f"/services/collector/ack?{urlencode({'channel': channel})}", body, headers
            )
            reply = json.loads(answer or b"{}")
            acks = reply.get("acks") if status == 200 and isinstance(reply, dict) else None
            if not isinstance(acks, dict):
                log.debug("HEC %s: ack query answered HTTP %s: %r", server.where, status, answer[:200])
                return {}
            return {int(k): v is True for k, v in acks.items()}
        except (OutputError, ValueError) as exc:
            log.debug("HEC %s: ack query failed: %s", server.where, exc)
            return {}

    def encoded_size(self, payload: Payload) -> int:
        return self.sent_bytes

    def spool_parts(self, batch: EventBatch, indices: list[int]) -> list[tuple[list[int], str | None]]:
        """Mirror mode: failed events go to one record per server lacking them (`server` set), so a replay
        sends each only where it is missing; events no server holds go to one record for all servers."""
        current = self.current.batch if self.current is not None else None
        if self.pinned or not self.mirror or batch is not current or not self.starts:
            return [(indices, self.pinned)]
        keys = self._keys()
        everyone: list[int] = []
        per_server: dict[int, list[int]] = {k: [] for k in keys}
        for i in indices:
            number = bisect_right(self.starts, i) - 1
            lacking = [k for k in keys if (number, k) not in self.held]
            if len(lacking) in (0, len(keys)):
                everyone.append(i)
            else:
                for k in lacking:
                    per_server[k].append(i)
        parts: list[tuple[list[int], str | None]] = [(everyone, None)] if everyone else []
        parts.extend((part, self.servers[k].where) for k, part in per_server.items() if part)
        return parts

    def for_server(self, server: str) -> HttpEventOutput | None:
        for entry in self.servers:
            if entry.where == server:
                clone = type(self)(self.config)
                clone.servers, clone.mirror, clone.pinned = (entry,), False, server
                clone.stop_event = self.stop_event
                return clone
        return None

    def _send_roundrobin(self, body: bytes, path: str) -> tuple[int, int | None]:
        """Post to the next server; on a retryable failure try each other server once. Returns the server
        that accepted and its ackId."""
        first_error: OutputError | None = None
        maybe = False  # a server that failed may have received it
        for _ in range(len(self.servers)):
            target = self.next_server
            self.next_server = (self.next_server + 1) % len(self.servers)
            try:
                ack_id = self._post(target, body, path)
                self._reposted = self._reposted or maybe
                return target, ack_id
            except OutputError as exc:
                maybe = maybe or getattr(exc, "maybe_received", False)
                if not exc.retryable:
                    raise
                first_error = first_error or exc
        assert first_error is not None
        raise first_error

    def _channel(self, target: int) -> str:
        """The request channel of a server: one per server for the output's life (ackIds are per channel)."""
        channel = self.channels.get(target)
        if channel is None:
            channel = self.channels[target] = str(uuid.uuid4())
        return channel

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

    def _post(self, target: int, body: bytes, path: str) -> int | None:
        """Send one request body; returns its ackId (None when the server gives none), raises OutputError.
        The OutputError has `maybe_received` when the body was sent and the answer lost."""
        server = self.servers[target]
        headers = {
            "Authorization": f"Splunk {server.key}",
            "Content-Type": "application/json",
            "X-Splunk-Request-Channel": self._channel(target),
        }
        if self.gzip:
            packer = zlib.compressobj(1, zlib.DEFLATED, 31)
            body = packer.compress(body) + packer.flush()
            headers["Content-Encoding"] = "gzip"
        status, answer, reposted = self._request(target, path, body, headers)
        reply = self._check(server, status, answer)
        self._reposted = reposted  # the first copy may have arrived before the connection dropped
        ack_id = reply.get("ackId")
        return ack_id if isinstance(ack_id, int) and not isinstance(ack_id, bool) else None

    def _request(self, target: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, bool]:
        """POST over the server's kept-alive connection: (status, answer, re-posted). A kept-alive connection
        the server had closed is re-opened and the request posted once more (re-posted: True)."""
        server = self.servers[target]
        for attempt in (0, 1):
            conn = self._connection(target)
            reused = self.used[target] > 0
            posted = False
            try:
                conn.request("POST", path, body, headers)
                posted = True
                response = conn.getresponse()
                answer = response.read()
                self.used[target] += 1
                if response.will_close:
                    conn.close()
                return response.status, answer, attempt > 0
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                conn.close()
                self.conns.pop(target, None)
                if reused and attempt == 0:
                    continue  # a kept-alive connection the server had closed: once more on a fresh one
                raise self._lost(OutputError(f"HEC {server.where}: connection lost: {exc}"), posted) from exc
            except TimeoutError as exc:
                conn.close()
                self.conns.pop(target, None)
                error = OutputError(f"HEC {server.where}: no answer within {self.timeout:g}s")
                raise self._lost(error, posted) from exc
            except ssl.SSLCertVerificationError as exc:
                conn.close()
                self.conns.pop(target, None)
                raise OutputError(
                    f"HEC {server.where}: certificate rejected: {exc.verify_message}", retryable=False
                ) from exc
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                self.conns.pop(target, None)
                error = OutputError(f"HEC {server.where}: {getattr(exc, 'strerror', None) or exc}")
                raise self._lost(error, posted) from exc
        raise AssertionError("unreachable")

    @staticmethod
    def _lost(error: OutputError, posted: bool) -> OutputError:
        error.maybe_received = posted  # type: ignore[attr-defined]
        return error

    @staticmethod
    def _check(server: Server, status: int, answer: bytes) -> dict:
        """Success is HTTP 200 with HEC code 0 (returns the answer); decide what a failure means."""
        try:
            reply = json.loads(answer or b"{}")
        except ValueError:
            reply = {}
        if not isinstance(reply, dict):
            reply = {}
        code = reply.get("code")
        text = reply.get("text", "")
        if status == 200 and code in (0, None):
            return reply
        detail = f"HEC {server.where} answered HTTP {status}" + (f" code {code} ({text})" if code is not None else "")
        if status in (401, 403) or code in TOKEN_CODES:
            raise HecRejected(f"{detail}: the token (key in httpeventServers) was refused", retryable=False)
        if status == 503 or code == 9 or status == 429 or status >= 500:
            raise OutputError(f"{detail}: will retry")
        raise HecRejected(detail, retryable=False)
