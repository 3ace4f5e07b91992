"""What the server runs: one `GeneratorSpec` per generator, and the startup file that holds them.

The startup file is YAML, a list under `generators:`; every change made through the API is written back
atomically (a temporary file in the same folder, then `os.replace`), so a crash never leaves half a file and the
generators survive a restart of the server.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from eventgen.core.errors import EventgenError
from eventgen.core.shapes import FORMS, Shape, ShapeError, parse_shape

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class GeneratorSpec(BaseModel):
    """One generator: an eventgen.conf, a Splunk app folder or an Eventum generator.yml inside the workspace."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ID_PATTERN, description="the generator's name: letters, digits, '_', '.', '-'")
    path: str = Field(min_length=1, description="the conf, app folder or generator.yml, relative to the workspace")
    params: dict[str, Any] = Field(default_factory=dict, description="an Eventum project's ${params.X} values")
    overrides: dict[str, str] = Field(
        default_factory=dict, description="conf settings applied to every stanza (as `eventgen generate`'s flags do)"
    )
    autostart: bool = Field(default=False, description="start when the server starts")
    rate: float | None = Field(default=None, gt=0, description="target events/s, shared evenly by the samples")
    shape: str | None = Field(
        default=None,
        description=f"a load shape the run follows from its start ({FORMS}); it holds the last rate after it",
    )
    seed: int | None = Field(default=None, description="seed of the run (same conf and seed, same events)")
    bind: str | None = Field(
        default=None,
        pattern=r"^tcp://[^\s]+:[0-9]+$",
        description="tcp://HOST:PORT that workers connect to: the server is this generator's controller, and every "
        "job goes to the workers (CurveZMQ as `eventgen controller`)",
    )
    workers: int = Field(default=0, ge=0, description="with bind: start the plan once this many workers have joined")

    @field_validator("shape")
    @classmethod
    def _shape(cls, text: str | None) -> str | None:
        if text is not None:
            checked_shape(text)
        return text

    def parsed_shape(self) -> Shape | None:
        return None if self.shape is None else parse_shape(self.shape)


def checked_shape(text: str) -> Shape:
    """A shape's text parsed, or ValueError naming what is wrong (pydantic's and the API's one line)."""
    try:
        return parse_shape(text)
    except ShapeError as exc:
        raise ValueError(str(exc)) from None


class StartupFile:
    """The YAML file of generator specs the server reads at start and writes back on every change."""

    def __init__(self, path: Path):
        self.path = path

    def load(self) -> list[GeneratorSpec]:
        """The specs in the file (none when it does not exist yet); a bad file is one clear line (exit 2)."""
        if not self.path.exists():
            return []
        try:
            data = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise EventgenError(f"{self.path}: cannot read the startup file: {one_line(exc)}") from None
        if not isinstance(data, dict) or not isinstance(data.get("generators", []), list):
            raise EventgenError(f"{self.path}: expected a mapping with a list under 'generators:'")
        specs: list[GeneratorSpec] = []
        for index, item in enumerate(data.get("generators") or []):
            try:
                spec = GeneratorSpec.model_validate(item)
            except ValidationError as exc:
                raise EventgenError(f"{self.path}: generators[{index}]: {describe(exc)}") from None
            if any(s.id == spec.id for s in specs):
                raise EventgenError(f"{self.path}: generators[{index}]: id {spec.id!r} is given twice")
            specs.append(spec)
        return specs

    def save(self, specs: list[GeneratorSpec]) -> None:
        """Write `specs` atomically: a temporary file beside the startup file, then `os.replace`."""
        data = {"generators": [spec.model_dump(exclude_defaults=True) for spec in specs]}
        text = yaml.safe_dump(data, sort_keys=False)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


def describe(exc: ValidationError) -> str:
    """A pydantic error as one line: each field and what is allowed."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "value"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
