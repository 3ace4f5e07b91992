"""The studio's time distribution: events per bin over a window, for a sample's schedule and rater, as the
Timer makes them."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from datetime import time as dtime
from typing import TYPE_CHECKING, Any

import numpy as np

from eventgen.conf.sample import Sample
from eventgen.core.settings import SettingError
from eventgen.core.timeutil import parse_time
from eventgen.plugin.base import registry
from eventgen.schedule.plan import Window, window_for
from eventgen.schedule.plan import ticks as plan_ticks
from eventgen.tools.studio.convert import bounded, jsonable
from eventgen.tools.studio.errors import StudioError

if TYPE_CHECKING:
    from eventgen.tools.studio.workspace import Workspace

MAX_BINS = 1000
MAX_TICKS = 200_000
TIME_BUDGET = 5.0  # seconds one histogram request may spend walking a schedule
# clock units for bins, smallest first: (name, seconds); a day is a calendar day of the sample's timezone
CLOCK_UNITS = (("second", 1), ("minute", 60), ("hour", 3600), ("day", 86400))
MAX_AUTO_BINS = 180  # the smallest clock unit giving at most this many bins is chosen


@dataclass
class Walk:
    """What a walk over the schedule's ticks found: (earliest, latest, count) spans and explicit times."""

    spans: list[tuple[float, float, float]] = field(default_factory=list)
    explicit: list[np.ndarray] = field(default_factory=list)
    ticks: int = 0
    truncated: bool = False  # the walk stopped at MAX_TICKS or the time budget


def histogram(
    workspace: Workspace,
    sample: str,
    start: str = "-24h@h",
    end: str = "now",
    bins: int | None = None,
    overrides: Mapping[str, str] | None = None,
    seed: int | None = None,
    conf_text: str | None = None,
    live: bool | None = None,
) -> dict[str, Any]:
    """Events per bin over [start, end) for a sample's schedule and rater, as the Timer makes them.

    Ticks are walked from `start` with the Timer's random stream; a tick with explicit
    timestamps counts them, any other tick's count goes through the rater and is spread over
    the tick's [earliest, latest] (what the generator does) as whole events evenly placed, so
    bins hold integer counts that add up to the events in the window. `live` (default: the
    sample's own mode, live unless `end` is set) also applies live pacing: a spreading
    schedule's point tick (earliest == latest) is spread until the next tick, as the Timer does.
    Binning is vectorised with numpy. `bins` None (the default) puts bins on clock boundaries of the
    sample's timezone (see `clock_edges`): a first or last bin the window only partly covers counts
    the events inside the window and is flagged in `partial`; a number cuts the window in that many
    equal bins instead.
    """
    if bins is not None:
        bins = bounded(bins, 1, MAX_BINS, "bins")
    with workspace.loaded(conf_text, overrides) as config:
        seed, _ = workspace.effective_seed(seed, config)
        chosen = workspace.pick(config, sample)
        now = time.time()
        t0, t1 = _window(chosen, start, end, now)
        if live is None:
            live = window_for(chosen, now).paced and not window_for(chosen, now).bounded
        spread = live and bool(getattr(registry.get("input", chosen.settings["input"]), "spread", False))
        walk = walk_ticks(chosen, (t0, t1), now, seed or 0, spread)
        if bins is None:
            edges, unit = clock_edges(t0, t1, chosen.tz)
        else:
            edges, unit = np.linspace(t0, t1, bins + 1), ""
        inside = edges.copy()
        inside[0], inside[-1] = t0, t1  # a bin the window cuts counts the events inside the window
        counts, total = bin_events(inside, walk.spans, walk.explicit)
        labels = [datetime.fromtimestamp(t, chosen.tz).strftime("%Y-%m-%d %H:%M:%S") for t in edges.tolist()]
        return {
            "sample": chosen.label,
            "input": chosen.settings["input"],
            "rater": chosen.settings["rater"],
            "edges": edges.tolist(),
            "labels": labels,
            "counts": counts.tolist(),
            "unit": unit,
            "tz": str(chosen.settings.get("timezone") or "local"),
            "window": [t0, t1],
            "partial": [bool(edges[0] < t0), bool(edges[-1] > t1)],
            "total": total,
            "in_window": int(counts.sum()),
            "ticks": walk.ticks,
            "truncated": walk.truncated,
            "live": live,
            "seed": seed,
            "effective": {k: jsonable(chosen.settings.get(k)) for k in (overrides or {}) if k in chosen.settings},
        }


def _window(sample: Sample, start: str, end: str, now: float) -> tuple[float, float]:
    try:
        t0 = parse_time(str(start), now, sample.tz)
        t1 = parse_time(str(end), now, sample.tz)
    except SettingError as exc:
        raise StudioError(f"window: {exc}") from None
    if t1 <= t0:
        raise StudioError("window: end must be after start")
    return t0, t1


