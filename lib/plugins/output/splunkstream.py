"""`outputMode = splunkstream`: raw events into Splunk through its management port (Splunk Eventgen's splunkstream).

The output logs in once (`POST /services/auth/login` with splunkUser and splunkPass; the answer's `<sessionKey>`),
then POSTs each batch's events, one a line, to `/services/receivers/simple?index=&source=&sourcetype=&host=` with
`Authorization: Splunk <sessionKey>`, over one kept-alive connection. A batch whose events share their metadata is
one request; a CSV sample's events with their own host, source, sourcetype or index are one request per run of
events that share them, and a retry resumes at the first run not accepted. A session that expired (401) is renewed
once. The password is sent only in the login's body: it is never logged, shown or put in an error.
"""

from __future__ import annotations

import http.client
import re
import ssl
from urllib.parse import urlencode

from eventgen.plugin import (
    EventBatch,
    LineFrames,
    OutputConfig,
    OutputError,
    OutputPlugin,
    PathKind,
    Payload,
    Setting,
    WriteResult,
    at_least,
    choice,
    parse_bool,
    parse_float,
    parse_host,
    parse_int,
    port,
)

from ._checks import tls_problems
from ._net import RETRYABLE_STATUS, peer_gone, tls_context

LOGIN = "/services/auth/login"
RECEIVER = "/services/receivers/simple"
META = ("index", "source", "sourcetype", "host")
SESSION_KEY = re.compile(rb"<sessionKey>\s*([^<\s]+)\s*</sessionKey>")
STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)  # a kept-alive connection closed


def query_of(meta: dict[str, str], host_regex: str | None) -> str:
    """The receiver's query for events with metadata `meta` (empty values left out)."""
    pairs = [(key, meta[key]) for key in META if meta.get(key)]
    if host_regex:
        pairs.append(("host_regex", host_regex))
    return urlencode(pairs)


class StreamFrames:
    """The events as lines (`outputFormat` honoured) with the receiver's query: one for the batch, or, when a CSV
    sample gives events their own metadata, one per event (`info["queries"]`, cut with the payload on a retry)."""

    def __init__(self, lines: LineFrames, host_regex: str | None):
        self.lines = lines
        self.host_regex = host_regex

    def __call__(self, batch: EventBatch) -> Payload:
        payload = self.lines(batch)
        varying = [key for key in META if key in batch.columns]
        if not varying:
            payload.info["query"] = query_of(batch.meta, self.host_regex)
            return payload
        columns = [batch.columns[key] for key in varying]
        fixed = {key: batch.meta.get(key, "") for key in META if key not in varying}
        payload.info["queries"] = [
            query_of({**fixed, **dict(zip(varying, values, strict=True))}, self.host_regex)
            for values in zip(*columns, strict=True)
        ]
        return payload


def runs(payload: Payload) -> list[tuple[int, int, str]]:
    """(first event, end, query) of each run of events sharing one query."""
    queries = payload.info.get("queries")
    if queries is None:
        return [(0, len(payload), payload.info.get("query", ""))]
    found: list[tuple[int, int, str]] = []
    start = 0
    for number in range(1, len(queries) + 1):
        if number == len(queries) or queries[number] != queries[start]:
            found.append((start, number, queries[start]))
            start = number
    return found


class _Stale(Exception):
    """A kept-alive connection was found closed: `error` is what to raise when a new one will not help."""

    def __init__(self, error: OutputError):
        super().__init__(str(error))
        self.error = error


