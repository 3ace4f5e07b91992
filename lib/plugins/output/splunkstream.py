"""`outputMode = splunkstream`: raw events into Splunk through its management port (Splunk Eventgen's splunkstream).

The output logs in once (`POST /services/auth/login` with splunkUser and splunkPass; the answer's `<sessionKey>`),
then POSTs each batch's events, one a line, to `/services/receivers/simple?index=&source=&sourcetype=&host=` with
`Authorization: Splunk <sessionKey>`, over one kept-alive connection. A batch whose events share their metadata is
one request; a CSV sample's events with their own host, source, sourcetype or index are one request per run of
events that share them, and a retry resumes at the first run not accepted. A session that expired (401) is renewed
once. The password is sent only in the login's body: it is never logged, shown or put in an error.

`splunkHost` may be a JSON list of hosts, as Splunk Eventgen's spec allows: batches then go to them in turn, each
with its own connection and session (`_splunkd`), and a failed batch is retried on the next one.
"""

from __future__ import annotations

import json
from functools import partial
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
    SettingError,
    WriteResult,
    at_least,
    choice,
    host_problem,
    parse_bool,
    parse_float,
    parse_int,
    port,
)

from ._checks import tls_problems
from ._net import RETRYABLE_STATUS, tls_context
from ._splunkd import Splunkd

RECEIVER = "/services/receivers/simple"
META = ("index", "source", "sourcetype", "host")


def parse_hosts(text: str) -> tuple[str, ...]:
    """A host name or address, or a JSON list of them (`["idx1.example.com", "idx2.example.com"]`)."""
    value = text.strip()
    try:
        hosts = json.loads(value) if value.startswith("[") else [value]
    except json.JSONDecodeError as exc:
        raise SettingError(f"invalid JSON list of hosts ({exc.msg} at column {exc.colno})") from None
    if not hosts or not all(isinstance(h, str) for h in hosts):
        raise SettingError('expected a host, or a JSON list of hosts: ["idx1.example.com", "idx2.example.com"]')
    for host in hosts:
        problem = host_problem(host)
        if problem:
            raise SettingError(problem)
    return tuple(hosts)


parse_hosts.__name__ = "parse_host"


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


class SplunkStreamOutput(OutputPlugin):
    name = "splunkstream"
    summary = "Splunk's management port: log in, then POST raw events to /services/receivers/simple."
    retries_setting = "splunkRetries"
    settings = (
        Setting(
            "splunkHost",
            parse_hosts,
            None,
            'Splunk server (host name or address), or a JSON list of them (`["idx1", "idx2"]`): batches go to '
            "each in turn.",
        ),
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
        tls = partial(tls_context, cfg.splunkVerify, cfg.splunkCaFile)
        credentials = (cfg.splunkUser or "", cfg.splunkPass or "")
        self.servers = [
            Splunkd(cfg.splunkMethod, host, cfg.splunkPort, cfg.splunkTimeout, credentials, tls)
            for host in cfg.splunkHost or ()
        ]
        self.turn = 0  # the server of the next batch
        self.unsure: tuple[int, int] | None = None  # (batch id, event) of a request whose answer was lost

    def formatter(self) -> StreamFrames:
        return StreamFrames(LineFrames(self.event_text()), self.config.hostRegex)

    def close(self) -> None:
        for server in self.servers:
            server.close()

    def write(self, payload: Payload) -> WriteResult:
        server = self.servers[self.turn % len(self.servers)]
        self.turn += 1  # the next batch, or this one's retry, goes to the next server
        resent = 0
        batch_id = id(payload.batch)
        for start, end, query in runs(payload):
            if self.unsure == (batch_id, payload.offset + start):
                resent += end - start  # the previous attempt's request may have arrived
            self.unsure = None
            try:
                status, answer, reposted = server.post(
                    f"{RECEIVER}?{query}" if query else RECEIVER, payload.piece(start, end)
                )
            except OutputError as exc:
                if getattr(exc, "maybe_received", False):
                    self.unsure = (batch_id, payload.offset + start)
                exc.sent, exc.resent = start, resent
                raise
            if status != 200:
                detail = answer[:200].decode(errors="replace").strip()
                raise OutputError(
                    f"splunkd {server.where}{RECEIVER} answered HTTP {status}: {detail}",
                    retryable=status in RETRYABLE_STATUS,
                    sent=start,
                    resent=resent,
                )
            resent += (end - start) if reposted else 0
        return WriteResult(resent=resent)
