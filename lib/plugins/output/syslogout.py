"""`outputMode = syslogout`: RFC 3164 / RFC 5424 syslog over UDP, TCP or TLS.

The worker formats each batch (`SyslogFrames`: headers per distinct second, then newline or RFC 6587
octet-counting framing on TCP, one datagram per message on UDP); this output only moves the bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from eventgen.plugin import (
    OutputPlugin,
    PathKind,
    Payload,
    Setting,
    SettingError,
    SyslogFrames,
    SyslogHeaders,
    WriteResult,
    at_least,
    choice,
    parse_bool,
    parse_float,
    parse_host,
    parse_int,
    parse_timezone,
    port,
)

from ._checks import tls_problems
from ._net import StreamConnection, send_resuming, tls_context
from ._udp import send_datagrams, udp_socket

FACILITIES = (
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    *(f"local{i}" for i in range(8)),
)
SEVERITIES = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")


def _code(names: tuple[str, ...], what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        low = text.strip().lower()
        if low.isdigit() and int(low) < len(names):
            return int(low)
        if low in names:
            return names.index(low)
        raise SettingError(f"{text!r} is not a syslog {what}: use 0-{len(names) - 1} or one of {', '.join(names)}")

    parse.__name__ = "parse_str"
    return parse


parse_facility = _code(FACILITIES, "facility")
parse_severity = _code(SEVERITIES, "severity")


class SyslogOutput(OutputPlugin):
    name = "syslogout"
    uses = frozenset({"udp"})
    core_settings = ("timezone",)  # headers are written in the sample's zone
    summary = "Syslog (RFC 3164 or 5424 headers) over UDP, TCP or TLS; newline or octet-counted framing."
    retries_setting = "syslogoutRetries"
    settings = (
        Setting("syslogDestinationHost", parse_host, "127.0.0.1", "Syslog receiver host (name or address)."),
        Setting("syslogDestinationPort", port, "1514", "Syslog receiver port."),
        Setting(
            "syslogAddHeader",
            parse_bool,
            "false",
            "RFC 3164: add the `Mmm dd hh:mm:ss HOST APP:` header after `<PRI>` (without it only `<PRI>` "
            "is prepended, as the reference does). RFC 5424 messages always carry their header.",
        ),
        Setting("syslogProtocol", choice("udp", "tcp"), "udp", "Transport: `udp` (one datagram per event) or `tcp`."),
        Setting(
            "syslogFraming",
            choice("newline", "octet"),
            "newline",
            "TCP framing: `newline` (LF after each message) or `octet` (RFC 6587 octet counting: "
            "`LEN SP MSG`, safe for multi-line events).",
        ),
        Setting("syslogFormat", choice("rfc3164", "rfc5424"), "rfc3164", "Header format."),
        Setting("syslogFacility", parse_facility, "user", f"Facility: 0-23 or {', '.join(FACILITIES)}."),
        Setting("syslogSeverity", parse_severity, "info", f"Severity: 0-7 or {', '.join(SEVERITIES)}."),
        Setting("syslogAppName", default="eventgen", doc="APP-NAME (RFC 5424) / TAG (RFC 3164); empty: none."),
        Setting("syslogHostname", default="", doc="HOSTNAME field; empty: each event's host."),
        Setting("syslogTls", parse_bool, "false", "TCP only: wrap the connection in TLS."),
        Setting("syslogTlsVerify", parse_bool, "true", "Verify the receiver's certificate and host name."),
        Setting("syslogTlsCaFile", default=None, doc="CA bundle (PEM) to verify the receiver with.", path=PathKind.TLS),
        Setting("syslogTlsCertFile", default=None, doc="Client certificate (PEM) for mutual TLS.", path=PathKind.TLS),
        Setting("syslogTlsKeyFile", default=None, doc="Key of the client certificate.", path=PathKind.TLS),
        Setting(
            "syslogTimeout",
            at_least(parse_float, 0.1),
            "30",
            "Seconds to wait for a TCP connection or for the receiver to accept a batch.",
        ),
        Setting(
            "syslogoutRetries",
            at_least(parse_int, 0),
            None,
            "Attempts after a failed batch (reconnecting): overrides outputRetries for this output.",
        ),
    )

    @classmethod
    def check(cls, config) -> list[tuple[str, str]]:
        """TLS over TCP only; with it, its files exist and load (as tcpout's)."""
        if not config.syslogTls:
            return []
        if config.syslogProtocol != "tcp":
            return [("syslogTls", "syslogTls needs syslogProtocol = tcp")]
        return tls_problems(config, "syslogTlsCaFile", "syslogTlsCertFile", "syslogTlsKeyFile")

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.tcp = self.config.syslogProtocol == "tcp"
        self.where = f"{self.config.syslogDestinationHost}:{self.config.syslogDestinationPort}"

    def formatter(self) -> SyslogFrames:
        cfg = self.config
        headers = SyslogHeaders(
            cfg.syslogFormat,
            cfg.syslogAddHeader,
            cfg.syslogFacility * 8 + cfg.syslogSeverity,
            cfg.syslogAppName,
            cfg.syslogHostname,
            parse_timezone(cfg.timezone),
        )
        return SyslogFrames(headers, self.event_text(), cfg.syslogFraming if self.tcp else "datagram")

    def open(self) -> None:
        cfg = self.config
        if self.tcp:
            tls = None
            if cfg.syslogTls:
                tls = tls_context(cfg.syslogTlsVerify, cfg.syslogTlsCaFile, cfg.syslogTlsCertFile, cfg.syslogTlsKeyFile)
            self.conn = StreamConnection(cfg.syslogDestinationHost, cfg.syslogDestinationPort, cfg.syslogTimeout, tls)
        else:
            self.sock = udp_socket(cfg.syslogDestinationHost, cfg.syslogDestinationPort)

    def write(self, payload: Payload) -> WriteResult | None:
        if self.tcp:
            send_resuming(self.conn, payload)
            return None
        return WriteResult(failed_indices=send_datagrams(self.sock, payload, self.where))

    def close(self) -> None:
        if self.tcp:
            self.conn.close()
        else:
            self.sock.close()
