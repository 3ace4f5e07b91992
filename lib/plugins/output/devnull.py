"""`outputMode = devnull`: format and write to /dev/null (measures generation and formatting speed)."""

from __future__ import annotations

import os

from eventgen.plugin import OutputPlugin, Payload


class DevnullOutput(OutputPlugin):
    name = "devnull"
    summary = "Write each batch to /dev/null with one system call."

    def open(self) -> None:
        self._fd = os.open(os.devnull, os.O_WRONLY)

    def write(self, payload: Payload) -> None:
        os.write(self._fd, payload.data)

    def close(self) -> None:
        os.close(self._fd)
