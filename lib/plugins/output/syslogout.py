"""`outputMode = syslogout`: RFC 3164 / RFC 5424 syslog over UDP, TCP or TLS.

Headers are built per batch: the time part once per distinct second (cached), then spliced with
the host, app name and event. TCP framing is newline (RFC 6587 non-transparent) or octet counting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from operator import add

import numpy as np

from eventgen.plugin import (
    EventBatch,
    OutputPlugin,
    Setting,
    SettingError,
    at_least,
    choice,
    parse_bool,
    parse_float,
    parse_int,
    parse_timezone,
    per_second,
)

from ._net import Progress, StreamConnection, line_bounds, tls_context
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


class SyslogHeaders:
    """Builds the syslog messages (header + event) of a batch."""

    def __init__(self, fmt: str, add_header: bool, pri: int, app: str, hostname: str, tz: tzinfo):
        self.fmt, self.add_header, self.pri, self.tz = fmt, add_header, pri, tz
        self.app = app.replace(" ", "_")
        self.hostname = hostname.replace(" ", "_")
        self._cache: dict[int, str] = {}

    def hosts(self, batch: EventBatch) -> str | list[str]:
        """The HOSTNAME field: fixed, the batch's host, or each event's host (CSV samples)."""
        if self.hostname:
            return self.hostname
        column = batch.columns.get("host")
        if column is not None:
            return [h.replace(" ", "_") or "-" for h in column]
        return (batch.meta.get("host") or "-").replace(" ", "_")

    def messages(self, batch: EventBatch) -> list[str] | tuple[str, list[str]]:
        """The messages, or (prefix, events) when every message has the same prefix."""
        events = batch.events
        if self.fmt == "rfc3164" and not self.add_header:
            return f"<{self.pri}>", events
        hosts = self.hosts(batch)
        tag = f" {self.app}:" if self.app else ""
        if self.fmt == "rfc3164":
            stamp = self._rfc3164_stamp
            if isinstance(hosts, str):
                prefixes = per_second(batch.times, lambda s: f"{stamp(s)} {hosts}{tag} ", self._cache)
            else:
                stamps = per_second(batch.times, stamp, self._cache)
                prefixes = [f"{s} {h}{tag} " for s, h in zip(stamps, hosts, strict=True)]
            return list(map(add, prefixes, events))
        # RFC 5424: <PRI>1 2024-11-23T15:04:05.123456+00:00 HOST APP - - - MSG
        app = self.app or "-"
        heads = per_second(batch.times, self._rfc5424_second, self._cache)
        micros = map(
            "%06d".__mod__, np.minimum(((batch.times - np.floor(batch.times)) * 1e6).astype(np.int64), 999999).tolist()
        )
        if isinstance(hosts, str):
            rest = f" {hosts} {app} - - - "
            return [f"{h[:-6]}.{m}{h[-6:]}{rest}{e}" for h, m, e in zip(heads, micros, events, strict=True)]
        return [
            f"{h[:-6]}.{m}{h[-6:]} {host} {app} - - - {e}"
            for h, m, host, e in zip(heads, micros, hosts, events, strict=True)
        ]

    def _rfc3164_stamp(self, sec: int) -> str:
        moment = datetime.fromtimestamp(sec, self.tz)
        return f"<{self.pri}>{moment.strftime('%b')} {moment.day:2d} {moment.strftime('%H:%M:%S')}"

    def _rfc5424_second(self, sec: int) -> str:
        # "<PRI>1 YYYY-MM-DDTHH:MM:SS+HH:MM": the last 6 characters are the offset (micros go before it)
        text = datetime.fromtimestamp(sec, self.tz).isoformat()
        return f"<{self.pri}>1 {text[:19]}{text[19:] or '+00:00'}"


class SyslogOutput(OutputPlugin):
    name = "syslogout"
    uses = frozenset({"udp"})
    core_settings = ("timezone",)  # headers are written in the sample's zone
    summary = "Syslog (RFC 3164 or 5424 headers) over UDP, TCP or TLS; newline or octet-counted framing."
    retries = 3
    settings = (
        Setting("syslogDestinationHost", default="127.0.0.1", doc="Syslog receiver host."),
        Setting("syslogDestinationPort", at_least(parse_int, 1), "1514", "Syslog receiver port."),
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
        Setting("syslogTlsCaFile", default=None, doc="CA bundle (PEM) to verify the receiver with."),
        Setting("syslogTlsCertFile", default=None, doc="Client certificate (PEM) for mutual TLS."),
        Setting("syslogTlsKeyFile", default=None, doc="Key of the client certificate."),
        Setting(
            "syslogTimeout",
            at_least(parse_float, 0.1),
            "30",
            "Seconds to wait for a TCP connection or for the receiver to accept a batch.",
        ),
        Setting(
            "syslogoutRetries",
            at_least(parse_int, 0),
            "3",
            "Attempts after a failed batch (reconnecting, with backoff).",
        ),
    )

    @classmethod
    def validate(cls, sample) -> list[tuple[str, str]]:
        settings = sample.settings
        if settings.get("syslogTls") and settings.get("syslogProtocol") != "tcp":
            return [("syslogTls", "syslogTls needs syslogProtocol = tcp")]
        return []

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.progress = Progress()
        cfg = self.config
        self.headers = SyslogHeaders(
            cfg.get("syslogFormat", "rfc3164"),
            bool(cfg.get("syslogAddHeader")),
            cfg.get("syslogFacility", 1) * 8 + cfg.get("syslogSeverity", 6),
            cfg.get("syslogAppName", "eventgen"),
            cfg.get("syslogHostname", ""),
            parse_timezone(cfg.get("timezone", "local")),
        )
        self.host = cfg.get("syslogDestinationHost", "127.0.0.1")
        self.port = int(cfg.get("syslogDestinationPort", 1514))
        self.tcp = cfg.get("syslogProtocol", "udp") == "tcp"
        self.octet = cfg.get("syslogFraming", "newline") == "octet"

    def open(self) -> None:
        if self.tcp:
            cfg = self.config
            tls = None
            if cfg.get("syslogTls"):
                tls = tls_context(
                    bool(cfg.get("syslogTlsVerify", True)),
                    cfg.get("syslogTlsCaFile"),
                    cfg.get("syslogTlsCertFile"),
                    cfg.get("syslogTlsKeyFile"),
                )
            self.conn = StreamConnection(self.host, self.port, float(cfg.get("syslogTimeout", 30)), tls)
        else:
            self.sock = udp_socket(self.host, self.port)

    def render(self, batch: EventBatch) -> tuple[bytes, list[str] | None]:
        """The batch as one framed payload (TCP), or the concatenated messages and the list (UDP)."""
        made = self.headers.messages(batch)
        if isinstance(made, tuple):
            prefix, events = made
            if self.tcp and not self.octet:
                return (prefix + ("\n" + prefix).join(events) + "\n").encode(), None
            msgs = [prefix + e for e in events]
        else:
            msgs = made
        if not self.tcp:
            return "".join(msgs).encode(), msgs
        if not self.octet:
            return ("\n".join(msgs) + "\n").encode(), None
        if all(map(str.isascii, msgs)):
            return "".join(map("{} {}".format, map(len, msgs), msgs)).encode(), None
        encoded = [m.encode() for m in msgs]
        return b"".join(b"%d %s" % (len(m), m) for m in encoded), None

    def write(self, batch: EventBatch) -> list[int] | None:
        if self.tcp:
            self.conn.send(self.render(batch)[0])
            return None
        start = self.progress.start(batch)
        payload, msgs = self.render(batch)
        assert msgs is not None
        bounds = line_bounds(msgs, len(payload) == sum(map(len, msgs)), terminator=0)
        rejected = send_datagrams(self.sock, payload, bounds, start, self.progress, f"{self.host}:{self.port}")
        self.progress.finish()
        return rejected

    def close(self) -> None:
        if self.tcp:
            self.conn.close()
        else:
            self.sock.close()
