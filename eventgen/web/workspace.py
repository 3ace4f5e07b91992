"""The server's workspace: the one folder its generators are read from and write to.

A generator's path is resolved inside the workspace (`..` and symbolic links followed) and refused when it
leads outside. Once its conf is loaded, every path the conf declares that the run reads or writes (sample
folders, token files, templates, output files) must resolve inside too; only TLS files (certificates, CA bundles)
may live elsewhere, as they are read, never served or written. The server runs with the workspace as its working
folder, so relative output files land in it.
"""

from __future__ import annotations

from pathlib import Path

from eventgen.core.errors import EventgenError
from eventgen.core.settings import PathKind
from eventgen.resolve.config import RunConfig
from eventgen.resolve.paths import named_paths


class OutsideWorkspace(EventgenError):
    """A path that leads outside the workspace (the API answers 403)."""


class Workspace:
    def __init__(self, root: Path):
        self.root = root.resolve()

    def resolve(self, relative: str) -> Path:
        """The generator path `relative` inside the workspace, or OutsideWorkspace."""
        candidate = Path(relative)
        full = (candidate if candidate.is_absolute() else self.root / candidate).resolve()
        if not self.holds(full):
            raise OutsideWorkspace(f"{relative}: outside the workspace {self.root}")
        if not full.exists():
            raise EventgenError(f"{relative}: no such file or folder in the workspace")
        return full

    def holds(self, path: Path) -> bool:
        return path == self.root or path.is_relative_to(self.root)

    def check(self, config: RunConfig) -> None:
        """Every declared path of a loaded conf (but TLS files) inside the workspace, or OutsideWorkspace naming
        the first that is not."""
        for named in named_paths(config):
            if named.kind is PathKind.TLS or named.path is None:
                continue
            if not self.holds(named.path.resolve()):
                raise OutsideWorkspace(
                    f"[{named.stanza}] {named.key} = {named.text}: {named.kind.value} outside the workspace {self.root}"
                )
