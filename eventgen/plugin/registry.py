"""The registry: every plugin by (kind, name), each imported when it is first asked for; and `Plugin`, the root of
every plugin class, whose subclasses register themselves.

Plugins come from three sources, in this order (a later one wins for the same kind and name):
1. the built-ins, `lib/plugins/<kind>/<name>.py` or a package `<kind>/<name>/` (installed as `eventgen_plugins`);
2. user folders (`pluginDir`, `--plugin-dir`) laid out the same way (or with plugin files at their top);
3. installed packages exposing the entry-point group `eventgen.plugins`.

`get(kind, name)` imports only the files named after the plugin (`<kind>/<name>.py`, `<kind>/<name>/`, or `<name>.py`
at a folder's top) and the entry points named `name`. A name found nowhere that way makes the registry import
everything, so a plugin in a file of another name is still found; `all()` and `names()` import everything too
(docs, `eventgen build`, the settings table, the error that lists the known names).
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
import threading
from abc import ABC
from collections.abc import Iterable, Mapping
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from eventgen.core.config import Config
from eventgen.core.errors import PluginError
from eventgen.core.settings import Setting
from eventgen.plugin.configs import plugin_config_type

if TYPE_CHECKING:
    from eventgen.conf.sample import Sample

BUILTIN_PACKAGE = "eventgen_plugins"
ENTRY_POINTS = "eventgen.plugins"


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


class Registry:
    """All known plugins by (kind, name)."""

    def __init__(self) -> None:
        self._plugins: dict[tuple[str, str], type[Plugin]] = {}
        self._roots: list[tuple[Path, str]] = []  # (plugin folder, the package it is imported as), in order
        self._looked_up: set[tuple[str, str]] = set()  # names whose files have been imported
        self._entry_points: list[EntryPoint] | None = None
        self._loaded_entry_points: set[str] = set()
        self._everything = False
        self._lock = threading.RLock()  # one import at a time: lookups come from worker threads too

    def add(self, cls: type[Plugin]) -> None:
        """Register a class (called by subclassing a plugin base)."""
        self._plugins[(cls.kind, cls.name)] = cls

    def add_dirs(self, dirs: Iterable[Path]) -> None:
        """Folders of user plugins (each once, in order); nothing is imported until a plugin is asked for."""
        with self._lock:
            self._builtin_root()
            for folder in dirs:
                root = Path(folder).resolve()
                if any(root == known for known, _ in self._roots):
                    continue
                if not root.is_dir():
                    raise PluginError(f"plugin directory {root} does not exist")
                self._roots.append((root, f"eventgen_user_plugins_{len(self._roots) + 1}"))
                self._looked_up.clear()  # the new folder may hold a plugin already looked up elsewhere
                if self._everything:
                    self._import_root(*self._roots[-1])

    def get(self, kind: str, name: str) -> type[Plugin]:
        """The plugin `name` of `kind`; an output instance `name#label` is output `name`."""
        key = (kind, _plugin_name(kind, name))
        found = self._find(key)
        if found is None:
            raise PluginError(f"unknown {kind} {key[1]!r}; known: {', '.join(self.names(kind))}")
        return found

    def has(self, kind: str, name: str) -> bool:
        return self._find((kind, _plugin_name(kind, name))) is not None

    def names(self, kind: str) -> list[str]:
        self.load()
        return sorted(name for k, name in self._plugins if k == kind)

    def all(self) -> list[type[Plugin]]:
        self.load()
        return [self._plugins[key] for key in sorted(self._plugins)]

    def builtins(self) -> list[type[Plugin]]:
        """The plugins eventgen ships (`lib/plugins`): what its generated docs describe, whatever else a process
        registered."""
        return [cls for cls in self.all() if cls.__module__.startswith(f"{BUILTIN_PACKAGE}.")]

    def load(self, extra_dirs: Iterable[Path] = ()) -> None:
        """Import every plugin: the built-ins, every plugin folder (`extra_dirs` added first) and entry point."""
        with self._lock:
            self.add_dirs(extra_dirs)
            if self._everything:
                return
            for root, package in list(self._roots):
                self._import_root(root, package)
            for point in self._points():
                self._load_point(point)
            self._everything = True

    def _find(self, key: tuple[str, str]) -> type[Plugin] | None:
        if self._everything or key in self._looked_up:
            found = self._plugins.get(key)
            if found is not None:
                return found
        with self._lock:
            if not self._everything and key not in self._looked_up:
                kind, name = key
                for root, package in list(self._builtin_root()):
                    for module, path in _named(root, package, kind, name):
                        _import(module, path, root, package)
                for point in self._points():
                    if point.name == name:
                        self._load_point(point)
                self._looked_up.add(key)
            if key not in self._plugins:
                self.load()  # a plugin in a file of another name: only importing everything finds it
            return self._plugins.get(key)

    def _builtin_root(self) -> list[tuple[Path, str]]:
        if not self._roots:
            self._roots.append((builtin_plugin_dir().resolve(), BUILTIN_PACKAGE))
        return self._roots

    def _points(self) -> list[EntryPoint]:
        if self._entry_points is None:
            self._entry_points = list(entry_points(group=ENTRY_POINTS))
        return self._entry_points

    def _load_point(self, point: EntryPoint) -> None:
        if point.name in self._loaded_entry_points:
            return
        self._loaded_entry_points.add(point.name)
        try:
            point.load()
        except Exception as exc:
            raise PluginError(f"plugin entry point {point.name!r} failed to load: {exc}") from exc

    def _import_root(self, root: Path, package: str) -> None:
        """Every plugin module of a folder: its top-level files and packages, and those of each kind folder."""
        _ensure_package(package, root)
        for kind_dir in [root, *sorted(p for p in root.iterdir() if p.is_dir())]:
            if kind_dir.name.startswith(("_", ".")):
                continue
            prefix = package if kind_dir == root else f"{package}.{kind_dir.name}"
            for entry in sorted(kind_dir.iterdir()):
                if entry.name.startswith(("_", ".")):
                    continue
                if entry.suffix == ".py" or (entry.is_dir() and (entry / "__init__.py").is_file()):
                    _import(f"{prefix}.{entry.stem}", entry, root, package)


def _plugin_name(kind: str, name: str) -> str:
    return name.partition("#")[0] if kind == "output" else name


def _named(root: Path, package: str, kind: str, name: str) -> list[tuple[str, Path]]:
    """(module, path) of the files in `root` named after plugin `name` of `kind`."""
    if not name or name.startswith(("_", ".")) or not name.isidentifier():
        return []
    found = []
    for folder, prefix in ((root / kind, f"{package}.{kind}"), (root, package)):
        if (folder / f"{name}.py").is_file():
            found.append((f"{prefix}.{name}", folder / f"{name}.py"))
        elif (folder / name / "__init__.py").is_file():
            found.append((f"{prefix}.{name}", folder / name))
    return found


def _import(module_name: str, path: Path, root: Path, package: str) -> None:
    """Import one plugin module (its package and kind package made first), once."""
    if module_name in sys.modules:
        return
    _ensure_package(package, root)
    parent = module_name.rpartition(".")[0]
    if parent != package:
        _ensure_package(parent, root / parent.rpartition(".")[2])
    try:
        importlib.import_module(module_name)
    except Exception as exc:
        sys.modules.pop(module_name, None)
        raise PluginError(f"plugin {path} failed to load: {exc}") from exc


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


def builtin_plugin_dir() -> Path:
    """`lib/plugins` in a checkout, or the installed `eventgen_plugins` package."""
    checkout = Path(__file__).resolve().parents[2] / "lib" / "plugins"
    if checkout.is_dir():
        return checkout
    spec = importlib.util.find_spec(BUILTIN_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise PluginError("built-in plugins not found (is eventgen installed?)")
    return Path(next(iter(spec.submodule_search_locations)))


registry = Registry()
