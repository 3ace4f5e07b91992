"""The studio's files: list, read, save (validated, then backed up) and overlay unsaved text for one request.

Every path goes through the workspace's `Confinement` (see `confine`) before anything is read or written, so
a refused path leaves no file, no backup and no temporary copy behind.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from eventgen.core.errors import ConfigError, ConfigErrors, EventgenError
from eventgen.resolve.config import RunConfig
from eventgen.run.preview import preview_events
from eventgen.tools.studio.confine import Confinement
from eventgen.tools.studio.errors import SaveRejected, StudioError, error_dict
from eventgen.tools.studio.workspace import TMP_PREFIX, Workspace


class Files:
    """File operations on one workspace's conf, samples and templates."""

    def __init__(self, workspace: Workspace):
        self.workspace = workspace

    def confinement(self, config: RunConfig | None = None) -> Confinement:
        """The workspace as the saved conf draws it (only the conf's folder while the conf does not load)."""
        if config is not None:
            return Confinement.of(self.workspace.conf, config, self.workspace.bound)
        try:
            with self.workspace.loaded() as loaded:
                return Confinement.of(self.workspace.conf, loaded, self.workspace.bound)
        except EventgenError:
            return Confinement.of(self.workspace.conf, None, self.workspace.bound)

    def check(self, file: str, confinement: Confinement | None = None) -> Path:
        """`file` resolved, if inside the workspace (else `Refused`) and not a folder."""
        if not file:
            raise StudioError("no file given")
        path = (confinement or self.confinement()).check(file)
        if path.exists() and not path.is_file():
            raise StudioError(f"{file} is not a regular file")
        return path

    def listing(self, config: RunConfig) -> list[Path]:
        """The conf, each sample's file, the named files, then the workspace folders' files (bounded)."""
        samples = [sample.path for sample in config.samples if sample.path]
        return self.confinement(config).listing(samples)

    def read(self, file: str) -> dict[str, Any]:
        path = self.check(file)
        if not path.is_file():
            raise StudioError(f"{file} does not exist")
        return {"file": str(path), "content": path.read_text(encoding="utf-8", errors="replace")}

    def save(self, file: str, content: str) -> dict[str, Any]:
        """Validate, back up as FILE.bak-<timestamp>, then write.

        The conf is validated as a temporary copy beside it before anything is written. Any other
        file (sample, template) is validated in place: written, the conf loaded and one event of
        every sample rendered; on failure the previous content is put back and no backup is kept.
        """
        path = self.check(file)
        workspace = self.workspace
        if path == workspace.conf:
            try:
                with workspace.loaded(content) as config:
                    warnings = list(config.warnings)
            except ConfigErrors as exc:
                raise SaveRejected([error_dict(e) for e in exc.errors]) from None
            except EventgenError as exc:
                raise SaveRejected([{"file": str(path), "stanza": "", "key": "", "message": str(exc)}]) from None
            backup = None
            if path.is_file():
                backup = backup_name(path)
                shutil.copy2(path, backup)
            atomic_write(path, content)
            return {"file": str(path), "backup": str(backup) if backup else None, "warnings": warnings}
        with workspace.lock:
            existed = path.is_file()
            previous = path.read_bytes() if existed else None
            atomic_write(path, content)
            problems = self._validate_in_place(path)
            if problems:
                if previous is None:
                    path.unlink(missing_ok=True)
                else:
                    atomic_write(path, previous)
                raise SaveRejected(problems)
            backup = None
            if previous is not None:
                backup = backup_name(path)
                backup.write_bytes(previous)
                shutil.copystat(path, backup)
        return {"file": str(path), "backup": str(backup) if backup else None, "warnings": []}

    def _validate_in_place(self, path: Path) -> list[dict[str, str]]:
        try:
            with self.workspace.loaded() as config:
                for sample in config.samples:
                    single = dataclasses.replace(config, samples=[sample])
                    try:
                        for _ in preview_events(single, 1, self.workspace.seed):
                            pass
                    except ConfigError as exc:  # e.g. a CSV sample that lost its _raw column
                        return [error_dict(exc)]
                    except Exception as exc:  # a template that no longer renders
                        return [
                            {
                                "file": str(path),
                                "stanza": sample.stanza,
                                "key": "",
                                "message": f"{sample.label} does not render: {exc}",
                            }
                        ]
        except ConfigErrors as exc:
            return [error_dict(e) for e in exc.errors]
        except EventgenError as exc:
            return [{"file": str(path), "stanza": "", "key": "", "message": str(exc)}]
        return []

    @contextmanager
    def overlaid(self, files: Mapping[str, str] | None) -> Iterator[None]:
        """Unsaved content of sample or template files in place for one request (the live preview of a
        template being typed): each file is checked like a save, written, and its saved bytes and times
        put back afterwards, all under the workspace lock. The conf itself goes as `conf_text` instead."""
        if not files:
            yield
            return
        with self.workspace.lock:
            confinement = self.confinement()
            saved: list[tuple[Path, bytes, os.stat_result]] = []
            try:
                for name, content in files.items():
                    path = self.check(name, confinement)
                    if path == self.workspace.conf:
                        raise StudioError("send the conf as conf_text, not in files")
                    if not path.is_file():
                        raise StudioError(f"{name} does not exist")
                    stat = path.stat()
                    previous = path.read_bytes()
                    if previous == content.encode("utf-8"):
                        continue
                    saved.append((path, previous, stat))
                    atomic_write(path, content)
                yield
            finally:
                for path, previous, stat in reversed(saved):
                    atomic_write(path, previous)
                    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def backup_name(path: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.name}.bak-{stamp}")
    n = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}.bak-{stamp}-{n}")
        n += 1
    return backup


def atomic_write(path: Path, content: str | bytes) -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, name = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=".write", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if path.exists():
            shutil.copymode(path, name)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
