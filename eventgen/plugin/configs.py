"""Each plugin class's config type, made once from its declarations: the settings it (and the plugin classes it
extends) declares, plus the core settings it says it reads (`uses_core`; `core_settings` and the keys every output
reads for outputs). A plugin instance gets `self.config`, one frozen value of that type built from the sample's
settings: `self.config.interval`, never `settings.get("interval", 60)`. Every default lives in its declaration.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eventgen.conf.core_settings import PSA, SAMPLE
from eventgen.core.config import Config, config_type
from eventgen.core.settings import Setting

_CORE = {s.name: s for s in (*SAMPLE.settings, *PSA.settings)}
_TYPE = "_config_type"  # the class attribute holding a plugin class's own config type


def core_declarations(names: Iterable[str], plugin: str = "") -> tuple[Setting, ...]:
    """The core's declarations of `names` (a name the core does not declare is a plugin's bug, named)."""
    unknown = [name for name in names if name not in _CORE]
    if unknown:
        raise TypeError(f"{plugin or 'a plugin'} reads core setting(s) the core does not declare: {', '.join(unknown)}")
    return tuple(_CORE[name] for name in names)


def own_declarations(plugin: type) -> tuple[Setting, ...]:
    """The settings `plugin` declares, then those of the plugin classes it extends (a subclass's declaration of a
    name wins): a rater extending the config rater reads the config rater's tables too."""
    found: list[Setting] = []
    for klass in plugin.__mro__:
        found.extend(vars(klass).get("settings", ()))
    return tuple(found)


def plugin_config_type(plugin: Any, base: type[Config] = Config, **attributes: Any) -> type[Config]:
    """`plugin`'s config type (a plugin class: its kind, name, settings and `core_keys()`), made on first use and kept
    on the class (each subclass gets its own)."""
    made = vars(plugin).get(_TYPE)
    if made is None:
        title = f"{plugin.kind} {plugin.name or plugin.__name__}"
        declarations = own_declarations(plugin) + core_declarations(plugin.core_keys(), title)
        made = config_type(title, declarations, base, **attributes)
        setattr(plugin, _TYPE, made)
    return made
