"""`outputMode = stdout`: each batch is one write to standard output."""

from __future__ import annotations

import sys

from eventgen.plugin import OutputPlugin, Payload


class StdoutOutput(OutputPlugin):
    name = "stdout"
    summary = "Write events to standard output, one line per event (multi-line events kept whole)."
    single_writer = True

    def write(self, payload: Payload) -> None:
        stream = sys.stdout.buffer
        stream.write(payload.data)
        stream.flush()
