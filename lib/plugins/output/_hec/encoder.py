"""What a HEC request carries: the events encoded for the endpoint (made by the formatter, in the worker), and per
request the body as sent (gzip-compressed if asked) with the headers that authenticate it and name its channel."""

from __future__ import annotations

import zlib

from eventgen.plugin import EventText, HecEvent, HecMetric, HecRaw

from .config import Server

EVENT_PATH = "/services/collector/event"
ACK_PATH = "/services/collector/ack"


ENCODINGS: dict[str, type[HecEvent] | type[HecRaw] | type[HecMetric]] = {
    "event": HecEvent,
    "raw": HecRaw,
    "metric": HecMetric,
}


def formatter(endpoint: str, text: EventText) -> HecEvent | HecRaw | HecMetric:
    """`raw`: the events as lines with the batch's metadata in the path; `event`: one JSON envelope per event;
    `metric`: one metric envelope per event (the event's text is the metric's fields), to the event endpoint."""
    return ENCODINGS[endpoint](text)


def headers(server: Server, channel: str) -> dict[str, str]:
    return {
        "Authorization": f"Splunk {server.key}",
        "Content-Type": "application/json",
        "X-Splunk-Request-Channel": channel,
    }


class Encoder:
    """One request's body and headers for a server: compressed when `gzip` (level 1: cheap, most of the gain)."""

    def __init__(self, gzip: bool):
        self.gzip = gzip

    def request(
        self, server: Server, channel: str, body: bytes | memoryview
    ) -> tuple[bytes | memoryview, dict[str, str]]:
        named = headers(server, channel)
        if not self.gzip:
            return body, named
        packer = zlib.compressobj(1, zlib.DEFLATED, 31)
        named["Content-Encoding"] = "gzip"
        return packer.compress(body) + packer.flush(), named
