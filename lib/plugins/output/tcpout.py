"""`outputMode = tcpout`: newline-framed events over one persistent TCP connection, one send per batch.

A connection that fails mid-batch is reopened and the batch resumes at the first event the kernel
had not taken whole (that one event is sent again and counted as resent).
"""

from __future__ import annotations

from eventgen.plugin import OutputPlugin, Payload, Setting, at_least, parse_float, parse_int, port

from ._net import StreamConnection, send_resuming


class TcpOutput(OutputPlugin):
    name = "tcpout"
    summary = "Raw events, one per line, over a persistent TCP connection (reconnects when it drops)."
    retries = 3
    settings = (
        Setting("tcpDestinationHost", default="127.0.0.1", doc="Host to connect to."),
        Setting("tcpDestinationPort", port, "3333", "TCP port to connect to."),
        Setting(
            "tcpoutTimeout",
            at_least(parse_float, 0.1),
            "30",
            "Seconds to wait for the connection or for the receiver to accept a batch.",
        ),
        Setting(
            "tcpoutRetries",
            at_least(parse_int, 0),
            "3",
            "Attempts after a failed batch (reconnecting, with backoff 0.2s, 0.4s, … up to 5s).",
        ),
    )

    def open(self) -> None:
        self.conn = StreamConnection(
            self.config.get("tcpDestinationHost", "127.0.0.1"),
            int(self.config.get("tcpDestinationPort", 3333)),
            float(self.config.get("tcpoutTimeout", 30)),
        )

    def write(self, payload: Payload) -> None:
        send_resuming(self, self.conn, payload)

    def close(self) -> None:
        self.conn.close()
