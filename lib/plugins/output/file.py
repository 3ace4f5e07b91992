"""`outputMode = file`: append to `fileName`, rotating at `fileMaxBytes`."""

from __future__ import annotations

import os
from pathlib import Path

from eventgen.plugin import OutputPlugin, PathKind, Payload, Setting, at_least, choice, parse_int, writable_file_problem


def rotate(path: Path, backups: int) -> None:
    """path → path.1 → … → path.N (the oldest is dropped)."""
    if backups <= 0:
        path.unlink(missing_ok=True)
        return
    for number in range(backups - 1, 0, -1):
        older = path.with_name(f"{path.name}.{number}")
        if older.exists():
            os.replace(older, path.with_name(f"{path.name}.{number + 1}"))
    os.replace(path, path.with_name(f"{path.name}.1"))


class FileOutput(OutputPlugin):
    name = "file"
    summary = "Append events to a file with size-based rotation; one write per batch."
    single_writer = True  # one writer per file: process workers hand their batches to the parent, which appends
    settings = (
        Setting(
            "fileName",
            default=None,
            doc="File to append to (relative: to the working directory).",
            path=PathKind.OUTPUT,
        ),
        Setting(
            "fileMaxBytes", at_least(parse_int, 0), "10485760", "Rotate when the file would pass this size (0 = never)."
        ),
        Setting("fileBackupFiles", at_least(parse_int, 0), "5", "Rotated files kept (name.1 … name.N)."),
        Setting(
            "fileWriteMode",
            choice("append", "overwrite"),
            "append",
            "`append` to the file, or `overwrite` it (emptied when the run opens it).",
        ),
    )

    @classmethod
    def check(cls, config) -> list[tuple[str, str]]:
        """fileName is given, and names a regular file that can be appended to (or made, folders included)."""
        name = config.fileName
        if not name:
            return [("fileName", "outputMode = file needs fileName")]
        problem = writable_file_problem(name)
        return [("fileName", problem)] if problem else []

    def open(self) -> None:
        self.path = Path(self.config.fileName).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_bytes = self.config.fileMaxBytes
        self.backups = self.config.fileBackupFiles
        if self.config.fileWriteMode == "overwrite":
            self.path.write_bytes(b"")
        self._handle = open(self.path, "ab")  # noqa: SIM115 - kept open across batches
        self._size = self._handle.tell()

    def write(self, payload: Payload) -> None:
        data = payload.data
        if self.max_bytes and self._size and self._size + len(data) > self.max_bytes:
            self._handle.close()
            rotate(self.path, self.backups)
            self._handle = open(self.path, "ab")  # noqa: SIM115
            self._size = 0
        self._handle.write(data)
        self._handle.flush()
        self._size += len(data)

    def close(self) -> None:
        self._handle.close()
