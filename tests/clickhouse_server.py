"""The part of ClickHouse's HTTP interface the clickhouse output uses, served on 127.0.0.1 by ClickHouse's own engine.

Each request's `query` (from the URL) and body run as one statement, `query + "\\n" + body`, in an embedded ClickHouse
(chdb) session, as the real server concatenates them: an `INSERT ... FORMAT X` body is parsed by ClickHouse's own
input-format parsers into a real MergeTree table. Users are checked from X-ClickHouse-User / X-ClickHouse-Key; an
error answers ClickHouse's text (`Code: 60. DB::Exception: ...`) with the HTTP status the real server gives that code.
Other URL parameters are query settings (`INSERT INTO t SETTINGS k = 'v' FORMAT X`). chdb runs one session per
process: start one server at a time and stop it (the `clickhouse` fixture does).
"""

from __future__ import annotations

import json
import re
import socket
import tempfile
import threading
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.json_http import serve, shut, tracking_handler

# the status ClickHouse's HTTP handler answers for an exception code (anything else is 500)
STATUS_OF_CODE = {
    194: 401,  # REQUIRED_PASSWORD
    **dict.fromkeys((192, 193, 497, 516), 403),  # unknown user, wrong password, access denied, authentication failed
    **dict.fromkeys((6, 8, 26, 27, 36, 38, 41, 53, 62, 72, 117), 400),  # cannot parse, syntax, incorrect data, types
    **dict.fromkeys((46, 47, 50, 60, 73, 81, 115), 404),  # unknown function, identifier, type, table, format, database
}
_CODE = re.compile(r"Code: (\d+)")
_FORMAT = re.compile(r"\bFORMAT\s+\w+\s*$", re.I)


class ClickHouseServer:
    """A loopback ClickHouse HTTP endpoint backed by chdb; `rows(sql)` reads tables back."""

    def __init__(self, users: dict[str, str] | None = None, tls: tuple[str, str] | None = None):
        self.tls = tls  # (certificate file, key file): serve HTTPS
        self.users = {"default": ""} if users is None else dict(users)
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.busy = 0  # answer the next N requests 503 (TOO_MANY_SIMULTANEOUS_QUERIES) without running them
        self.lose_answers = 0  # run the next N INSERTs, then close the connection without answering
        self.port = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._conns: set[socket.socket] = set()
        self._folder = tempfile.TemporaryDirectory(prefix="chdb-")
        from chdb import session  # the embedded engine: `pip install chdb` (the `test` extra)

        self._session = session.Session(self._folder.name)

    # -- the engine ------------------------------------------------------------------------------------------------
    def query(self, sql: str, fmt: str = "TabSeparated") -> str:
        """Run SQL in the server's session (raises chdb's error, whose text is ClickHouse's)."""
        with self._lock:
            return self._session.query(sql, fmt).bytes().decode()

    def rows(self, sql: str) -> list[dict[str, Any]]:
        """The rows of a SELECT, one dict each."""
        return [json.loads(line) for line in self.query(sql, "JSONEachRow").splitlines()]

    def run(self, statement: str, settings: dict[str, str]) -> tuple[int, str]:
        """(HTTP status, answer) for one request's statement, as ClickHouse's HTTP handler gives them."""
        if settings:
            clause = "SETTINGS " + ", ".join(f"{k} = '{v}'" for k, v in settings.items())
            head, sep, rest = statement.partition("\n")
            if _FORMAT.search(head):
                statement = _FORMAT.sub(lambda m: f"{clause} {m.group(0)}", head) + sep + rest
            else:
                statement = f"{statement.rstrip().rstrip(';')} {clause}"
        try:
            with self._lock:
                result = self._session.query(statement, "TabSeparated")
        except Exception as exc:  # chdb raises ClickHouse's exception text
            text = str(exc).strip()
            match = _CODE.search(text)
            return STATUS_OF_CODE.get(int(match.group(1)) if match else 0, 500), text + "\n"
        return 200, result.bytes().decode()

    # -- HTTP ------------------------------------------------------------------------------------------------------
    def start(self) -> ClickHouseServer:
        owner = self

        class Handler(tracking_handler(owner._conns)):
            def do_GET(self) -> None:
                self.handle_query(b"")

            def do_POST(self) -> None:
                self.handle_query(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def handle_query(self, body: bytes) -> None:
                parts = urlsplit(self.path)
                if parts.path == "/ping":
                    return self.answer(200, "Ok.\n")
                params = dict(parse_qsl(parts.query, keep_blank_values=True))
                owner.requests.append((self.path, dict(self.headers), body))
                user = self.headers.get("X-ClickHouse-User") or params.pop("user", "default")
                key = self.headers.get("X-ClickHouse-Key") or params.pop("password", "")
                if owner.users.get(user) != key:
                    return self.answer(
                        403,
                        f"Code: 516. DB::Exception: {user}: Authentication failed: password is incorrect, or there "
                        "is no user with such name. (AUTHENTICATION_FAILED)\n",
                        516,
                    )
                if owner.busy:
                    owner.busy -= 1
                    message = "Code: 202. DB::Exception: Too many simultaneous queries. (TOO_MANY_SIMULTANEOUS_QUERIES)"
                    return self.answer(503, message + "\n", 202)
                query = params.pop("query", "")
                statement = f"{query}\n{body.decode()}" if query else body.decode()
                status, text = owner.run(statement, params)
                if owner.lose_answers and status == 200 and query.lstrip().upper().startswith("INSERT"):
                    owner.lose_answers -= 1
                    self.close_connection = True  # stored, but the answer is lost
                    return None
                match = _CODE.match(text) if status != 200 else None
                return self.answer(status, text, int(match.group(1)) if match else None)

            def answer(self, status: int, text: str, code: int | None = None) -> None:
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/tab-separated-values; charset=UTF-8")
                if code is not None:
                    self.send_header("X-ClickHouse-Exception-Code", str(code))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = serve(Handler, 0, self.tls)
        self.port = self._server.server_address[1]
        return self

    def stop(self) -> None:
        """Stop listening, drop every connection and close the engine's session (its data goes)."""
        shut(self._server, self._conns)
        self._server = None
        with self._lock:
            self._session.close()
        self._folder.cleanup()
