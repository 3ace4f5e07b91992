"""An Eventum project (`generator.yml`) loaded into a RunConfig: translated to conf sections
(`conf.eventum_map`), then resolved as any conf is."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eventgen.conf.eventum import params_from, secrets_from
from eventgen.conf.eventum_map import translated
from eventgen.resolve.config import RunConfig
from eventgen.resolve.loader import load

log = logging.getLogger("eventgen")


def load_project(path: str | Path, args: Any, overrides: Mapping[str, str]) -> RunConfig:
    """The project's RunConfig, made by the conf loader from the translated sections."""
    params = params_from(getattr(args, "params", None), getattr(args, "params_file", None))
    secrets = secrets_from(os.environ, getattr(args, "secrets_file", None))
    return load_translated(path, params, secrets, overrides, getattr(args, "sample", None))


def load_translated(
    path: str | Path,
    params: Mapping[str, Any],
    secrets: Mapping[str, Any],
    overrides: Mapping[str, str],
    only: str | None = None,
    name: str | None = None,
) -> RunConfig:
    """Translate and load a project; the RunConfig remembers what a cluster worker needs to do the same
    (`project`: params, secrets, the samples' name and the files read)."""
    sample_mode = overrides.get("timeMode") == "sample"
    worker = Path.cwd() if name else None  # named by a controller's bundle: relative output files go to the cwd
    translation = translated(path, params, secrets, sample_mode, name, worker)
    for note in translation.notes:
        log.info("%s: %s", path, note)
    config = load(path, overrides, only=only, layers=[(str(path), translation.sections)])
    config.project = {"params": dict(params), "secrets": dict(secrets), "name": translation.name}
    config.project["files"] = translation.files
    config.project["sections"] = translation.sections  # what the studio shows as the project's stanzas
    return config
