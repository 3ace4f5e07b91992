"""Posting HEC requests: one kept-alive connection per server, a request channel per server for the output's life
(ackIds are per channel), round-robin with fail-over, and ack queries. Every failure is an OutputError that says
whether a retry may help and whether the body may have arrived."""

from __future__ import annotations

import http.client
import json
import logging
import ssl
import uuid
from urllib.parse import urlencode

from eventgen.plugin import OutputError

from .config import Server
from .encoder import ACK_PATH, Encoder, headers
from .response import RequestFailed, accepted

log = logging.getLogger("eventgen_plugins.output.httpevent")


class HecService:
    """Sends request bodies to `servers` (a pinned copy of the output has one)."""

    def __init__(self, servers: tuple[Server, ...], timeout: float, encoder: Encoder):
        self.servers = servers
        self.timeout = timeout
        self.encoder = encoder
        self.tls: ssl.SSLContext | None = None
        self.channels: dict[int, str] = {}  # server -> request channel
        self.conns: dict[int, http.client.HTTPConnection] = {}
        self.used: dict[int, int] = {}  # requests answered on each server's current connection
        self.next_server = 0

    def close(self) -> None:
        for conn in self.conns.values():
            conn.close()
        self.conns.clear()

    def where(self, target: int) -> str:
        return self.servers[target].where

    def channel(self, target: int) -> str:
        """The request channel of a server: one per server for the output's life (ackIds are per channel)."""
        channel = self.channels.get(target)
        if channel is None:
            channel = self.channels[target] = str(uuid.uuid4())
        return channel

    def send(self, key: int, body: bytes | memoryview, path: str) -> tuple[int, int | None, bool]:
        """Post to server `key`, or (`key` < 0) round-robin: (the server that accepted, its ackId, whether an earlier
        copy may have arrived)."""
        if key < 0:
            return self.post_roundrobin(body, path)
        return (key, *self.post(key, body, path))

    def post_roundrobin(self, body: bytes | memoryview, path: str) -> tuple[int, int | None, bool]:
        """Post to the next server; on a retryable failure try each other server once. Returns the server that
        accepted, its ackId, and whether an earlier copy may have arrived (a server that failed may have read it)."""
        first_error: OutputError | None = None
        maybe = False
        for _ in range(len(self.servers)):
            target = self.next_server
            self.next_server = (self.next_server + 1) % len(self.servers)
            try:
                ack_id, reposted = self.post(target, body, path)
                return target, ack_id, reposted or maybe
            except OutputError as exc:
                maybe = maybe or getattr(exc, "maybe_received", False)
                if not exc.retryable:
                    raise
                first_error = first_error or exc
        assert first_error is not None
        raise first_error

    def post(self, target: int, body: bytes | memoryview, path: str) -> tuple[int | None, bool]:
        """Send one request body; returns its ackId (None when the server gives none) and whether it was posted twice
        (a kept-alive connection had closed: the first copy may have arrived). Raises OutputError (RequestFailed
        with `maybe_received` when the body was sent and the answer lost)."""
        server = self.servers[target]
        data, named = self.encoder.request(server, self.channel(target), body)
        status, answer, reposted = self._request(target, path, data, named)
        ack_id = accepted(server, status, answer).get("ackId")
        return (ack_id if isinstance(ack_id, int) and not isinstance(ack_id, bool) else None), reposted

    def query_acks(self, target: int, ids: list[int]) -> dict[int, bool]:
        """`POST /services/collector/ack?channel=…` with `{"acks":[ids]}` → {ackId: acknowledged}; an unreachable
        server or a bad answer acknowledges nothing (the ack timeout decides)."""
        server, channel = self.servers[target], self.channel(target)
        body = json.dumps({"acks": ids}).encode()
        try:
            status, answer, _ = self._request(
                target, f"{ACK_PATH}?{urlencode({'channel': channel})}", body, headers(server, channel)
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

    def _drop(self, target: int) -> None:
        conn = self.conns.pop(target, None)
        if conn is not None:
            conn.close()

    def _request(
        self, target: int, path: str, body: bytes | memoryview, named: dict[str, str]
    ) -> tuple[int, bytes, bool]:
        """POST over the server's kept-alive connection: (status, answer, re-posted). A kept-alive connection the
        server had closed is re-opened and the request posted once more (re-posted: True)."""
        where = self.servers[target].where
        for attempt in (0, 1):
            conn = self._connection(target)
            reused = self.used[target] > 0
            posted = False
            try:
                conn.request("POST", path, body, named)
                posted = True
                response = conn.getresponse()
                answer = response.read()
                self.used[target] += 1
                if response.will_close:
                    conn.close()
                return response.status, answer, attempt > 0
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self._drop(target)
                if reused and attempt == 0:
                    continue  # a kept-alive connection the server had closed: once more on a fresh one
                raise RequestFailed(f"HEC {where}: connection lost: {exc}", posted) from exc
            except TimeoutError as exc:
                self._drop(target)
                raise RequestFailed(f"HEC {where}: no answer within {self.timeout:g}s", posted) from exc
            except ssl.SSLCertVerificationError as exc:
                self._drop(target)
                message = f"HEC {where}: certificate rejected: {exc.verify_message}"
                raise RequestFailed(message, retryable=False) from exc
            except (OSError, http.client.HTTPException) as exc:
                self._drop(target)
                raise RequestFailed(f"HEC {where}: {getattr(exc, 'strerror', None) or exc}", posted) from exc
        raise AssertionError("unreachable")
