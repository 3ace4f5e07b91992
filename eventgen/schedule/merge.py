"""Several schedules merged into one stream of times, in time order (a `scheduleGroup`, Eventum's several inputs).

Each schedule's ticks become explicit times (a tick's `count` events at its time, or drawn in its window); the
merged ticks carry `sources`, the index of the schedule each time came from. Lazy: a schedule is read only as far
as the slowest one has reached, so endless live schedules merge as well as bounded ones.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from eventgen.schedule.tick import Tick


class _Stream:
    """One schedule's ticks as a buffer of times and how far it is known (no later tick starts before `known`)."""

    __slots__ = ("alive", "known", "stamps", "ticks")

    def __init__(self, ticks: Iterator[tuple[Tick, int]]):
        self.ticks = ticks
        self.stamps: list[np.ndarray] = []
        self.known = -np.inf
        self.alive = True

    def advance(self, rng: np.random.Generator) -> None:
        """Read the schedule's next tick into the buffer (or mark it ended)."""
        try:
            tick, count = next(self.ticks)
        except StopIteration:
            self.alive = False
            return
        stamps = times_of(tick, count, rng)
        if len(stamps):
            self.stamps.append(stamps)
            self.known = max(self.known, float(stamps[-1]))
        self.known = max(self.known, tick.time)

    def take(self, horizon: float) -> np.ndarray:
        """Buffered times up to `horizon`, removed from the buffer."""
        if not self.stamps:
            return np.empty(0)
        stamps = self.stamps[0] if len(self.stamps) == 1 else np.concatenate(self.stamps)
        cut = int(np.searchsorted(stamps, horizon, side="right"))
        self.stamps = [stamps[cut:]] if cut < len(stamps) else []
        return stamps[:cut]


def times_of(tick: Tick, count: int, rng: np.random.Generator) -> np.ndarray:
    """A tick's times, sorted: its explicit ones, else `count` at a point window or drawn in [earliest, latest]."""
    if tick.timestamps is not None:
        stamps = np.asarray(tick.timestamps, dtype=np.float64)
        return stamps if bool(np.all(stamps[1:] >= stamps[:-1])) else np.sort(stamps)
    if tick.earliest == tick.latest:
        return np.full(count, float(tick.earliest))
    return np.sort(rng.uniform(tick.earliest, tick.latest, count))


def merged(schedules: list[Iterator[tuple[Tick, int]]], rng: np.random.Generator) -> Iterator[Tick]:
    """Ticks of explicit times from every schedule (iterators of (tick, rated count)), in time order, with `sources`.
    Equal times keep schedule order."""
    streams = [_Stream(ticks) for ticks in schedules]
    for stream in streams:
        stream.advance(rng)
    while True:
        alive = [s for s in streams if s.alive]
        horizon = min((s.known for s in alive), default=np.inf)
        parts = [(k, s.take(horizon)) for k, s in enumerate(streams)]
        parts = [(k, p) for k, p in parts if len(p)]
        if parts:
            stamps = np.concatenate([p for _, p in parts])
            sources = np.concatenate([np.full(len(p), k, dtype=np.uint8) for k, p in parts])
            if len(parts) > 1:
                order = np.argsort(stamps, kind="stable")
                stamps, sources = stamps[order], sources[order]
            first, last = float(stamps[0]), float(stamps[-1])
            yield Tick(first, len(stamps), first, last, stamps, sources)
        if not alive:
            return
        for stream in alive:
            if stream.known <= horizon:
                stream.advance(rng)
