"""A Splunk HEC receiver for tests: checks the token, parses /services/collector/event (concatenated
JSON envelopes, gzip) and /services/collector/raw, answers HEC codes, and records what it accepted.

It can be stopped and started again on the same port (keeping what it recorded), made busy (503,
code 9) for the next N requests, or slow. An accepted request is recorded and answered under one
lock that `stop` also takes, so every request is either recorded and answered, or neither.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.json_http import JsonHttpServer

SUCCESS = (200, {"text": "Success", "code": 0})
TOKEN_REQUIRED = (401, {"text": "Token is required", "code": 2})
INVALID_AUTH = (401, {"text": "Invalid authorization", "code": 3})
INVALID_TOKEN = (403, {"text": "Invalid token", "code": 4})
NO_DATA = (400, {"text": "No data", "code": 5})
BUSY = (503, {"text": "Server is busy", "code": 9})


def parse_envelopes(text: str) -> list[dict[str, Any]]:
    """Concatenated JSON objects (whitespace between them allowed), as HEC accepts them."""
    decoder = json.JSONDecoder()
    items, pos, end = [], 0, len(text)
    while True:
        while pos < end and text[pos] in " \t\r\n":
            pos += 1
        if pos == end:
            return items
        item, pos = decoder.raw_decode(text, pos)
        items.append(item)


@dataclass
class Received:
    """Everything accepted so far (kept across restarts)."""

    events: list[dict[str, Any]] = field(default_factory=list)  # envelopes (raw: {"event", "query"})
    requests: int = 0  # accepted requests
    refused: int = 0  # requests answered with an error
    gzip_requests: int = 0
    sizes: list[int] = field(default_factory=list)  # body bytes (decompressed) of accepted requests
    auth_headers: set[str] = field(default_factory=set)


class HecReceiver(JsonHttpServer):
    def __init__(
        self, token: str = "00000000-0000-0000-0000-000000000000", port: int = 0, tls: tuple[str, str] | None = None
    ):
        super().__init__()
        self.token = token
        self.port = port
        self.tls = tls
        self.received = Received()
        self.busy_next = 0  # answer this many coming requests with 503 / code 9
        self._size = 0

    @property
    def protocol(self) -> str:
        return "https" if self.tls else "http"

    @property
    def url(self) -> str:
        return f"{self.protocol}://127.0.0.1:{self.port}"

    def servers_json(self, token: str | None = None, copies: int = 1) -> str:
        one = {"protocol": self.protocol, "address": "127.0.0.1", "port": self.port, "key": token or self.token}
        return json.dumps({"servers": [one] * copies})

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.received.events

    @property
    def delay(self) -> float:
        return self.answer_delay

    @delay.setter
    def delay(self, seconds: float) -> None:
        self.answer_delay = seconds

    def answer(self, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        status, reply, accepted = self._judge(path, headers, body)
        if accepted is not None:
            self.received.events.extend(accepted)
            self.received.requests += 1
            self.received.sizes.append(self._size)
        else:
            self.received.refused += 1
        return status, reply

    def _judge(self, path: str, headers: Any, body: bytes) -> tuple[int, dict, list | None]:
        auth = headers.get("Authorization")
        if auth:
            self.received.auth_headers.add(auth)
        if not auth:
            return (*TOKEN_REQUIRED, None)
        scheme, _, token = auth.partition(" ")
        if scheme != "Splunk":
            return (*INVALID_AUTH, None)
        if token != self.token:
            return (*INVALID_TOKEN, None)
        if self.busy_next > 0:
            self.busy_next -= 1
            return (*BUSY, None)
        if headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
            self.received.gzip_requests += 1
        parts = urlsplit(path)
        text = body.decode("utf-8")
        self._size = len(body)
        if not text.strip():
            return (*NO_DATA, None)
        if parts.path in ("/services/collector/event", "/services/collector", "/services/collector/event/1.0"):
            try:
                envelopes = parse_envelopes(text)
            except ValueError:
                return (400, {"text": "Invalid data format", "code": 6}, None)
            for number, item in enumerate(envelopes):
                event = item.get("event") if isinstance(item, dict) else None
                if event in (None, ""):
                    return (400, {"text": "Event field is required", "code": 12, "invalid-event-number": number}, None)
                if "time" in item and not isinstance(item["time"], int | float):
                    return (400, {"text": "Invalid data format", "code": 6, "invalid-event-number": number}, None)
            return (*SUCCESS, envelopes)
        if parts.path == "/services/collector/raw":
            if not headers.get("X-Splunk-Request-Channel") and "channel" not in parse_qs(parts.query):
                return (400, {"text": "Data channel is missing", "code": 10}, None)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            return (*SUCCESS, [{"event": line, "query": query} for line in text.splitlines() if line])
        return (404, {"text": "The requested URL was not found on this server.", "code": 404}, None)
