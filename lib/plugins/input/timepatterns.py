"""`input = timepatterns`: Eventum-style time-pattern files (YAML), one or several combined.

Each file describes a repeating period (oscillator), how many events fall in a period (multiplier
x a randomizer factor) and where inside the period they fall (spreader: uniform, triangular or
beta). Several files are merged in time order, event by event.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from eventgen.plugin import InputPlugin, PathKind, Setting, SettingError, Tick, moment, parse_list, read_text

UNITS = {
    "weeks": 604800.0, "days": 86400.0, "hours": 3600.0, "minutes": 60.0, "seconds": 1.0,
    "milliseconds": 1e-3, "microseconds": 1e-6,
}  # fmt: skip
DIRECTIONS = ("decrease", "increase", "mixed")
SPREADERS = {"uniform": ("low", "high"), "triangular": ("left", "mode", "right"), "beta": ("a", "b")}


@dataclass
class Pattern:
    """One parsed pattern file."""

    label: str
    period: float  # seconds
    start: float
    end: float
    ratio: int
    deviation: float
    direction: str
    sampling: int
    distribution: str
    parameters: dict[str, float]

    def factor_bounds(self) -> tuple[float, float]:
        d = self.deviation
        return {"decrease": (1 - d, 1.0), "increase": (1.0, 1 + d), "mixed": (1 - d, 1 + d)}[self.direction]

    def spread(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """`n` sorted positions in [0, 1) inside a period."""
        p = self.parameters
        if self.distribution == "uniform":
            values = rng.uniform(p["low"], p["high"], n)
        elif self.distribution == "triangular":
            if p["left"] == p["right"]:
                values = np.full(n, p["left"])
            else:
                values = rng.triangular(p["left"], p["mode"], p["right"], n)
        else:
            values = rng.beta(p["a"], p["b"], n)
        values.sort()
        return np.minimum(values, np.nextafter(1.0, 0.0))


def _section(data: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    value = data.get(name)
    if not isinstance(value, dict):
        raise SettingError(f"{where}: section `{name}` is missing or not a mapping")
    return value


def _number(section: dict[str, Any], key: str, where: str, default: float | None = None) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingError(f"{where}: `{key}` must be a number, got {value!r}")
    return float(value)


def load_pattern(path: Path, tz, now: float) -> Pattern:
    """Parse and check one pattern file; errors name the file and the field."""
    where = str(path)
    try:
        data = yaml.safe_load(read_text(path))
    except yaml.YAMLError as exc:
        raise SettingError(f"{where}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise SettingError(f"{where}: a time pattern is a YAML mapping")
    osc = _section(data, "oscillator", where)
    period = _number(osc, "period", where)
    unit = str(osc.get("unit", "")).lower()
    if unit not in UNITS:
        raise SettingError(f"{where}: oscillator.unit must be one of {', '.join(UNITS)}, got {unit!r}")
    if period <= 0:
        raise SettingError(f"{where}: oscillator.period must be above 0")
    if "start" not in osc or "end" not in osc:
        raise SettingError(f"{where}: oscillator needs `start` and `end` (a datetime, now, never, or +1d…)")
    start = moment(osc["start"], tz, now=now)
    if start == float("inf"):
        raise SettingError(f"{where}: oscillator.start cannot be never")
    end = moment(osc["end"], tz, base=start, now=now)
    if end <= start:
        raise SettingError(f"{where}: oscillator.end must be after oscillator.start")
    ratio = _number(_section(data, "multiplier", where), "ratio", where)
    if ratio < 1 or ratio != int(ratio):
        raise SettingError(f"{where}: multiplier.ratio must be an integer >= 1")
    rnd = data.get("randomizer") or {}
    deviation = _number(rnd, "deviation", where, 0.0)
    direction = str(rnd.get("direction", "mixed")).lower()
    sampling = _number(rnd, "sampling", where, 1024)
    if not 0 <= deviation <= 1:
        raise SettingError(f"{where}: randomizer.deviation must be in [0, 1]")
    if direction not in DIRECTIONS:
        raise SettingError(f"{where}: randomizer.direction must be one of {', '.join(DIRECTIONS)}")
    if sampling < 16:
        raise SettingError(f"{where}: randomizer.sampling must be at least 16")
    spreader = _section(data, "spreader", where)
    distribution = str(spreader.get("distribution", "")).lower()
    if distribution not in SPREADERS:
        raise SettingError(f"{where}: spreader.distribution must be one of {', '.join(SPREADERS)}")
    raw = spreader.get("parameters") or {}
    params = {key: _number(raw, key, where) for key in SPREADERS[distribution]}
    if distribution == "uniform" and not 0 <= params["low"] < params["high"] <= 1:
        raise SettingError(f"{where}: uniform needs 0 <= low < high <= 1")
    if distribution == "triangular" and not 0 <= params["left"] <= params["mode"] <= params["right"] <= 1:
        raise SettingError(f"{where}: triangular needs 0 <= left <= mode <= right <= 1")
    if distribution == "beta" and (params["a"] <= 0 or params["b"] <= 0):
        raise SettingError(f"{where}: beta needs a > 0 and b > 0")
    return Pattern(
        str(data.get("label", path.stem)),
        period * UNITS[unit],
        start,
        end,
        int(ratio),
        deviation,
        direction,
        int(sampling),
        distribution,
        params,
    )


def pattern_periods(pattern: Pattern, begin: float, rng: np.random.Generator) -> Iterator[tuple[float, np.ndarray]]:
    """(period end, sorted event times) for each period from the one holding `begin` to `end`."""
    low, high = pattern.factor_bounds()
    pool = rng.uniform(low, high, pattern.sampling)
    used = 0
    t0 = pattern.start
    if begin > t0:
        t0 += math.floor((begin - t0) / pattern.period) * pattern.period
    while t0 < pattern.end:
        if used == len(pool):
            rng.shuffle(pool)
            used = 0
        n = int(pattern.ratio * pool[used])
        used += 1
        stamps = t0 + pattern.spread(rng, n) * pattern.period
        if stamps.size and (stamps[0] < begin or stamps[-1] >= pattern.end):
            stamps = stamps[(stamps >= begin) & (stamps < pattern.end)]
        t0 += pattern.period
        yield min(t0, pattern.end), stamps


def merged(streams: list[Iterator[tuple[float, np.ndarray]]]) -> Iterator[tuple[float, np.ndarray]]:
    """Merge period streams into (frontier, sorted times): every time below the frontier is final."""
    pending: list[list[np.ndarray]] = [[] for _ in streams]
    frontier = [-math.inf] * len(streams)
    alive = list(range(len(streams)))
    while alive:
        k = min(alive, key=lambda i: frontier[i])
        item = next(streams[k], None)
        if item is None:
            alive.remove(k)
            frontier[k] = math.inf
        else:
            frontier[k], stamps = item
            pending[k].append(stamps)
        limit = min(frontier)
        ready: list[np.ndarray] = []
        for i, parts in enumerate(pending):
            if not parts:
                continue
            joined = np.concatenate(parts)
            cut = int(np.searchsorted(joined, limit, side="left")) if limit != math.inf else len(joined)
            ready.append(joined[:cut])
            pending[i] = [joined[cut:]] if cut < len(joined) else []
        out = np.sort(np.concatenate(ready)) if ready else np.empty(0)
        if limit != -math.inf:
            yield limit, out


class TimePatternsInput(InputPlugin):
    name = "timepatterns"
    uses_core = ()
    rated = False  # explicit event times: the rater is not asked
    summary = "Eventum time patterns: oscillator period x multiplier ratio x randomizer, spread per period."
    settings = (
        Setting(
            "timePatterns",
            parse_list,
            None,
            "`input = timepatterns`: comma-separated YAML pattern files (oscillator, multiplier, randomizer, "
            "spreader); several are merged in time order. Paths resolve like token files.",
            path=PathKind.FILE,
        ),
    )

    @classmethod
    def validate(cls, sample) -> list[tuple[str, str]]:
        try:
            cls.patterns(sample)
        except (SettingError, OSError) as exc:
            return [("timePatterns", str(exc))]
        return []

    @classmethod
    def patterns(cls, sample, now: float | None = None) -> list[Pattern]:
        names = cls.config_of(sample.settings).timePatterns
        if not names:
            raise SettingError("input = timepatterns needs timePatterns (one or more YAML files)")
        now = time.time() if now is None else now
        return [load_pattern(sample.resolve(name), sample.tz, now) for name in names]

    def ticks(self, start: float, rng: np.random.Generator) -> Iterator[Tick]:
        streams = [pattern_periods(p, start, rng) for p in self.patterns(self.sample, self.now)]
        for frontier, stamps in merged(streams):
            if stamps.size:
                yield Tick(float(stamps[0]), len(stamps), float(stamps[0]), float(stamps[-1]), stamps)
            elif frontier != math.inf:  # an empty period: lets the timer wait, and check `end`
                yield Tick(frontier, 0, frontier, frontier, stamps)
