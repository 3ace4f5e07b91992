"""A loopback HTTP server answering JSON, for test receivers (HEC, HEC with acks).

Subclasses implement `answer(path, headers, body)` → (status, reply), or None to close the connection
without answering; `stop()` drops every open connection, so a test can simulate a dying receiver.
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

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self._running = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening and drop every connection (what was recorded stays)."""
        with self._lock:
            self._running = False
            if self._server is not None:
                self._server.shutdown()
                self._server.server_close()
                self._server = None
            for conn in list(self._conns):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self._conns.clear()
