"""One splunkd's management port, as `outputMode = splunkstream` uses it: a kept-alive connection, a login
(`POST /services/auth/login`) and its session key, and POSTs authorised with it.

The password is sent only in the login's body; no error or log line holds it.
"""

from __future__ import annotations

import http.client
import re
import ssl
from collections.abc import Callable
from urllib.parse import urlencode

from eventgen.plugin import OutputError

from ._net import RETRYABLE_STATUS, peer_gone

LOGIN = "/services/auth/login"
SESSION_KEY = re.compile(rb"<sessionKey>\s*([^<\s]+)\s*</sessionKey>")
STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)  # a kept-alive connection closed


class _Stale(Exception):
    """A kept-alive connection was found closed: `error` is what to raise when a new one will not help."""

    def __init__(self, error: OutputError):
        super().__init__(str(error))
        self.error = error


class Splunkd:
    """A splunkd at `method://host:port`; `tls` makes the TLS context when the method is https."""

    def __init__(
        self,
        method: str,
        host: str,
        port: int,
        timeout: float,
        credentials: tuple[str, str],
        tls: Callable[[], ssl.SSLContext],
    ):
        self.method, self.host, self.port, self.timeout = method, host, port, timeout
        self._credentials = credentials  # (user, password): the password goes only into the login's body
        self._tls = tls
        self.where = f"{method}://{host}:{port}"
        self.conn: http.client.HTTPConnection | None = None
        self.session = ""  # the session key of the current login

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None  # the session key stays: it outlives connections (a 401 renews it)

    def post(self, target: str, body: bytes | memoryview, content_type: str = "text/plain") -> tuple[int, bytes, bool]:
        """(status, answer, reposted) of a POST with the session key (logging in first when there is none; a 401
        renews it once). `reposted`: a kept-alive connection turned out closed and the request went again on a new
        one, so the first copy may have arrived too."""
        twice = False
        for renewed in (False, True):
            if not self.session:
                self.login()
            headers = {"Authorization": f"Splunk {self.session}", "Content-Type": content_type}
            status, answer, reposted = self._post(target, body, headers)
            twice = twice or reposted
            if status != 401 or renewed:
                return status, answer, twice
            self.session = ""
        raise AssertionError("unreachable: the second pass returns")

    def login(self) -> None:
        user, password = self._credentials
        form = urlencode({"username": user, "password": password}).encode()
        try:
            status, answer, _ = self._post(LOGIN, form, {"Content-Type": "application/x-www-form-urlencoded"})
        except OutputError as exc:
            exc.maybe_received = False  # type: ignore[attr-defined]  # a lost login answer carried no event
            raise
        found = SESSION_KEY.search(answer) if status == 200 else None
        if found:
            self.session = found.group(1).decode()
            return
        if status in (401, 403):
            raise OutputError(
                f"splunkd {self.where} refused the login of user {user!r} (HTTP {status}): "
                "check splunkUser and splunkPass",
                retryable=False,
            )
        raise OutputError(
            f"splunkd {self.where}: login answered HTTP {status} without a session key",
            retryable=status in RETRYABLE_STATUS,
        )

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is not None and self.conn.sock is not None and peer_gone(self.conn.sock):
            self.close()  # splunkd closed the kept-alive connection while idle: a new one, nothing lost
        if self.conn is None:
            if self.method == "https":
                self.conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=self._tls())
            else:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.conn

    def _post(self, target: str, body: bytes | memoryview, headers: dict[str, str]) -> tuple[int, bytes, bool]:
        reused = self.conn is not None
        try:
            return (*self._exchange(target, body, headers), False)
        except _Stale as stale:
            if not reused:
                raise stale.error from None
        try:
            return (*self._exchange(target, body, headers), True)
        except _Stale as stale:
            raise stale.error from None

    def _exchange(self, target: str, body: bytes | memoryview, headers: dict[str, str]) -> tuple[int, bytes]:
        """One request and its answer; OutputError when the connection failed (`maybe_received` when the request
        went out and its answer was lost)."""
        conn = self._connection()
        sent = False
        try:
            conn.request("POST", target, body=body, headers=headers)
            sent = True
            response = conn.getresponse()
            return response.status, response.read()
        except ssl.SSLCertVerificationError as exc:
            self.close()
            raise OutputError(
                f"TLS certificate of splunkd {self.where} rejected ({exc.verify_message}): give its CA in "
                "splunkCaFile, or set splunkVerify = false",
                retryable=False,
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            error = OutputError(f"splunkd {self.where}: {type(exc).__name__}: {exc}")
            error.maybe_received = sent  # type: ignore[attr-defined]  # read by _Stale's handler: a resend is counted
            if isinstance(exc, STALE):
                raise _Stale(error) from None
            raise error from None
