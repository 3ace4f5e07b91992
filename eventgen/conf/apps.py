"""Splunk apps: an app folder's `default/` + `local/` eventgen.conf, and a folder of apps (`etc/apps`).

An app is a folder with `default/eventgen.conf` and/or `local/eventgen.conf`; its samples live in
`<app>/samples/`. An add-on that ships no eventgen.conf but a `pytest-splunk-addon-data.conf` (the data its tests
ingest) is an app too: that conf is read instead (docs/pytest-splunk-addon.md).
`local/` overrides `default/` key by key within each stanza, as Splunk layers confs.
An app is skipped when its `app.conf` (`local/` over `default/`) says `[install] state = disabled`.
Loading apps into a RunConfig is `eventgen.resolve.apps`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from eventgen.conf.psa_settings import PSA_CONF_NAME
from eventgen.conf.syntax import read_conf
from eventgen.core.errors import ConfigError, ConfigErrors

CONF_NAME = "eventgen.conf"
LAYER_DIRS = ("default", "local")

Sections = dict[str, dict[str, str]]
Layers = list[tuple[str, Sections]]


@dataclass(frozen=True)
class App:
    """A Splunk app folder that ships an eventgen.conf."""

    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def conf_name(self) -> str:
        """eventgen.conf, else pytest-splunk-addon-data.conf when only that one is there."""
        for name in (CONF_NAME, PSA_CONF_NAME):
            if any((self.path / d / name).is_file() for d in LAYER_DIRS):
                return name
        return CONF_NAME

    def conf_files(self, name: str | None = None) -> list[Path]:
        """`default/<name>` then `local/<name>` (`conf_name` by default), those that exist."""
        name = name or self.conf_name
        return [self.path / d / name for d in LAYER_DIRS if (self.path / d / name).is_file()]

    def layers(self, name: str | None = None) -> Layers:
        """(file label, sections) of default/ then local/, for `resolve.loader.load(layers=...)`."""
        return [(str(f), read_conf(f)) for f in self.conf_files(name)]

    @property
    def disabled(self) -> bool:
        """True when app.conf (local over default) has `[install] state = disabled`."""
        state = "enabled"
        for _, sections in self.layers("app.conf"):
            state = sections.get("install", {}).get("state", state)
        return state.strip().lower() == "disabled"


def is_app(path: Path) -> bool:
    return path.is_dir() and bool(App(path).conf_files())


def find_apps(apps_dir: str | Path, exclude: Iterable[str] = ()) -> list[App]:
    """Every app under `apps_dir` (Splunk's `etc/apps` layout) with an eventgen.conf, in name order.

    Disabled apps are included (see `App.disabled`); names in `exclude` are not."""
    root = Path(apps_dir)
    if not root.is_dir():
        raise ConfigErrors([ConfigError("apps folder not found", str(root))])
    skip = set(exclude)
    return [App(p) for p in sorted(root.iterdir(), key=lambda p: p.name) if p.name not in skip and is_app(p)]
