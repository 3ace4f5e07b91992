"""The state `eventgen preview --state` and the studio show: after each render while tracing, else the current."""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from .render import RenderLoop
from .scope import Scope


class Trace:
    def __init__(self, scope: Scope, loop: RenderLoop):
        self.scope = scope
        self.loop = loop
        self.snapshots: deque[dict[str, Any]] = deque()

    def snapshot(self) -> dict[str, Any]:
        """Current state as plain JSON-safe data."""
        return json.loads(json.dumps(self.scope.snapshot(self.loop.last), default=str))

    def record(self) -> None:
        """Keep the state as it is after a render (called after each render while tracing)."""
        self.snapshots.append(self.snapshot())

    def next(self) -> dict[str, Any]:
        """The state after the oldest render not yet shown; the current state once all were shown."""
        if self.snapshots:
            return self.snapshots.popleft()
        return self.snapshot()
