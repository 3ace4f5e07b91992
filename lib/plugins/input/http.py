"""`input = http`: Eventum's http input — events on demand. A small HTTP server takes `POST /generate {"count": N}`
and the run makes N events stamped with the request's arrival time; `POST /stop` ends the schedule once the
requests already taken are made.

The server opens only when a real run walks the plan (preview, validation, the studio and plan counts see no
ticks), listens on 127.0.0.1 unless `httpInputHost` says otherwise, and closes when the schedule ends.
"""

from __future__ import annotations

import json
import logging
import queue
import socket
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

from eventgen.plugin import InputPlugin, LiveRun, Setting, SettingError, Tick, at_least, parse_int, parse_str, port

log = logging.getLogger("eventgen.input.http")

POLL = 0.1  # seconds between looks at the run stopping while no request waits
CHUNK = 100_000  # events per tick: a large request is made as several ticks of this many
MAX_BODY = 64 * 1024  # bytes of request body read at most


def listen_port(text: str) -> int:
    """A port to listen on: 1-65535, or 0 for any free port (logged when the server opens)."""
    return 0 if str(text).strip() == "0" else port(text)


listen_port.__name__ = "parse_int"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], requests: RequestQueue):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.requests = requests
        super().__init__(address, _Handler)


class RequestQueue:
    """Accepted requests waiting to be made, as (arrival time, count); at most `limit` of them."""

    def __init__(self, limit: int, clock):
        self.items: queue.Queue[tuple[float, int]] = queue.Queue(limit)
        self.clock = clock
        self.stopped = threading.Event()
        self.lock = threading.Lock()  # accepting and stopping are ordered: nothing is accepted after /stop

    def offer(self, count: int) -> HTTPStatus:
        with self.lock:
            if self.stopped.is_set():
                return HTTPStatus.CONFLICT
            try:
                self.items.put_nowait((self.clock(), count))
            except queue.Full:
                return HTTPStatus.TOO_MANY_REQUESTS
        return HTTPStatus.CREATED

    def stop(self) -> int:
        with self.lock:
            self.stopped.set()
            return self.items.qsize()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "eventgen-http-input"

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if path == "/generate":
            self._generate()
        elif path == "/stop":
            pending = self.server.requests.stop()
            self._answer(HTTPStatus.OK, {"stopping": True, "pending": pending})
        else:
            self._answer(HTTPStatus.NOT_FOUND, {"error": f"no such path {path or '/'}: POST /generate or /stop"})

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if path in ("/generate", "/stop"):
            self._answer(HTTPStatus.METHOD_NOT_ALLOWED, {"error": f"{path} takes POST"}, {"Allow": "POST"})
        else:
            self._answer(HTTPStatus.NOT_FOUND, {"error": f"no such path {path or '/'}: POST /generate or /stop"})

    def _generate(self) -> None:
        requests = self.server.requests
        if requests.stopped.is_set():
            self._answer(HTTPStatus.CONFLICT, {"error": "stopping: no new requests are taken"})
            return
        count, problem = self._count()
        if problem:
            status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE if problem.startswith("body") else HTTPStatus.BAD_REQUEST
            self._answer(status, {"error": problem})
            return
        status = requests.offer(count)
        if status == HTTPStatus.CREATED:
            self._answer(status, {"accepted": count})
        elif status == HTTPStatus.TOO_MANY_REQUESTS:
            self._answer(status, {"error": f"{requests.items.maxsize} request(s) already wait: try again later"})
        else:
            self._answer(status, {"error": "stopping: no new requests are taken"})

    def _count(self) -> tuple[int, str]:
        """The body's `count`, or a reason it is refused."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return 0, "bad Content-Length"
        if length > MAX_BODY:
            return 0, f"body over {MAX_BODY} bytes"
        raw = self.rfile.read(length) if length > 0 else b""
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return 0, 'the body must be JSON like {"count": 10}'
        if not isinstance(body, dict) or "count" not in body:
            return 0, 'the body must be a JSON object with "count", like {"count": 10}'
        count = body["count"]
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            return 0, f"count must be a whole number of 1 or more, got {json.dumps(count)}"
        return count, ""

    def _answer(self, status: HTTPStatus, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = (json.dumps(body) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http input %s: %s", self.address_string(), format % args)


class HttpInput(InputPlugin):
    name = "http"
    uses_core = ("end",)  # only to refuse it: requests and POST /stop decide when the schedule ends
    rated = False  # each request gives its events their time
    on_demand = True
    summary = (
        'Events on demand: `POST /generate` with `{"count": N}` makes N events stamped with the request\'s time; '
        "`POST /stop` ends the schedule. Listens on `httpInputHost`:`httpInputPort` during a run only."
    )
    settings = (
        Setting(
            "httpInputHost",
            parse_str,
            "127.0.0.1",
            "`input = http`: address to listen on. Only loopback unless set (Eventum's default is 0.0.0.0; "
            "set `0.0.0.0` to take requests from other hosts).",
        ),
        Setting(
            "httpInputPort",
            listen_port,
            None,
            "`input = http`: TCP port to listen on (required): 1-65535, or 0 for any free port, which is logged.",
        ),
        Setting(
            "httpInputMaxPending",
            at_least(parse_int, 1),
            "100",
            "`input = http`: accepted requests that may wait to be made; past that `POST /generate` answers 429.",
        ),
    )

    @classmethod
    def validate(cls, sample) -> list[tuple[str, str]]:
        config = cls.config_of(sample.settings)
        if config.httpInputPort is None:
            return [("httpInputPort", "input = http needs httpInputPort = 1-65535 (0: any free port, logged)")]
        if config.end is not None and config.end.strip() not in ("", "-1"):
            return [("end", "input = http ends on POST /stop or when the run stops: end does not apply")]
        return []

    def ticks(self, start: float, rng: np.random.Generator) -> Iterator[Tick]:
        live = self.live
        if live is None:  # preview, validation, the studio: the times come from requests during a run
            return
        requests = RequestQueue(self.config.httpInputMaxPending, live.clock)
        server = self._listen(requests)
        thread = threading.Thread(
            target=server.serve_forever, args=(POLL,), name=f"http-input-{self.sample.label}", daemon=True
        )
        thread.start()
        try:
            yield from self._requests(requests, live)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(1)

    def _listen(self, requests: RequestQueue) -> _Server:
        host = self.config.httpInputHost.strip().strip("[]")
        wanted = self.config.httpInputPort
        try:
            server = _Server((host, wanted), requests)
        except OSError as exc:
            raise SettingError(f"httpInputPort: input = http cannot listen on {host}:{wanted}: {exc}") from None
        bound = server.server_address[1]
        where = f"http://{'[' + host + ']' if ':' in host else host}:{bound}"
        message = "sample %s: input = http listening on %s (POST /generate, POST /stop)"
        loopback = host == "localhost" or host.startswith("127.") or host == "::1"
        level = logging.INFO if wanted and loopback else logging.WARNING  # a picked port must be told
        log.log(level, message + ("" if loopback else ": reachable beyond this host"), self.sample.label, where)
        return server

    def _requests(self, requests: RequestQueue, live: LiveRun) -> Iterator[Tick]:
        """A tick (or several, for a large count) per request, in arrival order, until /stop or the run stops."""
        while not live.stopping.is_set():
            try:
                when, count = requests.items.get(timeout=POLL)
            except queue.Empty:
                if requests.stopped.is_set() and requests.items.empty():  # nothing is accepted after /stop
                    return
                continue
            for done in range(0, count, CHUNK):
                if live.stopping.is_set():
                    return
                stamps = np.full(min(CHUNK, count - done), when, dtype=np.float64)
                yield Tick(when, len(stamps), when, when, stamps)
