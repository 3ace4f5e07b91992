"""Which plugins a sample uses, and the settings they declare.

The core's settings and every plugin's make one table; a stanza that names no plugin of a kind gets the one its
settings choose (`chosen_by`) with the defaults that plugin `implies`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from eventgen.conf.core_settings import CORE_GROUPS
from eventgen.conf.stanzas import Value
from eventgen.core.settings import Setting, SettingGroup, index
from eventgen.plugin.base import Plugin
from eventgen.plugin.registry import registry

KINDS = ("generator", "rater", "input")  # the kinds a sample names once (outputs: `outputMode` lists several)
Parse = Callable[[Setting, str, str], Any]  # (declaration, raw text, stanza) → value, its error reported


def all_groups(builtin_only: bool = False) -> list[SettingGroup]:
    """The core's setting groups followed by one group per plugin that declares settings (only the plugins
    eventgen ships, for its generated docs)."""
    groups = list(CORE_GROUPS)
    for plugin in registry.builtins() if builtin_only else registry.all():
        if plugin.settings:
            groups.append(SettingGroup(f"{plugin.kind} `{plugin.name}`", plugin.settings))
    return groups


def setting_table() -> dict[str, Setting]:
    """Every declared setting by name: the core's, then the plugins'."""
    return index(all_groups())


def choose_plugins(
    settings: dict[str, Any], raw: dict[str, Value], stanza: str, table: Mapping[str, Setting], parse: Parse
) -> None:
    """A plugin chosen by other settings (its `chosen_by`) when the stanza names none of its kind, and the
    defaults it `implies` for settings the stanza leaves unset (e.g. `mode = replay` → the replay generator)."""
    for kind in KINDS:
        if kind in raw:
            continue
        for cls in registry.all():
            if cls.kind != kind or not cls.chosen_by or not _chosen(cls, settings):
                continue
            settings[kind] = cls.name
            for key, value in cls.implies.items():
                if key not in raw and key in table:
                    settings[key] = parse(table[key], value, stanza)
                    raw[key] = Value(value, stanza)
            break


def _chosen(cls: type[Plugin], settings: Mapping[str, Any]) -> bool:
    return all(
        settings.get(key) is not None if value is None else settings.get(key) == value
        for key, value in cls.chosen_by.items()
    )


def chosen_classes(settings: Mapping[str, Any]) -> dict[str, type[Plugin]]:
    """The class of each kind's plugin the settings name, for the names the registry knows."""
    found = {}
    for kind in KINDS:
        name = settings.get(kind)
        if name and registry.has(kind, name):
            found[kind] = registry.get(kind, name)
    return found


def used_plugins(settings: Mapping[str, Any]) -> Iterator[type[Plugin]]:
    """The known plugins a sample uses: its generator, rater and input, then each output of `outputMode`."""
    names = [(kind, settings.get(kind)) for kind in KINDS]
    names += [("output", name) for name in settings.get("outputMode") or []]
    for kind, name in names:
        if name and registry.has(kind, name):
            yield registry.get(kind, name)
