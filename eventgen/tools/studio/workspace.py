"""The studio's work behind its HTTP API, free of any web framework.

Every operation can run on the saved conf or on unsaved conf text: the text is written to a
hidden temporary file beside the conf (so relative sample, template and plugin paths resolve
as they will once saved), loaded with `eventgen.resolve.loader.load`, and removed afterwards.
An Eventum project (generator.yml) is loaded the same way through `eventgen.resolve.eventum.load_translated`
with the studio's params and secrets; its temporary copy keeps the `.yml` suffix and the folder (so its paths
and the samples' name, taken from the folder, stay the same).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta, tzinfo
from datetime import time as dtime
from pathlib import Path
from typing import Any

import numpy as np

from eventgen.conf.eventum import looks_like_project
from eventgen.conf.sample import Sample
from eventgen.conf.syntax import parse_conf
from eventgen.core.batch import GenerationJob
from eventgen.core.errors import ConfigError, ConfigErrors, EventgenError
from eventgen.core.settings import SettingError, Settings, index
from eventgen.core.timeutil import parse_time
from eventgen.plugin.base import InputPlugin, RaterPlugin, registry
from eventgen.resolve.config import RunConfig
from eventgen.resolve.eventum import load_translated
from eventgen.resolve.loader import load
from eventgen.resolve.plugins import all_groups
from eventgen.run.preview import preview_events
from eventgen.schedule.plan import Window, window_for
from eventgen.schedule.plan import ticks as plan_ticks
from eventgen.tools.studio.errors import StudioError, error_dict
from eventgen.tools.studio.files import TMP_PREFIX, Files

MAX_PREVIEW = 1000
MAX_STEPS = 500
MAX_BINS = 1000
MAX_TICKS = 200_000
TIME_BUDGET = 5.0  # seconds one histogram or debug request may spend walking a schedule
# core settings that can shape a time distribution; the form shows those the sample's input and rater use
SCHEDULE_KEYS = (
    "interval", "count", "bundlelines", "earliest", "latest", "randomizeCount", "timeMultiple", "delay",
    "backfill", "end", "timezone",
)  # fmt: skip
WINDOW_KEYS = ("backfill", "end", "timezone")  # the histogram's own window and clock: shown for every sample
PROBE_TICKS = 3  # ticks walked to see which settings an input (and its rater) reads


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


_KV = re.compile(r"""(?:^|[\s,;])[\w.\-]+=("[^"]*"|'[^']*'|[^\s,;]*)""")


def detect_format(events: list[str]) -> str:
    """`json` when every event is a JSON object or array, `kv` when most carry two or more
    key=value pairs, else `plain`."""
    if not events:
        return "plain"
    json_like = 0
    for event in events:
        text = event.strip()
        if text[:1] in "{[":
            try:
                json.loads(text)
                json_like += 1
            except ValueError:
                pass
    if json_like == len(events):
        return "json"
    kv_like = sum(1 for event in events if len(_KV.findall(event)) >= 2)
    return "kv" if kv_like * 2 >= len(events) else "plain"


def parse_stanzas(text: str) -> dict[str, dict[str, str]]:
    """Raw stanzas of conf text, read as `eventgen.conf.syntax.read_conf` reads a file (Splunk syntax:
    BOM, backslash continuation); a parse error is a ConfigError naming the line."""
    return parse_conf(text, "")


