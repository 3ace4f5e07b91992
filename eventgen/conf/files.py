"""Files that settings and the command line name, checked at load: text that is not UTF-8, a path that cannot
be opened at all (a symlink loop, a name too long), a destination events cannot be written to.

Every check gives one line naming the file and what is wrong; none creates or changes a file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from eventgen.core.settings import SettingError


class TextFileError(SettingError):
    """A file that cannot be read, or is not text: `str()` names the file, `reason` says only why."""

    def __init__(self, path: str | Path, reason: str):
        super().__init__(f"cannot read {path}: {reason}")
        self.path = path
        self.reason = reason


def read_text(path: str | Path, encoding: str = "utf-8") -> str:
    """The text of the file at `path`; a TextFileError when it cannot be read or is not text in `encoding`."""
    try:
        data = Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise TextFileError(path, exc.strerror or str(exc)) from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        shown = "UTF-8" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
        reason = f"line {line}, byte offset {exc.start}: byte 0x{data[exc.start]:02x} is not {shown} text (binary?)"
        raise TextFileError(path, reason) from None


def path_problem(path: str | Path) -> str | None:
    """Why `path` cannot be opened at all (a symlink loop, a name too long, a file where a folder should be);
    None when it can, or when it does not exist (the caller says what it looked for)."""
    try:
        os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot open {path}: {exc.strerror or exc}"
    except ValueError as exc:  # an embedded NUL
        return f"cannot open {path!r}: {exc}"
    return None


def writable_file_problem(path: str | Path) -> str | None:
    """Why events cannot be appended to the file at `path` (it is a folder, a device, a file of /proc, in a
    folder that cannot be made or written); None when they can. The file is neither created nor changed."""
    target = Path(path).expanduser()
    try:
        info = target.stat()
    except FileNotFoundError:
        return _creatable(target, path)
    except (OSError, ValueError) as exc:
        return f"cannot open {path}: {getattr(exc, 'strerror', None) or exc}"
    if stat.S_ISDIR(info.st_mode):
        return f"{path} is a folder: name a file (in it, or elsewhere)"
    if not stat.S_ISREG(info.st_mode):
        return f"{path} is not a regular file (a device, pipe or socket): name a regular file"
    try:
        with open(target, "ab"):  # append mode: nothing is written, and the file is not truncated
            pass
    except OSError as exc:
        return f"{path} cannot be written ({exc.strerror or exc}): name a regular file on a writable file system"
    return None


def writable_dir_problem(path: str | Path) -> str | None:
    """Why files cannot be made in the folder `path` (or in the folders that would be made for it)."""
    target = Path(path).expanduser()
    try:
        info = target.stat()
    except FileNotFoundError:
        return _creatable(target / "x", path)
    except (OSError, ValueError) as exc:
        return f"cannot open {path}: {getattr(exc, 'strerror', None) or exc}"
    if not stat.S_ISDIR(info.st_mode):
        return f"{path} is not a folder"
    if not os.access(target, os.W_OK | os.X_OK):
        return f"folder {path} is not writable"
    return None


def _creatable(target: Path, shown: str | Path) -> str | None:
    """Why `target` (which does not exist) cannot be created, folders on the way included."""
    folder = target.absolute().parent
    while True:
        try:
            info = folder.stat()
            break
        except FileNotFoundError:
            folder = folder.parent
        except OSError as exc:
            return f"cannot create {shown}: {folder}: {exc.strerror or exc}"
    if not stat.S_ISDIR(info.st_mode):
        return f"cannot create {shown}: {folder} is not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot create {shown}: folder {folder} is not writable"
    return None
