"""A loopback HTTP server answering JSON, for test receivers (HEC, HEC with acks).

Subclasses implement `answer(path, headers, body)` → (status, reply), or None to close the connection
without answering; `stop()` drops every open connection, so a test can simulate a dying receiver.
`serve` and `shut` start and stop any loopback HTTP(S) test server this way (the ClickHouse one too).
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
from abc import ABC, abstractmethod
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def tracking_handler(conns: set[socket.socket]) -> type[BaseHTTPRequestHandler]:
    """A quiet HTTP/1.1 handler base that keeps `conns` (the open connections) current, so a test can drop them."""

    class Tracking(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def setup(self) -> None:
            super().setup()
            conns.add(self.connection)

        def finish(self) -> None:
            conns.discard(self.connection)
            super().finish()

    return Tracking


def serve(
    handler: type[BaseHTTPRequestHandler],
    port: int = 0,
    tls: tuple[str, str] | None = None,
    address: str = "127.0.0.1",
) -> ThreadingHTTPServer:
    """`handler` served on `address` (a loopback one):`port` (0: a free one) from a daemon thread; HTTPS with `tls`
    (certificate file, key file)."""
    server = ThreadingHTTPServer((address, port), handler)
    server.daemon_threads = True
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


def shut(server: ThreadingHTTPServer | None, conns: set[socket.socket]) -> None:
    """Stop listening and drop every open connection (`conns`, kept by `tracking_handler`)."""
    if server is not None:
        server.shutdown()
        server.server_close()
    for conn in list(conns):
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_RDWR)
        conn.close()
    conns.clear()


class JsonHttpServer(ABC):
    port: int = 0
    tls: tuple[str, str] | None = None  # (certificate file, key file): serve HTTPS
    answer_delay: float = 0.0  # seconds to wait before answering (a slow receiver)
    drop_idle: bool = False  # close each connection after answering, without saying so

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._conns: set[socket.socket] = set()
        self._running = False

    @abstractmethod
    def answer(self, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]] | None:
        """(status, JSON reply) for one POST, or None to close the connection without answering."""

    def start(self):
        owner = self

        class Handler(tracking_handler(owner._conns)):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if owner.answer_delay:
                    threading.Event().wait(owner.answer_delay)
                with owner._lock:
                    made = owner.answer(self.path, self.headers, body) if owner._running else None
                    if made is None:
                        self.close_connection = True
                        return
                    data = json.dumps(made[1]).encode()
                    self.send_response(made[0])
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    self.wfile.flush()
                if owner.drop_idle:
                    self.close_connection = True

        self._running = True
        self._server = serve(Handler, self.port, self.tls)
        self.port = self._server.server_address[1]
        return self

    def stop(self) -> None:
        """Stop listening and drop every connection (what was recorded stays)."""
        with self._lock:
            self._running = False
            shut(self._server, self._conns)
            self._server = None
