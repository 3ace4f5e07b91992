"""`outputMode = modinput`: Splunk modular-input XML stream on standard output."""

from __future__ import annotations

import sys
from xml.sax.saxutils import escape

from eventgen.plugin import OutputPlugin


def xml_events(batch) -> str:
    """`<stream>`-less event elements, one per event, with per-event metadata."""
    parts = []
    times = batch.times.tolist()
    for i, raw in enumerate(batch.events):
        parts.append(
            "<event>"
            f"<time>{times[i]:.3f}</time>"
            f"<index>{escape(batch.field('index', i))}</index>"
            f"<source>{escape(batch.field('source', i))}</source>"
            f"<sourcetype>{escape(batch.field('sourcetype', i))}</sourcetype>"
            f"<host>{escape(batch.field('host', i))}</host>"
            f"<data>{escape(raw)}</data>"
            "</event>\n"
        )
    return "".join(parts)


class ModinputOutput(OutputPlugin):
    name = "modinput"
    summary = "Splunk modular-input XML (`<stream><event>…`) on stdout, with time/index/source/sourcetype/host."
    single_writer = True

    def open(self) -> None:
        self._stream = sys.stdout.buffer
        self._stream.write(b"<stream>\n")

    def write(self, batch) -> None:
        data = xml_events(batch).encode()
        self._stream.write(data)
        self._stream.flush()
        self._size = len(data)

    def encoded_size(self, batch) -> int:
        return getattr(self, "_size", 0)

    def close(self) -> None:
        self._stream.write(b"</stream>\n")
        self._stream.flush()
