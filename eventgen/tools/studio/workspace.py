"""The studio's workspace: one conf being designed, loaded saved or from unsaved text.

Every operation (see views, preview, histogram, debugger) can run on the saved conf or on unsaved conf text:
the text is written to a hidden temporary file beside the conf (so relative sample, template and plugin paths
resolve as they will once saved), loaded with `eventgen.resolve.loader.load`, and removed afterwards.
An Eventum project (generator.yml) is loaded the same way through `eventgen.resolve.eventum.load_translated`
with the studio's params and secrets; its temporary copy keeps the `.yml` suffix and the folder (so its paths
and the samples' name, taken from the folder, stay the same).
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eventgen.conf.eventum import looks_like_project
from eventgen.conf.sample import Sample
from eventgen.core.errors import ConfigError, ConfigErrors
from eventgen.resolve.config import RunConfig
from eventgen.resolve.eventum import load_translated
from eventgen.resolve.loader import load
from eventgen.tools.studio.errors import StudioError

TMP_PREFIX = ".studio-"  # hidden temporary files the studio writes beside the ones it edits


class Workspace:
    """One conf being designed: its files, its seed, and the conf loaded for each request."""

    def __init__(
        self,
        conf: str | Path,
        seed: int | None = None,
        params: Mapping[str, Any] | None = None,
        secrets: Mapping[str, Any] | None = None,
        bound: Path | None = None,
        overrides: Mapping[str, str] | None = None,
    ):
        self.conf = Path(conf).resolve()
        self.bound = bound.resolve() if bound else None  # served by `eventgen server`: nothing outside its workspace
        self.overrides = dict(overrides or {})  # settings applied to every stanza under a request's own
        if not self.conf.is_file():
            raise StudioError(f"conf file {conf} not found")
        self.folder = self.conf.parent
        self.seed = seed
        self.project = looks_like_project(self.conf)  # an Eventum generator.yml rather than an eventgen.conf
        self.params = dict(params or {})
        self.secrets = dict(secrets or {})
        self.tmp_suffix = ".yml" if self.project else ".conf.tmp"
        self.lock = threading.RLock()  # loading touches the process-wide plugin registry

    # -- loading ---------------------------------------------------------------------------
    def conf_text(self) -> str:
        return self.conf.read_text(encoding="utf-8")

    @contextmanager
    def loaded(
        self, conf_text: str | None = None, overrides: Mapping[str, str] | None = None, only: str | None = None
    ) -> Iterator[RunConfig]:
        """The conf (or unsaved `conf_text`) loaded; ConfigErrors name the real conf file."""
        merged = {**self.overrides, **(overrides or {})}
        raw = {k: str(v) for k, v in merged.items() if str(v).strip() != ""}
        with self.lock:
            if conf_text is None:
                yield self._load(self.conf, raw, only)
                return
            fd, name = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=self.tmp_suffix, dir=self.folder)
            tmp = Path(name)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(conf_text)
                config = self._load_tmp(tmp, raw, only)
                yield config
            finally:
                tmp.unlink(missing_ok=True)

    def _load(self, path: Path, overrides: dict[str, str], only: str | None) -> RunConfig:
        """A conf (a workspace may start without samples) or a project, translated with the studio's params."""
        if self.project:
            return load_translated(path, self.params, self.secrets, overrides, only)
        return load(path, overrides, only=only, require_samples=False)

    def _load_tmp(self, tmp: Path, overrides: dict[str, str], only: str | None) -> RunConfig:
        try:
            config = self._load(tmp, overrides, only)
        except ConfigErrors as exc:
            for error in exc.errors:
                error.file = self._unmask(error.file)
                error.message = self._unmask(error.message)
            raise
        except ConfigError as exc:
            exc.file = self._unmask(exc.file)
            raise
        config.samples = [s for s in config.samples if s.path not in (self.conf, tmp)]
        config.warnings = [self._unmask(w) for w in config.warnings]
        return config

    def _unmask(self, text: str) -> str:
        hidden = re.escape(TMP_PREFIX) + r"[^/\s:]*" + re.escape(self.tmp_suffix)
        return re.sub(re.escape(str(self.folder)) + r"/" + hidden, str(self.conf), text)

    def effective_seed(self, seed: int | None, config: RunConfig) -> tuple[int, str]:
        """The seed a request runs with and where it comes from, in the engine's order: the request's
        own, `--seed`, the conf's `[global] seed`; with none of them a run draws a random seed, and the
        studio renders with 0 (so its previews stay repeatable)."""
        if seed is not None:
            return seed, "request"
        if self.seed is not None:
            return self.seed, "--seed"
        if config.engine.seed is not None:
            return int(config.engine.seed), "conf"
        return 0, "unset"

    @staticmethod
    def pick(config: RunConfig, name: str) -> Sample:
        for sample in config.samples:
            if name in (sample.label, sample.name, sample.stanza):
                return sample
        known = ", ".join(s.label for s in config.samples) or "none"
        raise StudioError(f"no enabled sample {name!r}; samples: {known}")
