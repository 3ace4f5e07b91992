"""`outputMode = spool`: append to a file in a Splunk spool folder (batch-indexed by Splunk)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from eventgen.plugin import Config, OutputPlugin, PathKind, Payload, Setting, writable_dir_problem


def spool_dir(config: Config) -> str:
    """`spoolDir`, or when unset Splunk's spool folder under $SPLUNK_HOME (the working directory without one)."""
    if config.spoolDir:
        return config.spoolDir
    return str(Path(os.environ.get("SPLUNK_HOME", ".")) / "var" / "spool" / "splunk")


class SpoolOutput(OutputPlugin):
    name = "spool"
    summary = "Append events to spoolDir/spoolFile (`<SAMPLE>` in spoolFile is the sample name)."
    settings = (
        Setting(
            "spoolDir",
            default=None,
            doc="Folder to write to (default $SPLUNK_HOME/var/spool/splunk).",
            path=PathKind.OUTPUT,
        ),
        Setting("spoolFile", default="<SAMPLE>", doc="File name; `<SAMPLE>` becomes the sample name."),
    )

    @classmethod
    def check(cls, config) -> list[tuple[str, str]]:
        """spoolFile is a file name (its folder is spoolDir), and spoolDir a folder files can be made in."""
        if "/" in config.spoolFile:
            return [("spoolFile", "a file name, not a path: give the folder in spoolDir")]
        problem = writable_dir_problem(spool_dir(config))
        return [("spoolDir", problem)] if problem else []

    def open(self) -> None:
        self.folder = Path(spool_dir(self.config)).expanduser()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._handles: dict[str, BinaryIO] = {}

    def write(self, payload: Payload) -> None:
        name = self.config.spoolFile.replace("<SAMPLE>", payload.sample.split(":")[-1])
        handle = self._handles.get(name)
        if handle is None:
            handle = self._handles[name] = open(self.folder / name, "ab")  # noqa: SIM115
        handle.write(payload.data)
        handle.flush()

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
