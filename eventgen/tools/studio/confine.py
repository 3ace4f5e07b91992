"""The studio's workspace: the only files it lists, reads and writes.

The workspace is
- the conf's folder;
- its samples' folders (`sampleDir`, else `../samples` and the conf's folder, as the loader finds them);
- the folders that settings declared as folders name (`jinja_template_dir`, `jinjaModulesDir`, `pluginDir`…);
- the files that settings declared as files name (`timestampsFile`, `timePatterns`, `scriptFile`,
  `outputTemplateFile`, `jinjaSamples` sources, file tokens…);
- for an Eventum project, the files and folders its translation read.

Which settings are paths is known from their declarations only (`eventgen.resolve.paths`). Folders the run writes
(`OUTPUT`) and TLS certificates, keys and CA bundles (`TLS`) are not part of it, and a declared TLS file is
refused even inside a workspace folder. The file system's root and /proc, /sys, /dev never are.

A path is checked after resolving it (`..` and symbolic links followed): anything outside, hidden
(a name starting with `.`) or a backup (`*.bak-*`) is `Refused`. Listing walks only workspace folders,
never follows a symbolic link to a folder, lists a linked file only when its target is inside, and stops at
MAX_DEPTH levels, MAX_FILES files or MAX_ENTRIES directory entries read, whichever comes first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from eventgen.core.errors import EventgenError
from eventgen.core.settings import PathKind
from eventgen.resolve.config import RunConfig
from eventgen.resolve.paths import named_paths

MAX_DEPTH = 4  # folder levels walked: a workspace folder and three below it
MAX_FILES = 300  # files listed
MAX_ENTRIES = 20_000  # directory entries one listing reads (a larger folder is cut)
SYSTEM = tuple(Path(p) for p in ("/proc", "/sys", "/dev"))  # never in a workspace, never walked
BINARY_SUFFIXES = {".pyc", ".pyo", ".so", ".gz", ".zip", ".tgz", ".png", ".jpg", ".gif", ".pdf", ".whl", ".spl"}


class Refused(EventgenError):
    """A path the studio does not read or write: outside the workspace, hidden, a backup or a TLS file (403)."""


def hidden_or_backup(name: str) -> bool:
    return name.startswith(".") or ".bak-" in name or name == "__pycache__"


@dataclass(frozen=True)
class Confinement:
    """The workspace of one conf: resolved folders (the conf's first), single files, and refused TLS files."""

    conf: Path
    folders: tuple[Path, ...]
    files: tuple[Path, ...] = ()
    credentials: tuple[Path, ...] = ()

    @classmethod
    def of(cls, conf: Path, config: RunConfig | None, bound: Path | None = None) -> Confinement:
        """The workspace of `conf` (resolved), loaded as `config`; None (a conf that does not load): its folder.
        With `bound` (the studio served by `eventgen server`), only the folders and files inside it."""
        folders, files, credentials = [conf.parent], [], []
        if config is not None:
            for sample in config.samples:
                folders += [d for member in (sample, *sample.schedules) for d in member.sample_dirs if d.is_dir()]
            for named in named_paths(config):
                if named.path is None:
                    continue
                if named.kind is PathKind.FOLDER:
                    folders.append(named.path)
                elif named.kind is PathKind.FILE:
                    files.append(named.path)
                elif named.kind is PathKind.TLS:
                    credentials.append(named.path)
            for path in project_files(config):
                (folders if path.is_dir() else files).append(path)

        def kept(path: Path) -> bool:
            return _usable(path) and (bound is None or path.is_relative_to(bound))

        return cls(
            conf,
            tuple(dict.fromkeys(f for f in folders if kept(f))),
            tuple(dict.fromkeys(f for f in files if kept(f))),
            tuple(dict.fromkeys(credentials)),
        )

    # -- checking --------------------------------------------------------------------------------------------------
    def root(self, path: Path) -> Path | None:
        """The deepest workspace folder holding `path`, `path` itself when it is a named file, else None."""
        if path == self.conf or path in self.files:
            return path
        holders = [folder for folder in self.folders if path.is_relative_to(folder)]
        return max(holders, key=lambda f: len(f.parts)) if holders else None

    def contains(self, path: Path) -> bool:
        """True when the resolved `path` may be read or written."""
        root = self.root(path)
        if root is None or path in self.credentials or not _usable(path):
            return False
        return path == root or not any(hidden_or_backup(part) for part in path.relative_to(root).parts)

    def check(self, text: str) -> Path:
        """`text` (relative: to the conf's folder) resolved, if the studio may read or write it; else Refused."""
        try:
            given = Path(text).expanduser()
            given = given if given.is_absolute() else self.conf.parent / given
            path = given.resolve()
        except (OSError, RuntimeError, ValueError):
            raise Refused(f"refused: {text} is not a path the studio can resolve") from None
        if path in self.credentials:
            raise Refused(f"refused: {text} is a TLS file the conf names; the studio does not serve those")
        root = self.root(path)
        if root is None or not _usable(path):
            if self.root(Path(os.path.normpath(given))) is not None:
                raise Refused(f"refused: {text} leads outside the workspace through a symbolic link")
            raise Refused(f"refused: {text} is outside the workspace")
        if not self.contains(path):
            raise Refused(f"refused: {text} is hidden or a backup")
        return path

    # -- listing ---------------------------------------------------------------------------------------------------
    def listing(self, first: Iterable[Path] = ()) -> list[Path]:
        """The conf, `first` (the sample files), the named files, then the files under each workspace folder (the
        conf's folder last), sorted by name within a folder; bounded by MAX_DEPTH, MAX_FILES and MAX_ENTRIES."""
        found: dict[Path, None] = {self.conf: None}
        budget = [MAX_ENTRIES]

        def add(path: Path) -> None:
            if len(found) < MAX_FILES and path.suffix not in BINARY_SUFFIXES and self.contains(path):
                found.setdefault(path, None)

        for path in (*first, *self.files):
            if path.is_file():
                add(path.resolve())
        for folder in (*self.folders[1:], *self.folders[:1]):
            self._walk(folder, 0, add, budget, lambda: len(found) >= MAX_FILES)
        return list(found)

    def _walk(
        self, folder: Path, depth: int, add: Callable[[Path], None], budget: list[int], full: Callable[[], bool]
    ) -> None:
        try:
            with os.scandir(folder) as scan:  # never read more entries than the budget left, however large
                entries = sorted(islice(scan, max(budget[0], 0)), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if full() or budget[0] <= 0:
                return
            budget[0] -= 1
            if hidden_or_backup(entry.name):
                continue
            try:
                if entry.is_symlink():  # a linked file only when its target is inside; linked folders never
                    target = Path(entry.path).resolve(strict=True)
                    if target.is_file():
                        add(target)
                elif entry.is_dir(follow_symlinks=False):
                    if depth + 1 < MAX_DEPTH:
                        self._walk(Path(entry.path), depth + 1, add, budget, full)
                elif entry.is_file(follow_symlinks=False):
                    add(Path(entry.path))
            except (OSError, RuntimeError):
                continue


def project_files(config: RunConfig | None) -> list[Path]:
    """The files and folders an Eventum project's translation read (templates' folder, samples, times)."""
    project = getattr(config, "project", None) if config else None
    return [Path(p).resolve() for p in (project or {}).get("files", ())]


def _usable(path: Path) -> bool:
    """Not the file system's root, and not under /proc, /sys or /dev."""
    return path != Path(path.anchor) and not any(path.is_relative_to(system) for system in SYSTEM)
