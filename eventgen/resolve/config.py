"""RunConfig: a conf resolved and checked, what every command runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eventgen.conf.sample import Sample
from eventgen.core.config import Config


@dataclass
class RunConfig:
    """A validated conf: engine settings and the enabled samples."""

    path: Path
    engine: Config  # EngineConfig (conf/core_settings.py): the [global] settings, typed and frozen
    samples: list[Sample]
    warnings: list[str] = field(default_factory=list)
    project: dict[str, Any] | None = None  # an Eventum project's params, secrets and files (`load_translated`)
