"""`outputMode = stdout`: each batch is one write to standard output (or standard error)."""

from __future__ import annotations

import sys

from eventgen.plugin import Framed, OutputError, OutputPlugin, Payload, Setting, choice


class StdoutOutput(Framed, OutputPlugin):
    name = "stdout"
    summary = "Write events to standard output, one line per event (multi-line events kept whole)."
    single_writer = True
    settings = (
        Setting(
            "stdoutStream", choice("stdout", "stderr"), "stdout", "Stream to write to (Eventum's stdout `stream`)."
        ),
    )

    def write(self, payload: Payload) -> None:
        name = self.config.stdoutStream
        stream = (sys.stderr if name == "stderr" else sys.stdout).buffer
        try:
            stream.write(payload.data)
            stream.flush()
        except BrokenPipeError as exc:  # the reader is gone (`| head`): trying again cannot help
            raise OutputError(f"{name} closed: {exc}", retryable=False) from exc
