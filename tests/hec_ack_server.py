"""A Splunk HEC receiver with indexer acknowledgement, for tests (nginx cannot acknowledge).

`/services/collector/event` and `/services/collector/raw` accept events on a request channel
(`X-Splunk-Request-Channel` or `?channel=`) and answer `{"text":"Success","code":0,"ackId":N}`, ids
counting from 0 per channel. `/services/collector/ack?channel=C` with `{"acks":[N,...]}` answers
`{"acks":{"N":true|false}}`; an id reported true is then forgotten (as Splunk does), so asking again
says false. How acks behave is the `mode`:

- `late`: an ack becomes true `delay` seconds after its request was accepted;
- `partial`: every `every`-th ackId of a channel (ids every-1, 2*every-1, ...) is never acknowledged;
- `forget`: the ids in `forget` are lost, as if the indexer restarted before indexing them: false forever.

Every accepted event is stored, duplicates included (`events`), so a test can count copies by id.
With `drop_idle`, the server closes each connection after answering without saying so (no
`Connection: close`), as a server does with an idle kept-alive connection.
"""

from __future__ import annotations

import gzip
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.hec_receiver import parse_envelopes
from tests.json_http import JsonHttpServer


class HecAckServer(JsonHttpServer):
    def __init__(
        self,
        mode: str = "late",
        delay: float = 0.0,
        every: int = 3,
        forget: frozenset[int] | set[int] = frozenset(),
        token: str = "ack-token",
        port: int = 0,
        drop_idle: bool = False,
    ):
        if mode not in ("late", "partial", "forget"):
            raise ValueError(f"unknown mode {mode!r}")
        super().__init__()
        self.mode, self.delay, self.every, self.forget = mode, delay, every, frozenset(forget)
        self.token = token
        self.port = port
        self.drop_idle = drop_idle
        self.events: list[dict[str, Any]] = []  # every accepted envelope (raw: {"event", "query"}), in order
        self.requests = 0  # accepted event requests
        self.ack_queries = 0
        self.acked_ids: dict[str, list[int]] = {}  # channel -> ids reported true
        self._next_id: dict[str, int] = {}
        self._accepted_at: dict[tuple[str, int], float] = {}

    def servers_json(self) -> str:
        return json.dumps({"servers": [self.server_entry()]})

    def server_entry(self) -> dict[str, Any]:
        return {"protocol": "http", "address": "127.0.0.1", "port": self.port, "key": self.token}

    @property
    def where(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answer(self, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        return self._handle(path, headers, body)

    # -- the protocol ---------------------------------------------------------------------------------
    def _handle(self, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        if headers.get("Authorization") != f"Splunk {self.token}":
            return 403, {"text": "Invalid token", "code": 4}
        parts = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        channel = headers.get("X-Splunk-Request-Channel") or query.get("channel")
        if not channel:
            return 400, {"text": "Data channel is missing", "code": 10}
        if headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if parts.path == "/services/collector/ack":
            return self._ack(channel, json.loads(body or b"{}").get("acks", []))
        text = body.decode("utf-8")
        if parts.path == "/services/collector/event":
            accepted = parse_envelopes(text)
        elif parts.path == "/services/collector/raw":
            query.pop("channel", None)
            accepted = [{"event": line, "query": query} for line in text.splitlines() if line]
        else:
            return 404, {"text": "The requested URL was not found on this server.", "code": 404}
        if not accepted:
            return 400, {"text": "No data", "code": 5}
        self.events.extend(accepted)
        self.requests += 1
        ack_id = self._next_id.get(channel, 0)
        self._next_id[channel] = ack_id + 1
        self._accepted_at[(channel, ack_id)] = time.monotonic()
        return 200, {"text": "Success", "code": 0, "ackId": ack_id}

    def _ack(self, channel: str, ids: list[int]) -> tuple[int, dict[str, Any]]:
        self.ack_queries += 1
        now = time.monotonic()
        status = {}
        for ack_id in ids:
            accepted = self._accepted_at.get((channel, ack_id))
            done = accepted is not None and self._indexed(ack_id, now - accepted)
            if done:
                del self._accepted_at[(channel, ack_id)]  # reported once, then forgotten
                self.acked_ids.setdefault(channel, []).append(ack_id)
            status[str(ack_id)] = done
        return 200, {"acks": status}

    def _indexed(self, ack_id: int, age: float) -> bool:
        if age < self.delay:
            return False
        if self.mode == "partial":
            return (ack_id + 1) % self.every != 0
        if self.mode == "forget":
            return ack_id not in self.forget
        return True
