"""The only things that cross a queue: small job descriptions and rendered batches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(slots=True)
class GenerationJob:
    """What to make: `count` events of `sample`, timestamps in [earliest, latest] or explicit.

    `offset` is how many events of this sample came before this job in the run; counters
    (integerid, seqfile, sequential line order) derive from it, so any worker can do any job
    and a redone job renders the same events.
    """

    sample: str
    seq: int
    count: int
    earliest: float
    latest: float
    offset: int = 0
    interval: int = 0
    now: float = 0.0
    seed: int = 0
    timestamps: np.ndarray | None = None  # float64 epoch seconds, one per event
    extra: dict[str, Any] = field(default_factory=dict)

    def rng(self, stream: int) -> np.random.Generator:
        """The job's random stream: a function of (run seed, sample, seq) only."""
        return np.random.default_rng([self.seed, stream, self.seq])

    def to_wire(self) -> dict[str, Any]:
        """A msgpack/JSON-safe dict."""
        wire: dict[str, Any] = {
            "sample": self.sample,
            "seq": self.seq,
            "count": self.count,
            "earliest": self.earliest,
            "latest": self.latest,
            "offset": self.offset,
            "interval": self.interval,
            "now": self.now,
            "seed": self.seed,
        }
        if self.timestamps is not None:
            wire["timestamps"] = np.ascontiguousarray(self.timestamps, dtype="<f8").tobytes()
        if self.extra:
            wire["extra"] = self.extra
        return wire

    @classmethod
    def from_wire(cls, wire: dict[str, Any]) -> GenerationJob:
        stamps = wire.get("timestamps")
        return cls(
            sample=wire["sample"],
            seq=int(wire["seq"]),
            count=int(wire["count"]),
            earliest=float(wire["earliest"]),
            latest=float(wire["latest"]),
            offset=int(wire.get("offset", 0)),
            interval=int(wire.get("interval", 0)),
            now=float(wire.get("now", 0.0)),
            seed=int(wire.get("seed", 0)),
            timestamps=None if stamps is None else np.frombuffer(stamps, dtype="<f8"),
            extra=dict(wire.get("extra") or {}),
        )


@dataclass(slots=True)
class EventBatch:
    """Rendered events of one job, column-wise.

    `meta` holds batch-wide index/host/source/sourcetype; `columns` holds per-event overrides
    (for CSV samples) as lists parallel to `events`. `times` are epoch seconds per event.
    """

    sample: str
    seq: int
    events: list[str]
    times: np.ndarray
    meta: dict[str, str] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)
    dropped: int = 0  # renders a template discarded (Eventum's `dispatch.drop()` / `next()`)
    exhausted: bool = False  # the generator has nothing more to make (`dispatch.exhaust()`): end the sample
    _text: str | None = None
    _payload: bytes | None = None

    def __len__(self) -> int:
        return len(self.events)

    def text(self) -> str:
        """All events, newline-terminated, as one string (computed once)."""
        if self._text is None:
            self._text = "\n".join(self.events) + "\n" if self.events else ""
        return self._text

    def payload(self) -> bytes:
        """`text()` encoded as UTF-8 (computed once, shared by every output)."""
        if self._payload is None:
            self._payload = self.text().encode()
        return self._payload

    def field(self, name: str, i: int) -> str:
        """The value of metadata `name` for event `i`."""
        column = self.columns.get(name)
        if column is not None:
            return column[i]
        return self.meta.get(name, "")

    def to_wire(self) -> dict[str, Any]:
        return {
            "sample": self.sample,
            "seq": self.seq,
            "events": self.events,
            "times": np.ascontiguousarray(self.times, dtype="<f8").tobytes(),
            "meta": self.meta,
            "columns": self.columns,
        }

    @classmethod
    def from_wire(cls, wire: dict[str, Any]) -> EventBatch:
        return cls(
            sample=wire["sample"],
            seq=int(wire["seq"]),
            events=list(wire["events"]),
            times=np.frombuffer(wire["times"], dtype="<f8"),
            meta=dict(wire.get("meta") or {}),
            columns={k: list(v) for k, v in (wire.get("columns") or {}).items()},
        )
