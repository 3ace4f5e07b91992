"""`outputMode = modinput`: Splunk modular-input XML stream on standard output."""

from __future__ import annotations

import sys

from eventgen.plugin import ModinputXml, OutputError, OutputPlugin, Payload


class ModinputOutput(OutputPlugin):
    name = "modinput"
    summary = "Splunk modular-input XML (`<stream><event>…`) on stdout, with time/index/source/sourcetype/host."
    single_writer = True

    def formatter(self) -> ModinputXml:
        return ModinputXml(self.event_text())

    def open(self) -> None:
        self._stream = sys.stdout.buffer
        self._stream.write(b"<stream>\n")

    def write(self, payload: Payload) -> None:
        try:
            self._stream.write(payload.data)
            self._stream.flush()
        except BrokenPipeError as exc:  # splunkd (the reader) is gone: trying again cannot help
            raise OutputError(f"stdout closed: {exc}", retryable=False) from exc

    def close(self) -> None:
        self._stream.write(b"</stream>\n")
        self._stream.flush()
