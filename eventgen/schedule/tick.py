"""What a schedule yields (`Tick`) and what a real run hands it (`LiveRun`): the schedule stage's own types,
re-exported by the plugin API for input plugins."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(slots=True)
class Tick:
    """One scheduled burst: `count` events due at wall time `time`.

    Timestamps are drawn in [earliest, latest] unless `timestamps` lists them explicitly; `sources` (merged
    schedules only) names the schedule each timestamp came from.
    """

    time: float
    count: int
    earliest: float
    latest: float
    timestamps: np.ndarray | None = None
    sources: np.ndarray | None = None


@dataclass(frozen=True)
class LiveRun:
    """What a real run hands the schedules whose plans it walks. Preview, validation, the studio and plan counts
    walk plans without one, so a schedule fed from outside (`on_demand`) knows to open nothing and yield nothing."""

    stopping: threading.Event  # set when the run stops: Ctrl-C, SIGTERM, `--duration`, a fatal error
    clock: Callable[[], float]  # the plan's present, epoch seconds (`--now` advanced by the time elapsed)
