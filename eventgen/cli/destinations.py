"""Files and folders a command writes (`--stats-json`, `bench --json`, `build --destination`, …), checked first
thing when the command runs, so that a run never ends, after all its work, on a path it cannot write: one line
naming the flag and the problem, exit 2. (Checked by the command, not by argparse: parsing a command line stays
independent of the machine's files, so the docs' commands parse anywhere.)

`writing` turns a failure to write later (a folder removed during the run, a full disk) into the same kind of
line."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from eventgen.core.errors import EventgenError


def _file_problem(text: str) -> str | None:
    if not text.strip():
        return "expected a file name, got an empty one"
    path = Path(text)
    folder = path.parent
    if path.is_dir():
        return f"{text} is a folder: name a file to write"
    if not folder.exists():
        return f"the folder {folder} does not exist"
    if not folder.is_dir():
        return f"{folder} is not a folder"
    if path.exists():
        return None if os.access(path, os.W_OK) else f"{text} cannot be written (permission denied)"
    return None if os.access(folder, os.W_OK | os.X_OK) else f"cannot create files in {folder} (permission denied)"


def _folder_problem(text: str) -> str | None:
    if not text.strip():
        return "expected a folder, got an empty name"
    path = Path(text)
    existing = next((p for p in (path, *path.parents) if p.exists()), path)  # the folders to be made go in there
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"cannot write in {existing} (permission denied)"
    return None


def _check(flag: str, value: str | None, problem_of: Callable[[str], str | None]) -> None:
    if value is None:
        return
    try:
        problem = problem_of(value)
    except OSError as exc:  # a name too long, a loop of symbolic links, ...
        problem = f"{value}: {exc.strerror or exc}"
    if problem:
        raise EventgenError(f"{flag}: {problem}")


def check_file(flag: str, value: str | None) -> None:
    """`flag` names a file the command creates or replaces (None: not given): its folder exists and is writable."""
    _check(flag, value, _file_problem)


def check_folder(flag: str, value: str | None) -> None:
    """`flag` names a folder the command writes into, made if missing: nothing on the way is a file."""
    _check(flag, value, _folder_problem)


@contextmanager
def writing(flag: str, path: str) -> Iterator[None]:
    """Writing the file a flag names: an OSError becomes one line naming the flag (exit 2), not a traceback."""
    try:
        yield
    except OSError as exc:
        raise EventgenError(f"{flag}: could not write {path}: {exc.strerror or exc}") from None
