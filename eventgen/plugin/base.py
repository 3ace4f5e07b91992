"""Plugin contracts and the registry that discovers them.

A plugin is a subclass of one of the base classes below with a `name` and its own declared
`settings`. Subclassing registers it. Built-ins live in `lib/plugins/<kind>/`; users add
directories (`pluginDir`, `--plugin-dir`) or packages exposing the `eventgen.plugins` entry point.
The core never imports a plugin by name: it asks `registry`.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import logging
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from eventgen.core.batch import EventBatch, GenerationJob
from eventgen.core.config import Config
from eventgen.core.errors import PluginError
from eventgen.core.settings import Setting
from eventgen.plugin.configs import plugin_config_type

if TYPE_CHECKING:
    from eventgen.conf.sample import Sample

log = logging.getLogger(__name__)


class Plugin(ABC):
    """Base of every plugin: a kind, a name, declared settings and a one-line summary."""

    kind: ClassVar[str] = ""
    name: ClassVar[str] = ""
    settings: ClassVar[tuple[Setting, ...]] = ()
    summary: ClassVar[str] = ""
    # settings that choose this plugin when a stanza names none of its kind: {key: value}, or {key: None} for
    # "key is set"; and the defaults it then implies for settings the stanza leaves unset
    chosen_by: ClassVar[dict[str, str | None]] = {}
    implies: ClassVar[dict[str, str]] = {}
    uses: ClassVar[frozenset[str]] = frozenset()  # features the plugin needs, e.g. "udp" (not in Splunk apps)
    # core keys the plugin reads (None: undeclared; its config then holds its own settings only)
    uses_core: ClassVar[Iterable[str] | None] = None
    config: Config  # this instance's settings: frozen, typed, built once from the declarations (`config_type`)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name and cls.kind:
            registry.add(cls)

    @classmethod
    def validate(cls, sample: Sample) -> list[tuple[str, str]]:
        """Check a sample's settings for this plugin at load time: (key, message) per problem."""
        return []

    @classmethod
    def core_keys(cls) -> tuple[str, ...]:
        """The core settings this plugin's config holds besides its own."""
        return tuple(cls.uses_core or ())

    @classmethod
    def config_type(cls) -> type[Config]:
        """The frozen config class of this plugin: one attribute per declared setting and core key it reads."""
        return plugin_config_type(cls)

    @classmethod
    def config_of(cls, settings: Mapping[str, Any]) -> Config:
        """This plugin's config from a sample's settings (a key left unset takes its declared default)."""
        return cls.config_type().of(settings)


class GeneratorPlugin(Plugin):
    """Renders a job into a batch. One instance per sample per worker; compile in __init__."""

    kind = "generator"
    needs_sample_file: ClassVar[bool] = True
    tracing: bool = False  # set by `eventgen preview`: keep per-event state for preview_state()

    @classmethod
    def is_stateful(cls, sample: Sample) -> bool:
        """True when rendering depends on state kept between jobs: one instance then renders every job of
        the sample (threads share it under a lock; process and cluster workers get its jobs by affinity)."""
        return False

    @classmethod
    def exact_count(cls, sample: Sample) -> bool:
        """True when a job of N times makes exactly N events (fewer only when it fails): the dispatcher then
        refuses a completion that claims any other number. False (the default) for plugins that make any
        number of events per time, such as templates and scripts."""
        return False

    def __init__(self, sample: Sample):
        self.sample = sample
        self.config = self.config_of(sample.settings)

    @abstractmethod
    def generate(self, job: GenerationJob) -> EventBatch: ...

    def preview_state(self) -> dict[str, Any]:
        """State worth showing in `eventgen preview` (templates override)."""
        return {}


class RaterPlugin(Plugin):
    """Turns a sample's base count into the count for one interval.

    The plan sets `seed` (the run's) before the first `rate`, and hands each job it cuts from a rated tick to
    `observe`, in order, so that a rater may correct later counts from what earlier jobs really hold (raters
    that do set `observes`)."""

    kind = "rater"
    # core keys the rater reads (None: undeclared, nothing is warned about). Without "count" the tick's count is
    # ignored (the rater sizes intervals itself); the loader warns about declared-unread keys a stanza sets.
    uses_core: ClassVar[Iterable[str] | None] = None
    observes: ClassVar[bool] = False  # True: `observe` looks at jobs, so only the full plan gives exact counts
    seed: int = 0

    def __init__(self, sample: Sample):
        self.sample = sample
        self.config = self.config_of(sample.settings)

    @abstractmethod
    def rate(self, count: int, when: float, rng: np.random.Generator) -> int: ...

    def observe(self, job: GenerationJob) -> None:
        """A job the plan made from this rater's counts (called in plan order, after the tick was rated)."""

    def factors(self, times: np.ndarray) -> np.ndarray:
        """Per-event value factors for `rated` tokens (1.0 unless the rater has tables)."""
        return np.ones(len(times))


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


