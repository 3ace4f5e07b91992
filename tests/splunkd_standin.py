"""A loopback splunkd for tests: the two management-port endpoints `outputMode = splunkstream` speaks.

- `POST /services/auth/login` (form `username`, `password`): with the right ones, 200 and
  `<response><sessionKey>KEY</sessionKey></response>` (a new key per login); else 401 with Splunk's
  "Login failed" message.
- `POST /services/receivers/simple?index=&source=&sourcetype=&host=[&host_regex=]`: with `Authorization: Splunk KEY`
  of a live session, 200 and the body kept with its query; else 401.

`expire()` ends every session (the next post is refused until the client logs in again); `stop()` drops everything
open, as a dying splunkd would.
"""

from __future__ import annotations

import secrets
import socket
import threading
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.json_http import serve, shut, tracking_handler

LOGIN_FAILED = b'<response>\n  <messages>\n    <msg type="WARN" code="incorrect_username_or_password">Login failed</msg>\n  </messages>\n</response>\n'  # noqa: E501
NOT_AUTHENTICATED = b'<response>\n  <messages>\n    <msg type="WARN">call not properly authenticated</msg>\n  </messages>\n</response>\n'  # noqa: E501


@dataclass(frozen=True)
class Posted:
    """One request the receiver endpoint accepted."""

    query: dict[str, str]
    body: bytes

    @property
    def events(self) -> list[str]:
        return self.body.decode().splitlines()


class Splunkd:
    def __init__(
        self,
        user: str = "admin",
        password: str = "changeme-Str0ng",
        port: int = 0,
        tls: tuple[str, str] | None = None,
        address: str = "127.0.0.1",
    ):
        self.address = address  # a loopback address (127.0.0.2 for a second splunkd on the same port)
        self.tls = tls  # (certificate file, key file): serve HTTPS, as splunkd does
        self.drop_idle = False  # close each connection after answering, without saying so (an idle timeout)
        self.dropped = 0  # connections closed that way
        self.user = user
        self.password = password
        self.port = port
        self.sessions: set[str] = set()
        self.posted: list[Posted] = []
        self.logins = 0  # successful logins
        self.refused_logins = 0
        self.refused_posts = 0
        self.seen: list[bytes] = []  # every request line and body, as received (to check what went over the wire)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._conns: set[socket.socket] = set()

    @property
    def events(self) -> list[str]:
        return [event for post in self.posted for event in post.events]

    def expire(self) -> None:
        with self._lock:
            self.sessions.clear()

    def answer(self, path: str, auth: str, body: bytes) -> tuple[int, bytes]:
        parts = urlsplit(path)
        with self._lock:
            self.seen.append(path.encode() + b"\n" + body)
            if parts.path == "/services/auth/login":
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                if (form.get("username"), form.get("password")) != (self.user, self.password):
                    self.refused_logins += 1
                    return 401, LOGIN_FAILED
                key = secrets.token_hex(16)
                self.sessions.add(key)
                self.logins += 1
                return 200, f"<response>\n  <sessionKey>{key}</sessionKey>\n</response>\n".encode()
            if parts.path == "/services/receivers/simple":
                scheme, _, key = auth.partition(" ")
                if scheme != "Splunk" or key not in self.sessions:
                    self.refused_posts += 1
                    return 401, NOT_AUTHENTICATED
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                self.posted.append(Posted(query, body))
                index = query.get("index", "main")
                return 200, f"<response><results><result><field k='_index'>{index}</field>".encode()
            return 404, b"<response><messages><msg type='ERROR'>Not Found</msg></messages></response>"

    def start(self) -> Splunkd:
        owner = self

        class Handler(tracking_handler(self._conns)):  # type: ignore[misc]
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, reply = owner.answer(self.path, self.headers.get("Authorization", ""), body)
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=UTF-8")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
                self.wfile.flush()
                if owner.drop_idle:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)  # closed now, not once the handler returns
                    with owner._lock:
                        owner.dropped += 1

        self._server = serve(Handler, self.port, self.tls, self.address)
        self.port = self._server.server_address[1]
        return self

    def stop(self) -> None:
        shut(self._server, self._conns)
        self._server = None