class SplunkStreamOutput(OutputPlugin):
    name = "splunkstream"
    summary = "Splunk's management port: log in, then POST raw events to /services/receivers/simple."
    retries_setting = "splunkRetries"
    settings = (
        Setting("splunkHost", parse_host, None, "Splunk server (host name or address) to send the events to."),
        Setting("splunkPort", port, "8089", "Splunk's management port (splunkd), not HEC's 8088."),
        Setting("splunkMethod", choice("http", "https"), "https", "Protocol of the management port."),
        Setting("splunkUser", default=None, doc="User to log in as (needs the edit_tcp capability)."),
        Setting("splunkPass", default=None, doc="That user's password: sent only to log in, never logged or shown."),
        Setting(
            "splunkVerify",
            parse_bool,
            "true",
            "https: verify splunkd's certificate and host name (Splunk's default certificate is self-signed: "
            "give its CA in splunkCaFile, or set false on a trusted network).",
        ),
        Setting("splunkCaFile", default=None, doc="https: CA bundle (PEM) to verify splunkd with.", path=PathKind.TLS),
        Setting("splunkTimeout", at_least(parse_float, 0.1), "30", "Seconds to wait for splunkd's answer."),
        Setting(
            "splunkRetries",
            at_least(parse_int, 0),
            None,
            "Attempts after a failed batch (connection refused or lost, 5xx): overrides outputRetries for this output.",
        ),
        Setting(
            "hostRegex",
            default=None,
            doc="A regex splunkd applies to each event to find its host (sent as `host_regex`).",
        ),
    )

    @classmethod
    def check(cls, config: OutputConfig) -> list[tuple[str, str]]:
        needed = [
            (key, f"outputMode = splunkstream needs {key} ({what})")
            for key, what in (
                ("splunkHost", "the Splunk server"),
                ("splunkUser", "the user to log in as"),
                ("splunkPass", "that user's password"),
            )
            if not config.get(key)
        ]
        return needed + tls_problems(config, "splunkCaFile")

    def __init__(self, config) -> None:
        super().__init__(config)
        cfg = self.config
        self.where = f"{cfg.splunkMethod}://{cfg.splunkHost}:{cfg.splunkPort}"
        self.conn: http.client.HTTPConnection | None = None
        self.session = ""  # the session key of the current login
        self.unsure: tuple[int, int] | None = None  # (batch id, event) of a request whose answer was lost

    def formatter(self) -> StreamFrames:
        return StreamFrames(LineFrames(self.event_text()), self.config.hostRegex)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None  # the session key stays: it outlives connections (a 401 renews it)

    # -- HTTP -------------------------------------------------------------------------------------------------------
    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is not None and self.conn.sock is not None and peer_gone(self.conn.sock):
            self.conn.close()  # splunkd closed the kept-alive connection while idle: a new one, nothing lost
            self.conn = None
        if self.conn is None:
            cfg = self.config
            if cfg.splunkMethod == "https":
                context = tls_context(cfg.splunkVerify, cfg.splunkCaFile)
                self.conn = http.client.HTTPSConnection(
                    cfg.splunkHost, cfg.splunkPort, timeout=cfg.splunkTimeout, context=context
                )
            else:
                self.conn = http.client.HTTPConnection(cfg.splunkHost, cfg.splunkPort, timeout=cfg.splunkTimeout)
        return self.conn

    def _post(self, target: str, body: bytes | memoryview, headers: dict[str, str]) -> tuple[int, bytes, bool]:
        """(status, answer, reposted) of one POST. A kept-alive connection that turns out closed (splunkd's idle
        timeout) gets the request once more on a new one: `reposted`, since the first copy may have arrived.
        OutputError when the connection failed (`maybe_received` when the request went out and its answer was lost)."""
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
            error.maybe_received = sent  # type: ignore[attr-defined]
            if isinstance(exc, STALE):
                raise _Stale(error) from None
            raise error from None

    def _login(self) -> None:
        cfg = self.config
        form = urlencode({"username": cfg.splunkUser, "password": cfg.splunkPass}).encode()
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
                f"splunkd {self.where} refused the login of user {cfg.splunkUser!r} (HTTP {status}): "
                "check splunkUser and splunkPass",
                retryable=False,
            )
        raise OutputError(
            f"splunkd {self.where}: login answered HTTP {status} without a session key",
            retryable=status in RETRYABLE_STATUS,
        )

    # -- sending ----------------------------------------------------------------------------------------------------
    def write(self, payload: Payload) -> WriteResult:
        resent = 0
        batch_id = id(payload.batch)
        for start, end, query in runs(payload):
            if self.unsure == (batch_id, payload.offset + start):
                resent += end - start  # the previous attempt's request may have arrived
            self.unsure = None
            try:
                if self._send(payload.piece(start, end), query):
                    resent += end - start
            except OutputError as exc:
                if getattr(exc, "maybe_received", False):
                    self.unsure = (batch_id, payload.offset + start)
                exc.sent, exc.resent = start, resent
                raise
        return WriteResult(resent=resent)

    def _send(self, body: memoryview, query: str) -> bool:
        """POST one run of events (a session that expired is renewed once); True when it may have arrived twice."""
        target = f"{RECEIVER}?{query}" if query else RECEIVER
        twice = False
        for renewed in (False, True):
            if not self.session:
                self._login()
            headers = {"Authorization": f"Splunk {self.session}", "Content-Type": "text/plain"}
            status, answer, reposted = self._post(target, body, headers)
            twice = twice or reposted
            if status == 200:
                return twice
            if status == 401 and not renewed:
                self.session = ""
                continue
            detail = answer[:200].decode(errors="replace").strip()
            raise OutputError(
                f"splunkd {self.where}{RECEIVER} answered HTTP {status}: {detail}",
                retryable=status in RETRYABLE_STATUS,
            )
        raise AssertionError("unreachable: the second pass returns or raises")
