"""The HEC output's settings: the servers (`httpeventServers`, parsed into `Server`s), how requests are cut and sent,
and indexer acknowledgement. Each is declared once here; the plugin reads them from its frozen config."""

from __future__ import annotations

import json
from dataclasses import dataclass

from eventgen.plugin import (
    OutputConfig,
    PathKind,
    Setting,
    SettingError,
    at_least,
    choice,
    host_problem,
    parse_bool,
    parse_float,
    parse_int,
    port,
)

from .._checks import tls_problems


@dataclass(frozen=True)
class Server:
    protocol: str
    address: str
    port: int
    key: str

    @property
    def where(self) -> str:
        return f"{self.protocol}://{self.address}:{self.port}"


def parse_servers(text: str) -> tuple[Server, ...]:
    """`{"servers":[{"protocol":"https","address":"host","port":8088,"key":"TOKEN"}, ...]}`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SettingError(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    entries = data.get("servers") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise SettingError('expected {"servers": [{"protocol", "address", "port", "key"}, ...]}')
    servers = []
    for number, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise SettingError(f"servers[{number}] is not an object")
        missing = [k for k in ("address", "port", "key") if k not in entry]
        if missing:
            raise SettingError(f"servers[{number}] lacks {', '.join(missing)}")
        protocol = str(entry.get("protocol", "https")).lower()  # an entry's protocol, https unless it says
        if protocol not in ("http", "https"):
            raise SettingError(f"servers[{number}].protocol must be http or https, got {protocol!r}")
        try:
            number_port = port(str(entry["port"]))
        except SettingError as exc:
            raise SettingError(f"servers[{number}].port: {exc}") from None
        problem = host_problem(str(entry["address"]).strip("[]"))
        if problem:
            raise SettingError(f"servers[{number}].address: {problem}")
        servers.append(Server(protocol, str(entry["address"]), number_port, str(entry["key"])))
    return tuple(servers)


parse_servers.__name__ = "parse_json"

SETTINGS = (
    Setting(
        "httpeventServers",
        parse_servers,
        None,
        'HEC servers as JSON: {"servers":[{"protocol":"https","address":"hec.example.com","port":8088,'
        '"key":"TOKEN"}]}. `key` is the HEC token.',
    ),
    Setting(
        "httpeventOutputMode",
        choice("roundrobin", "mirror"),
        "roundrobin",
        "`roundrobin`: each request to the next server (failing over to the others); `mirror`: every "
        "request to every server (an event counts as sent when all servers accepted it).",
    ),
    Setting(
        "httpeventMaxPayloadSize",
        at_least(parse_int, 1024),
        "1000000",
        "Largest request body in bytes before compression (the reference defaults to 10000).",
    ),
    Setting(
        "httpeventEndpoint",
        choice("event", "raw"),
        "event",
        "`event`: /services/collector/event with JSON envelopes; `raw`: /services/collector/raw, "
        "events as lines with host/source/sourcetype/index of the batch in the query.",
    ),
    Setting("httpeventGzip", parse_bool, "false", "Send bodies gzip-compressed (Content-Encoding: gzip)."),
    Setting("httpeventVerify", parse_bool, "true", "HTTPS: verify the server's certificate and host name."),
    Setting("httpeventCaFile", default=None, doc="HTTPS: CA bundle (PEM) to verify servers with.", path=PathKind.TLS),
    Setting("httpeventTimeout", at_least(parse_float, 0.1), "30", "Seconds to wait for a server's answer."),
    Setting(
        "httpeventRetries",
        at_least(parse_int, 0),
        None,
        "Attempts after a retryable failure (connection, 503 server busy, 5xx), and resends of an "
        "unacknowledged request (httpeventUseAck): overrides outputRetries for this output.",
    ),
    Setting(
        "httpeventUseAck",
        parse_bool,
        "false",
        "Indexer acknowledgement (the token's useACK): each accepted request's ackId is polled on "
        "/services/collector/ack until true; a batch waits for its acks. Unacknowledged requests are sent "
        "again (counted `resent`), then counted failed.",
    ),
    Setting(
        "httpeventAckTimeout",
        at_least(parse_float, 0.1),
        "60",
        "httpeventUseAck: seconds to wait for a request's ack before sending it again (httpeventRetries "
        "times, then it fails).",
    ),
    Setting(
        "httpeventAckPoll",
        at_least(parse_float, 0.01),
        "0.5",
        "httpeventUseAck: seconds between ack queries.",
    ),
    Setting(
        "httpeventWaitResponse",
        parse_bool,
        "true",
        "Accepted for compatibility: responses are always read (they decide sent or failed).",
    ),
)


def problems(config: OutputConfig) -> list[tuple[str, str]]:
    """Load-time checks: servers are named, and the CA file (if any) loads."""
    if not config.httpeventServers:
        return [("httpeventServers", "outputMode = httpevent needs httpeventServers")]
    return tls_problems(config, "httpeventCaFile")
