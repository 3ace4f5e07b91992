"""`outputMode = devnull`: render and write to /dev/null (measures generation speed)."""

from __future__ import annotations

import os

from eventgen.plugin import OutputPlugin


class DevnullOutput(OutputPlugin):
    name = "devnull"
    summary = "Write each batch to /dev/null with one system call."

    def open(self) -> None:
        self._fd = os.open(os.devnull, os.O_WRONLY)

    def write(self, batch) -> None:
        os.write(self._fd, batch.payload())

    def close(self) -> None:
        os.close(self._fd)
