"""`outputMode = tcpout`: newline-framed events over one persistent TCP connection, one send per batch,
optionally wrapped in TLS (`tcpTls`).

A connection that fails mid-batch is reopened and the batch resumes at the first event the kernel
had not taken whole (that one event is sent again and counted as resent).
"""

from __future__ import annotations

import ssl

from eventgen.plugin import (
    Config,
    Framed,
    OutputPlugin,
    PathKind,
    Payload,
    Setting,
    at_least,
    parse_bool,
    parse_float,
    parse_host,
    parse_int,
    port,
)

from ._checks import tls_problems
from ._net import StreamConnection, send_resuming, tls_context

TLS_FILES = ("tcpTlsCaFile", "tcpTlsCertFile", "tcpTlsKeyFile")


class TcpOutput(Framed, OutputPlugin):
    name = "tcpout"
    summary = "Raw events, one per line, over a persistent TCP connection, TLS if asked (reconnects when it drops)."
    retries_setting = "tcpoutRetries"
    settings = (
        Setting("tcpDestinationHost", parse_host, "127.0.0.1", "Host (name or address) to connect to."),
        Setting("tcpDestinationPort", port, "3333", "TCP port to connect to."),
        Setting(
            "tcpoutTimeout",
            at_least(parse_float, 0.1),
            "30",
            "Seconds to wait for the connection (and TLS handshake) or for the receiver to accept a batch.",
        ),
        Setting(
            "tcpoutRetries",
            at_least(parse_int, 0),
            None,
            "Attempts after a failed batch (reconnecting): overrides outputRetries for this output.",
        ),
        Setting("tcpTls", parse_bool, "false", "Wrap the connection in TLS (Eventum's tcp `ssl: true`)."),
        Setting(
            "tcpTlsVerify",
            parse_bool,
            "true",
            "Verify the receiver's certificate and host name (against tcpTlsCaFile, else the system's CAs).",
        ),
        Setting("tcpTlsCaFile", default=None, doc="CA bundle (PEM) to verify the receiver with.", path=PathKind.TLS),
        Setting("tcpTlsCertFile", default=None, doc="Client certificate (PEM) for mutual TLS.", path=PathKind.TLS),
        Setting(
            "tcpTlsKeyFile",
            default=None,
            doc="Key of the client certificate (when not in tcpTlsCertFile).",
            path=PathKind.TLS,
        ),
        Setting(
            "tcpTlsServerName",
            parse_host,
            None,
            doc="Host name to verify the certificate against and send as SNI. Default: tcpDestinationHost.",
        ),
    )

    @classmethod
    def check(cls, config) -> list[tuple[str, str]]:
        """With tcpTls on: the TLS files exist and load (a bad PEM or a key that does not match is named here)."""
        return tls_problems(config, *TLS_FILES) if config.tcpTls else []

    def open(self) -> None:
        cfg = self.config
        self.conn = StreamConnection(
            cfg.tcpDestinationHost,
            cfg.tcpDestinationPort,
            cfg.tcpoutTimeout,
            _context(cfg) if cfg.tcpTls else None,
            cfg.tcpTlsServerName,
        )

    def write(self, payload: Payload) -> None:
        send_resuming(self.conn, payload)

    def close(self) -> None:
        self.conn.close()


def _context(cfg: Config) -> ssl.SSLContext:
    return tls_context(cfg.tcpTlsVerify, cfg.tcpTlsCaFile, cfg.tcpTlsCertFile, cfg.tcpTlsKeyFile)
