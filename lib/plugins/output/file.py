"""`outputMode = file`: append to `fileName`, rotating at `fileMaxBytes`."""

from __future__ import annotations

import os
import time
from pathlib import Path

from eventgen.plugin import (
    Framed,
    OutputPlugin,
    PathKind,
    Payload,
    Setting,
    SettingError,
    at_least,
    choice,
    parse_float,
    parse_int,
    writable_file_problem,
)


def parse_mode(text: str) -> int:
    """A file mode in octal as `chmod` takes it: `600`, `0640`, `0o644`."""
    digits = text.strip().lower().removeprefix("0o")
    if not digits or len(digits) > 4 or any(c not in "01234567" for c in digits):
        raise SettingError(f"not an octal file mode: {text.strip()!r} (e.g. 600, 0640)")
    return int(digits, 8)


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


class FileOutput(Framed, OutputPlugin):
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
        Setting(
            "fileMode",
            parse_mode,
            None,
            "Permissions of the file, in octal (`600`: only its owner reads and writes it; Eventum's `file_mode`); "
            "set when the run opens it. Default: the umask's.",
        ),
        Setting(
            "fileReopenCheck",
            at_least(parse_float, 0.1),
            None,
            "Every this many seconds a write checks that fileName still names the open file, and reopens it when "
            "it was moved or deleted (log rotation; Eventum's `cleanup_interval`). Default: never.",
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
        self._reopen()
        self._checked = time.monotonic()

    def _reopen(self) -> None:
        self._handle = open(self.path, "ab")  # noqa: SIM115 - kept open across batches
        if self.config.fileMode is not None:
            os.chmod(self._handle.fileno(), self.config.fileMode)
        self._size = self._handle.tell()

    def _moved(self) -> bool:
        """Whether fileName no longer names the open file (checked at most every fileReopenCheck seconds)."""
        now = time.monotonic()
        if now - self._checked < self.config.fileReopenCheck:
            return False
        self._checked = now
        try:
            return os.stat(self.path).st_ino != os.fstat(self._handle.fileno()).st_ino
        except FileNotFoundError:
            return True

    def write(self, payload: Payload) -> None:
        data = payload.data
        if self.config.fileReopenCheck is not None and self._moved():
            self._handle.close()
            self._reopen()
        if self.max_bytes and self._size and self._size + len(data) > self.max_bytes:
            self._handle.close()
            rotate(self.path, self.backups)
            self._reopen()
        self._handle.write(data)
        self._handle.flush()
        self._size += len(data)

    def close(self) -> None:
        self._handle.close()