class Workspace:
    """One conf being designed: its files, and the studio's operations on them."""

    def __init__(
        self,
        conf: str | Path,
        seed: int | None = None,
        params: Mapping[str, Any] | None = None,
        secrets: Mapping[str, Any] | None = None,
    ):
        self.conf = Path(conf).resolve()
        if not self.conf.is_file():
            raise StudioError(f"conf file {conf} not found")
        self.folder = self.conf.parent
        self.seed = seed
        self.project = looks_like_project(self.conf)  # an Eventum generator.yml rather than an eventgen.conf
        self.params = dict(params or {})
        self.secrets = dict(secrets or {})
        self.tmp_suffix = ".yml" if self.project else ".conf.tmp"
        self.lock = threading.RLock()  # loading touches the process-wide plugin registry
        self.files = Files(self)  # list, read, save: confined to the workspace

    # -- loading ---------------------------------------------------------------------------
    def conf_text(self) -> str:
        return self.conf.read_text(encoding="utf-8")

    @contextmanager
    def loaded(
        self, conf_text: str | None = None, overrides: Mapping[str, str] | None = None, only: str | None = None
    ) -> Iterator[RunConfig]:
        """The conf (or unsaved `conf_text`) loaded; ConfigErrors name the real conf file."""
        raw = {k: str(v) for k, v in (overrides or {}).items() if str(v).strip() != ""}
        with self.lock:
            if conf_text is None:
                yield self._load(self.conf, raw, only)
                return
            fd, name = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=self.tmp_suffix, dir=self.folder)
            tmp = Path(name)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(conf_text)
                config = self._load_tmp(tmp, raw, only)
                yield config
            finally:
                tmp.unlink(missing_ok=True)

    def _load(self, path: Path, overrides: dict[str, str], only: str | None) -> RunConfig:
        """A conf (a workspace may start without samples) or a project, translated with the studio's params."""
        if self.project:
            return load_translated(path, self.params, self.secrets, overrides, only)
        return load(path, overrides, only=only, require_samples=False)

    def _load_tmp(self, tmp: Path, overrides: dict[str, str], only: str | None) -> RunConfig:
        try:
            config = self._load(tmp, overrides, only)
        except ConfigErrors as exc:
            for error in exc.errors:
                error.file = self._unmask(error.file)
                error.message = self._unmask(error.message)
            raise
        except ConfigError as exc:
            exc.file = self._unmask(exc.file)
            raise
        config.samples = [s for s in config.samples if s.path not in (self.conf, tmp)]
        config.warnings = [self._unmask(w) for w in config.warnings]
        return config

    def _unmask(self, text: str) -> str:
        hidden = re.escape(TMP_PREFIX) + r"[^/\s:]*" + re.escape(self.tmp_suffix)
        return re.sub(re.escape(str(self.folder)) + r"/" + hidden, str(self.conf), text)

    def effective_seed(self, seed: int | None, config: RunConfig) -> tuple[int, str]:
        """The seed a request runs with and where it comes from, in the engine's order: the request's
        own, `--seed`, the conf's `[global] seed`; with none of them a run draws a random seed, and the
        studio renders with 0 (so its previews stay repeatable)."""
        if seed is not None:
            return seed, "request"
        if self.seed is not None:
            return self.seed, "--seed"
        if config.engine.seed is not None:
            return config.engine.seed, "conf"
        return 0, "unset"

    @staticmethod
    def pick(config: RunConfig, name: str) -> Sample:
        for sample in config.samples:
            if name in (sample.label, sample.name, sample.stanza):
                return sample
        known = ", ".join(s.label for s in config.samples) or "none"
        raise StudioError(f"no enabled sample {name!r}; samples: {known}")

    # -- config ----------------------------------------------------------------------------
    def config_view(self, conf_text: str | None = None) -> dict[str, Any]:
        """Raw stanzas, effective settings per sample, errors and warnings, editable files."""
        text = self.conf_text() if conf_text is None else conf_text
        view: dict[str, Any] = {
            "conf": str(self.conf),
            "text": text,
            "stanzas": {},
            "samples": [],
            "errors": [],
            "warnings": [],
            "files": [str(self.conf)],
            "plugins": {kind: registry.names(kind) for kind in ("generator", "input", "rater")},
            "seed": self.seed,
            "seed_source": "--seed" if self.seed is not None else "unset",
            "project": self.project,  # stanzas are then the translation's: shown, not edited
        }
        try:
            if not self.project:
                view["stanzas"] = parse_stanzas(text)
        except ConfigError as exc:
            view["errors"] = [{"file": str(self.conf), "stanza": "", "key": "", "message": exc.message}]
            return view
        try:
            with self.loaded(conf_text) as config:
                if self.project:
                    view["stanzas"] = config.project["sections"]
                view["samples"] = [self.describe(sample) for sample in config.samples]
                view["seed"], view["seed_source"] = self.effective_seed(None, config)
                view["warnings"] = list(config.warnings)
                view["files"] = [str(p) for p in self.files.listing(config)]
        except ConfigErrors as exc:
            view["errors"] = [error_dict(e) for e in exc.errors]
        except EventgenError as exc:
            view["errors"] = [{"file": str(self.conf), "stanza": "", "key": "", "message": str(exc)}]
        return view

    def describe(self, sample: Sample) -> dict[str, Any]:
        table = index(all_groups())
        ordered = sorted(sample.settings.items(), key=lambda kv: kv[0].lower())
        settings = {key: jsonable(value) for key, value in ordered}
        changed = []
        for key, value in sample.settings.items():
            declared = table.get(key)
            try:
                default = declared.default_value() if declared else None
            except SettingError:
                default = None
            if jsonable(value) != jsonable(default):
                changed.append(key)
        schedule_keys = [k for k in schedule_settings(sample) if k in settings]
        window = window_for(sample, time.time())
        end = sample.settings.get("end")
        end_text = str(end).strip() if end is not None else ""
        return {
            "label": sample.label,
            "name": sample.name,
            "stanza": sample.stanza,
            "path": str(sample.path) if sample.path else None,
            "generator": sample.settings["generator"],
            "input": sample.settings["input"],
            "rater": sample.settings["rater"],
            "settings": settings,
            "changed": sorted(changed),
            "tokens": [
                {
                    "number": t.number,
                    "token": t.pattern.pattern,
                    "replacementType": t.rtype,
                    "replacement": t.replacement,
                    "stanza": t.stanza,
                }
                for t in sample.tokens
            ],
            "schedule_keys": schedule_keys,
            "schedules": [{"stanza": m.stanza, "input": m.settings["input"]} for m in sample.schedules],
            "window": {
                "start": sample.settings.get("backfill") or "-24h@h",
                "end": end_text if end_text and not re.fullmatch(r"-?\d+", end_text) else "now",
                "historical": window.bounded,
            },
        }

    # -- preview ---------------------------------------------------------------------------
    def preview(
        self,
        sample: str,
        number: int = 10,
        seed: int | None = None,
        conf_text: str | None = None,
        files: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """`number` events of one sample through `eventgen.run.preview.preview_events`; `files` holds
        unsaved content of sample or template files (see `overlaid`)."""
        number = _bounded(number, 1, MAX_PREVIEW, "n")
        with self.files.overlaid(files), self.loaded(conf_text) as config:
            seed, _ = self.effective_seed(seed, config)
            chosen = self.pick(config, sample)
            single = dataclasses.replace(config, samples=[chosen])
            for _, _, batch in preview_events(single, number, seed):
                times = [_iso(t, chosen) for t in np.asarray(batch.times, dtype=float).tolist()]
                return {
                    "sample": chosen.label,
                    "generator": chosen.settings["generator"],
                    "seed": seed,
                    "events": list(batch.events),
                    "times": times,
                    "meta": dict(batch.meta),
                    "format": detect_format(batch.events),
                }
        raise StudioError(f"sample {sample!r} produced nothing")

    # -- time distribution -----------------------------------------------------------------
    def histogram(
        self,
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
            bins = _bounded(bins, 1, MAX_BINS, "bins")
        with self.loaded(conf_text, overrides) as config:
            seed, _ = self.effective_seed(seed, config)
            chosen = self.pick(config, sample)
            now = time.time()
            try:
                t0 = parse_time(str(start), now, chosen.tz)
                t1 = parse_time(str(end), now, chosen.tz)
            except SettingError as exc:
                raise StudioError(f"window: {exc}") from None
            if t1 <= t0:
                raise StudioError("window: end must be after start")
            if live is None:
                live = window_for(chosen, now).paced and not window_for(chosen, now).bounded
            spread = live and bool(getattr(registry.get("input", chosen.settings["input"]), "spread", False))
            spans: list[tuple[float, float, float]] = []
            explicit: list[np.ndarray] = []
            ticks = 0
            truncated = False
            deadline = time.monotonic() + TIME_BUDGET
            stream = plan_ticks(chosen, Window(t0, now, end_time=t1), seed or 0)
            item = next(stream, None)
            while item is not None and item[1].time < t1:
                _, tick, rated = item
                if ticks >= MAX_TICKS or (ticks % 1024 == 0 and time.monotonic() > deadline):
                    truncated = True
                    break
                ticks += 1
                following = next(stream, None)
                if tick.timestamps is not None:
                    explicit.append(np.asarray(tick.timestamps, dtype=float))
                elif (
                    spread and following is not None and tick.earliest == tick.latest and following[1].time > tick.time
                ):
                    spans.append((tick.earliest, tick.earliest + following[1].time - tick.time, float(rated)))
                else:
                    spans.append((tick.earliest, tick.latest, float(rated)))
                item = following
            if bins is None:
                edges, unit = clock_edges(t0, t1, chosen.tz)
            else:
                edges, unit = np.linspace(t0, t1, bins + 1), ""
            inside = edges.copy()
            inside[0], inside[-1] = t0, t1  # a bin the window cuts counts the events inside the window
            counts, total = bin_events(inside, spans, explicit)
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
                "ticks": ticks,
                "truncated": truncated,
                "live": live,
                "seed": seed,
                "effective": {k: jsonable(chosen.settings.get(k)) for k in (overrides or {}) if k in chosen.settings},
            }

    # -- template debugger -----------------------------------------------------------------
    def debug(
        self,
        sample: str,
        steps: int = 1,
        seed: int | None = None,
        conf_text: str | None = None,
        files: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Render one event per step from a fresh generator and record `preview_state()` after each.

        Steps follow the sample's schedule as the Timer would (rater applied, explicit timestamps
        honoured), each step being a one-event job, so counters and state advance as in a run.
        """
        steps = _bounded(steps, 1, MAX_STEPS, "steps")
        out: list[dict[str, Any]] = []
        error = None
        with self.files.overlaid(files), self.loaded(conf_text) as config:
            seed, _ = self.effective_seed(seed, config)
            chosen = self.pick(config, sample)
            generator = registry.get("generator", chosen.settings["generator"])(chosen)  # type: ignore[call-arg]
            deadline = time.monotonic() + TIME_BUDGET
            for number, tick, count in plan_ticks(chosen, window_for(chosen, time.time(), "sample"), seed or 0):
                if len(out) >= steps or time.monotonic() > deadline:
                    break
                stamps = tick.timestamps
                for i in range(count):
                    if len(out) >= steps:
                        break
                    seq = len(out)
                    job = GenerationJob(
                        chosen.label,
                        seq,
                        1,
                        tick.earliest,
                        tick.latest,
                        offset=seq,
                        interval=number,
                        now=tick.time,
                        seed=seed or 0,
                        timestamps=None if stamps is None else np.asarray(stamps[i : i + 1]),
                        extra={} if tick.sources is None else {"sources": tick.sources[i : i + 1].tobytes()},
                    )
                    try:
                        batch = generator.generate(job)  # type: ignore[attr-defined]
                    except Exception as exc:  # show the failing render instead of a 500
                        error = {"step": seq + 1, "message": f"{type(exc).__name__}: {exc}"}
                        break
                    times = np.asarray(batch.times, dtype=float).tolist()
                    out.append(
                        {
                            "step": seq + 1,
                            "events": list(batch.events),
                            "time": _iso(times[0], chosen) if times else None,
                            "state": jsonable(generator.preview_state()),
                        }
                    )  # type: ignore[attr-defined]
                if error:
                    break
        return {
            "sample": chosen.label,
            "generator": chosen.settings["generator"],
            "seed": seed,
            "steps": out,
            "error": error,
        }


class _Reads(Settings):
    """Settings that note every key read (how the studio learns what an input or rater uses)."""

    def __init__(self, values: Mapping[str, Any]):
        super().__init__(values)
        self.read: list[str] = []

    def __getitem__(self, key: str) -> Any:
        self.read.append(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.read.append(key)
        return super().get(key, default)


def _declared_core(plugin: type) -> list[str] | None:
    """`uses_core` when the plugin itself declares it (not inherited from the kind's base class)."""
    for klass in plugin.__mro__:
        if klass in (InputPlugin, RaterPlugin) or not issubclass(klass, InputPlugin | RaterPlugin):
            break
        if "uses_core" in vars(klass):
            return list(plugin.uses_core or ())
    return None


def schedule_settings(sample: Sample, now: float | None = None) -> list[str]:
    """The settings that shape this sample's time distribution, as the engine runs it: the window and
    clock, the input's declared settings and the core settings it uses, then - only when the input makes
    ticks the rater counts (ticks without explicit timestamps, see `eventgen.schedule.plan.ticks`) - the
    rater's. Core settings used come from a plugin's own `uses_core` declaration when it has one, else
    from watching the plugin read a copy of the sample's settings over its first ticks; if that probe
    fails every schedule key is shown."""
    now = time.time() if now is None else now
    inputs, rater = (registry.get(kind, sample.settings[kind]) for kind in ("input", "rater"))
    keys: list[str] = []

    def add(names: list[str]) -> None:
        keys.extend(k for k in names if k not in keys)

    try:
        reads = _Reads(sample.settings)
        probe = dataclasses.replace(sample, settings=reads)
        schedule = inputs(probe, now)  # type: ignore[call-arg]
        rng = np.random.default_rng(0)
        rated = False
        for number, tick in enumerate(schedule.ticks(now, rng)):  # type: ignore[attr-defined]
            rated = rated or tick.timestamps is None
            if number + 1 >= PROBE_TICKS:
                break
        used = _declared_core(inputs)
        add([k for k in (reads.read if used is None else used) if k in SCHEDULE_KEYS])
        add([s.name for s in inputs.settings])
        if rated:
            reads.read.clear()
            counter = rater(probe)  # type: ignore[call-arg]
            counter.rate(1, now, rng)  # type: ignore[attr-defined]
            used = _declared_core(rater)
            add([k for k in (reads.read if used is None else used) if k in SCHEDULE_KEYS])
            add([s.name for s in rater.settings])
    except Exception:  # a schedule that cannot run yet (validation reports why): offer every key
        add(list(SCHEDULE_KEYS))
        add([s.name for plugin in (inputs, rater) for s in plugin.settings])
    add(list(WINDOW_KEYS))
    return keys


# clock units for bins, smallest first: (name, seconds); a day is a calendar day of the sample's timezone
CLOCK_UNITS = (("second", 1), ("minute", 60), ("hour", 3600), ("day", 86400))
MAX_AUTO_BINS = 180  # the smallest clock unit giving at most this many bins is chosen


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


def _bounded(value: Any, low: int, high: int, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise StudioError(f"{name} must be an integer") from None
    if not low <= number <= high:
        raise StudioError(f"{name} must be between {low} and {high}")
    return number


def _iso(stamp: float, sample: Sample) -> str:
    return datetime.fromtimestamp(stamp, sample.tz).isoformat(timespec="milliseconds")