def walk_ticks(sample: Sample, window: tuple[float, float], now: float, seed: int, spread: bool) -> Walk:
    """The sample's ticks due in [start, end) of `window`, each rated; with `spread` (live pacing of a spreading
    schedule) a point tick is spread until the next tick, as the Timer does."""
    walk = Walk()
    deadline = time.monotonic() + TIME_BUDGET
    start, end = window
    stream = plan_ticks(sample, Window(start, now, end_time=end, paced=False), seed)  # the past shown too (skipPast)
    item = next(stream, None)
    while item is not None and item[1].time < end:
        _, tick, rated = item
        if walk.ticks >= MAX_TICKS or (walk.ticks % 1024 == 0 and time.monotonic() > deadline):
            walk.truncated = True
            break
        walk.ticks += 1
        following = next(stream, None)
        if tick.timestamps is not None:
            walk.explicit.append(np.asarray(tick.timestamps, dtype=float))
        elif spread and following is not None and tick.earliest == tick.latest and following[1].time > tick.time:
            walk.spans.append((tick.earliest, tick.earliest + following[1].time - tick.time, float(rated)))
        else:
            walk.spans.append((tick.earliest, tick.latest, float(rated)))
        item = following
    return walk


def clock_edges(t0: float, t1: float, tz: tzinfo) -> tuple[np.ndarray, str]:
    """Bin edges on clock boundaries of `tz` covering [t0, t1): whole seconds, minutes, hours or calendar
    days, the smallest unit that keeps the bins at most MAX_AUTO_BINS (several days a bin beyond that).
    The first edge is the boundary at or before t0, the last the one at or after t1."""
    span = t1 - t0
    name, size = next(((n, s) for n, s in CLOCK_UNITS if span / s <= MAX_AUTO_BINS), CLOCK_UNITS[-1])
    if name != "day":
        offset = datetime.fromtimestamp(t0, tz).utcoffset() or timedelta(0)
        first = t0 - (t0 + offset.total_seconds()) % size  # wall-clock boundary (DST moves whole hours)
        edges = first + size * np.arange(math.ceil((t1 - first) / size - 1e-9) + 1)
        return edges, name
    step = max(1, math.ceil(span / 86400 / MAX_AUTO_BINS))
    day = datetime.fromtimestamp(t0, tz).date()
    stamps = []
    while True:
        stamps.append(datetime.combine(day, dtime(), tz).timestamp())  # local midnight, DST-aware
        if stamps[-1] >= t1:
            break
        day += timedelta(days=step)
    return np.asarray(stamps, dtype=float), "day" if step == 1 else f"{step} days"


def bin_events(
    edges: np.ndarray, spans: list[tuple[float, float, float]], explicit: list[np.ndarray]
) -> tuple[np.ndarray, int]:
    """Whole events per bin (half-open bins) and the total.

    Explicit timestamps are counted where they fall. A span (earliest, latest, n) holds n whole events
    at earliest + i * (latest - earliest) / n, i = 0 … n-1 (evenly spread, as live pacing places them,
    and where a uniform draw puts them on average), so each bin counts events, never fractions of one;
    a point span (latest <= earliest) puts all n at its time.
    """
    counts = np.zeros(len(edges) - 1, dtype=np.int64)
    total = 0
    if explicit:
        stamps = np.concatenate(explicit)
        total += len(stamps)
        counts += _histogram(stamps, edges, None)
    if spans:
        table = np.asarray(spans, dtype=float)
        early, late, n = table[:, 0], table[:, 1], np.rint(table[:, 2])
        total += int(n.sum())
        point = late <= early
        counts += _histogram(early[point], edges, n[point])
        early, late, n = early[~point], late[~point], n[~point]
        for lo in range(0, len(n), 4096):
            e, w, c = early[lo : lo + 4096, None], (late - early)[lo : lo + 4096, None], n[lo : lo + 4096, None]
            # events before each edge: the i with e + i*w/c < edge, i.e. ceil((edge - e) * c / w), within [0, c]
            before = np.clip(np.ceil((edges[None, :] - e) * c / w - 1e-9), 0.0, c)
            counts += np.diff(before.sum(axis=0)).astype(np.int64)
    return counts, total


def _histogram(values: np.ndarray, edges: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """np.histogram with every bin half-open (a value on the last edge is outside), as whole counts."""
    keep = values < edges[-1]
    hist, _ = np.histogram(values[keep], bins=edges, weights=None if weights is None else weights[keep])
    return np.rint(hist).astype(np.int64)