class InputPlugin(Plugin):
    """A schedule: when events happen and how many (Eventum's input plugins)."""

    kind = "input"
    spread: ClassVar[bool] = False  # live: release a tick's events evenly until the next tick (interval)
    # ticks come from outside while a run goes on (e.g. HTTP requests): without `live` the schedule yields nothing,
    # and its plan cannot be counted ahead
    on_demand: ClassVar[bool] = False
    live: LiveRun | None = None  # set by the plan for a real run only (see LiveRun)
    # core keys the schedule reads (None: undeclared, nothing is warned about): the loader warns about the others
    # of SCHEDULE_KEYS that a stanza sets
    uses_core: ClassVar[Iterable[str] | None] = None
    rated: ClassVar[bool] = True  # its ticks' counts go through the rater (False: explicit times, no rater)

    def __init__(self, sample: Sample, now: float | None = None):
        self.sample = sample
        self.config = self.config_of(sample.settings)
        self.now = time.time() if now is None else now  # the run's reference time (`--now`)

    @abstractmethod
    def ticks(self, start: float, rng: np.random.Generator) -> Iterator[Tick]:
        """Ticks in time order from `start`; the timer decides when to stop."""
        ...


class Registry:
    """All known plugins by (kind, name)."""

    def __init__(self) -> None:
        self._plugins: dict[tuple[str, str], type[Plugin]] = {}
        self._loaded_dirs: set[Path] = set()
        self._entry_points_loaded = False

    def add(self, cls: type[Plugin]) -> None:
        self._plugins[(cls.kind, cls.name)] = cls

    def get(self, kind: str, name: str) -> type[Plugin]:
        """The plugin `name` of `kind`; an output instance `name#label` is output `name`."""
        self.load()
        if kind == "output":
            name = name.partition("#")[0]
        try:
            return self._plugins[(kind, name)]
        except KeyError:
            raise PluginError(f"unknown {kind} {name!r}; known: {', '.join(self.names(kind))}") from None

    def has(self, kind: str, name: str) -> bool:
        self.load()
        return (kind, name.partition("#")[0] if kind == "output" else name) in self._plugins

    def names(self, kind: str) -> list[str]:
        self.load()
        return sorted(name for k, name in self._plugins if k == kind)

    def all(self) -> list[type[Plugin]]:
        self.load()
        return [self._plugins[key] for key in sorted(self._plugins)]

    def load(self, extra_dirs: Iterable[Path] = ()) -> None:
        """Import built-in plugins, plugins in `extra_dirs` and entry points (each once)."""
        for root in [builtin_plugin_dir(), *extra_dirs]:
            self._load_dir(Path(root))
        if not self._entry_points_loaded:
            self._entry_points_loaded = True
            for ep in entry_points(group="eventgen.plugins"):
                try:
                    ep.load()
                except Exception as exc:
                    raise PluginError(f"plugin entry point {ep.name!r} failed to load: {exc}") from exc

    def _load_dir(self, root: Path) -> None:
        root = root.resolve()
        if root in self._loaded_dirs:
            return
        self._loaded_dirs.add(root)
        if not root.is_dir():
            raise PluginError(f"plugin directory {root} does not exist")
        builtin = root == builtin_plugin_dir().resolve()
        package = "eventgen_plugins" if builtin else f"eventgen_user_plugins_{len(self._loaded_dirs)}"
        _ensure_package(package, root)
        for kind_dir in [root, *sorted(p for p in root.iterdir() if p.is_dir())]:
            if kind_dir.name.startswith(("_", ".")):
                continue
            prefix = package if kind_dir == root else f"{package}.{kind_dir.name}"
            if kind_dir != root:
                _ensure_package(prefix, kind_dir)
            for entry in sorted(kind_dir.iterdir()):
                if entry.name.startswith(("_", ".")):
                    continue
                if entry.suffix == ".py" or (entry.is_dir() and (entry / "__init__.py").is_file()):
                    _import(f"{prefix}.{entry.stem}", entry)


def _ensure_package(name: str, folder: Path) -> None:
    """Make `folder` importable as package `name` (so plugins can be packages with submodules)."""
    if name in sys.modules:
        return
    init = folder / "__init__.py"
    if init.is_file():
        spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(folder)])
    else:
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [str(folder)]
    if spec is None:
        raise PluginError(f"cannot use {folder} as a plugin folder")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    if spec.loader is not None:
        spec.loader.exec_module(module)


def _import(module_name: str, path: Path) -> None:
    if module_name in sys.modules:
        return
    try:
        importlib.import_module(module_name)
    except Exception as exc:
        sys.modules.pop(module_name, None)
        raise PluginError(f"plugin {path} failed to load: {exc}") from exc


def builtin_plugin_dir() -> Path:
    """`lib/plugins` in a checkout, or the installed `eventgen_plugins` package."""
    checkout = Path(__file__).resolve().parents[2] / "lib" / "plugins"
    if checkout.is_dir():
        return checkout
    spec = importlib.util.find_spec("eventgen_plugins")
    if spec is None or not spec.submodule_search_locations:
        raise PluginError("built-in plugins not found (is eventgen installed?)")
    return Path(next(iter(spec.submodule_search_locations)))


registry = Registry()


_OUTPUT_NAMES = (
    "OutputPlugin", "OutputError", "OutputConfig", "Delivery", "LineFrames", "WriteResult", "event_text_of",
)  # fmt: skip


def __getattr__(name: str) -> Any:
    """The output contract lives in `eventgen.plugin.output`; plugins written against `eventgen.plugin.base`
    still find it here."""
    if name in _OUTPUT_NAMES:
        from eventgen.plugin import output

        return getattr(output, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
