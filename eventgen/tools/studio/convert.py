"""Values as the studio's JSON answers show them, and request numbers checked against their bounds."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from eventgen.conf.sample import Sample
from eventgen.tools.studio.errors import StudioError


def jsonable(value: Any) -> Any:
    """Settings and plugin state as JSON-safe values (regexes as their pattern, the rest as text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, re.Pattern):
        return value.pattern
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "as_dict"):
        return jsonable(value.as_dict())
    return str(value)


def bounded(value: Any, low: int, high: int, name: str) -> int:
    """`value` as an integer in [low, high], else a StudioError naming it."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise StudioError(f"{name} must be an integer") from None
    if not low <= number <= high:
        raise StudioError(f"{name} must be between {low} and {high}")
    return number


def iso_time(stamp: float, sample: Sample) -> str:
    """An event time in the sample's timezone, to the millisecond."""
    return datetime.fromtimestamp(stamp, sample.tz).isoformat(timespec="milliseconds")
