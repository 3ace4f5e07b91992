"""A batch in wire bytes: what a formatter makes and an output moves.

`data` holds every event's bytes back to back, framing included; event i is
`data[bounds[i]:bounds[i + 1]]`. Bounds are computed only when an output asks (datagrams, request
splitting, resuming after a partial send), from the per-event texts the formatter kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate, pairwise
from typing import Any

import numpy as np

from eventgen.core.batch import EventBatch


@dataclass(slots=True, eq=False)
class Payload:
    sample: str
    seq: int
    data: bytes | memoryview
    count: int
    batch: EventBatch | None = None  # the events, for spooling what fails (absent when shipped without them)
    info: dict[str, Any] = field(default_factory=dict)  # format-specific extras (HEC raw path, record keys)
    offset: int = 0  # index of the first event in `batch` (a tail left after a partial failure)
    _bounds: np.ndarray | None = None
    _parts: list[str] | None = None  # per-event texts: lengths (+ `_frame` bytes each) give the bounds
    _frame: int = 0

    def __len__(self) -> int:
        return self.count

    @classmethod
    def of_texts(
        cls, batch: EventBatch, parts: list[str], frame: str = "", info: dict[str, Any] | None = None
    ) -> Payload:
        """`parts[i] + frame` for each event, encoded as one UTF-8 string (one encode per batch)."""
        if frame:
            text = frame.join(parts) + frame if parts else ""
        else:
            text = "".join(parts)
        data = text.encode()
        return cls(batch.sample, batch.seq, data, len(parts), batch, info or {}, 0, None, parts, len(frame.encode()))

    @property
    def bounds(self) -> np.ndarray:
        """Byte offset where each event starts, and the end (int64, count + 1 values)."""
        if self._bounds is None:
            parts = self._parts or []
            ascii_only = len(self.data) == sum(map(len, parts)) + self._frame * len(parts)
            sizes = map(len, parts) if ascii_only else (len(p.encode()) for p in parts)
            frame = self._frame
            self._bounds = np.fromiter(
                accumulate((s + frame for s in sizes), initial=0), dtype=np.int64, count=len(parts) + 1
            )
        return self._bounds

    def piece(self, start: int, end: int) -> memoryview:
        """The bytes of events [start, end)."""
        bounds = self.bounds
        return memoryview(self.data)[int(bounds[start]) : int(bounds[end])]

    def records(self) -> list[bytes]:
        """Each event's bytes on its own (datagrams, Kafka record values)."""
        data, bounds = bytes(self.data), self.bounds.tolist()
        return [data[a:b] for a, b in pairwise(bounds)]

    def record_values(self) -> list[str] | list[bytes]:
        """Each event on its own, as cheaply as it is at hand: the texts the formatter kept when it framed
        nothing (their UTF-8 is the event's bytes: a client that takes `str` encodes it without a copy of ours),
        else the bytes of `records()`."""
        if self._parts is not None and not self._frame and len(self._parts) == self.count:
            return self._parts
        return self.records()

    def event_at(self, offset: int) -> int:
        """The index of the event holding byte `offset` (`count` at or past the end)."""
        return int(np.searchsorted(self.bounds, offset, side="right")) - 1 if offset < len(self.data) else self.count

    def tail(self, start: int) -> Payload:
        """The events from `start` on, for resuming after the first `start` arrived."""
        if start <= 0:
            return self
        bounds = self.bounds
        base = int(bounds[start])
        info = {k: (v[start:] if isinstance(v, list) else v) for k, v in self.info.items()}
        return Payload(
            self.sample,
            self.seq,
            memoryview(self.data)[base:],
            self.count - start,
            self.batch,
            info,
            self.offset + start,
            bounds[start:] - base,
        )

    # for output plugins written against `write(batch)`: the text and events of this payload
    def payload(self) -> bytes:
        return bytes(self.data)

    def text(self) -> str:
        return bytes(self.data).decode()

    @property
    def events(self) -> list[str]:
        """The events as rendered (needs `batch`: absent in a single writer's parent unless spooling)."""
        if self.batch is None:
            raise AttributeError("this payload was shipped without its events (only its bytes)")
        return self.batch.events[self.offset : self.offset + self.count]

    def to_wire(self, with_events: bool, frames: list[bytes | memoryview] | None = None) -> dict[str, Any]:
        """A msgpack-safe dict (bounds included); the events only when the receiver may spool them. With `frames`,
        the bytes are not copied into the dict: they are appended to `frames` (sent as a message part of their own,
        without a copy) and the dict names their position."""
        wire: dict[str, Any] = {
            "sample": self.sample,
            "seq": self.seq,
            "count": self.count,
            "bounds": np.ascontiguousarray(self.bounds, dtype="<i8").tobytes(),
            "info": self.info,
        }
        if frames is None:
            wire["data"] = bytes(self.data)
        else:
            wire["frame"] = len(frames)
            frames.append(self.data)
        if with_events and self.batch is not None:
            wire["batch"] = self.batch.to_wire()
        return wire

    @classmethod
    def from_wire(cls, wire: dict[str, Any], frames: Sequence[bytes | memoryview] = ()) -> Payload:
        """The payload `to_wire` made; its bytes from `frames` when it names one (used in place, not copied)."""
        batch = EventBatch.from_wire(wire["batch"]) if wire.get("batch") else None
        bounds = np.frombuffer(wire["bounds"], dtype="<i8")
        if "frame" in wire:
            index = wire["frame"]
            if not isinstance(index, int) or not 0 <= index < len(frames):
                raise ValueError(f"payload names frame {index!r} of {len(frames)}")
            data = frames[index]
        else:
            data = wire["data"]
        if not isinstance(data, bytes | memoryview):
            raise TypeError(f"payload data is {type(data).__name__}, not bytes")
        if len(bounds) != int(wire["count"]) + 1 or (len(bounds) and int(bounds[-1]) != len(data)):
            raise ValueError("payload bounds do not fit its events and bytes")
        return cls(
            str(wire["sample"]),
            int(wire["seq"]),
            data,
            int(wire["count"]),
            batch,
            dict(wire.get("info") or {}),
            0,
            bounds,
        )
