"""A plugin instance's typed, frozen config, built from the settings its class declares.

The config class is made once per plugin class (`config_type` over its `settings`) and filled from a stanza's
parsed settings: every default comes from the declaration, so a read site writes `self.config.name` and never
names a default of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from eventgen.core.config import Config, config_type

if TYPE_CHECKING:
    from eventgen.plugin.base import Plugin


@cache
def config_class(plugin: type[Plugin]) -> type[Config]:
    """The frozen config class of `plugin`'s declared settings, titled by kind and name (made once per class)."""
    return config_type(f"{plugin.kind} {plugin.name}", plugin.settings)


def plugin_config(plugin: type[Plugin], settings: Mapping[str, Any]) -> Config:
    """`plugin`'s config from a stanza's parsed settings (a name unset or None takes its declared default)."""
    return config_class(plugin).of(settings)
