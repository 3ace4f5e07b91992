"""`outputMode = udpout`: one datagram per event (the event text, no newline)."""

from __future__ import annotations

from eventgen.plugin import (
    Framed,
    OutputPlugin,
    Payload,
    Setting,
    TextFrames,
    WriteResult,
    at_least,
    parse_host,
    parse_int,
    port,
)

from ._udp import send_datagrams, udp_socket


class UdpOutput(Framed, OutputPlugin):
    name = "udpout"
    uses = frozenset({"udp"})
    summary = "Raw events, one UDP datagram each (UDP is lossy: `sent` counts datagrams handed to the kernel)."
    retries_setting = "udpoutRetries"
    settings = (
        Setting("udpDestinationHost", parse_host, "127.0.0.1", "Host (name or address) to send to."),
        Setting("udpDestinationPort", port, "3333", "UDP port to send to."),
        Setting(
            "udpoutRetries",
            at_least(parse_int, 0),
            None,
            "Attempts after a refused send (ICMP port unreachable), resuming where it stopped: overrides "
            "outputRetries for this output.",
        ),
    )

    default_separator = ""  # a datagram is one event: nothing after it unless outputSeparator says

    def formatter(self):
        framing = self.framing()
        if framing is not None:
            return TextFrames(self.event_text(), *framing)
        text = self.event_text()
        return lambda batch: Payload.of_texts(batch, text(batch))  # unframed: a datagram is one event

    def open(self) -> None:
        self.sock = udp_socket(self.config.udpDestinationHost, self.config.udpDestinationPort)

    def write(self, payload: Payload) -> WriteResult:
        where = f"{self.config.udpDestinationHost}:{self.config.udpDestinationPort}"
        return WriteResult(failed_indices=send_datagrams(self.sock, payload, where))

    def close(self) -> None:
        self.sock.close()
