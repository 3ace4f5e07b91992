"""Settings a stanza sets that the plugins it runs would not read: each gets a warning naming it and saying why.

Plugins declare what they read: their own `settings` (and those of the classes they build on), and (inputs,
raters) `uses_core`, the core keys of `SCHEDULE_KEYS` they read; an input with `rated = False` gives every event
its time and never asks the rater. A plugin that does not declare `uses_core` (None) is taken to read every
schedule key. The core names no plugin.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from eventgen.conf.core_settings import SCHEDULE_KEYS
from eventgen.conf.sample import Sample
from eventgen.plugin.base import InputPlugin, Plugin, RaterPlugin
from eventgen.plugin.registry import registry

KINDS = ("generator", "input", "rater")


def ignored_settings(sample: Sample, keys: Iterable[str]) -> list[tuple[str, str]]:
    """(key, why it does nothing) for each of `keys` (those the user set in the sample's stanzas) that the
    sample's generator, input and rater ignore."""
    chosen = dict(sample.plugins)
    owners: dict[str, type[Plugin]] = {}
    for plugin in registry.all():
        if plugin.kind in KINDS:
            for setting in plugin.settings:
                owners.setdefault(setting.name, plugin)
    problems = []
    for key in sorted(set(keys)):
        if key in SCHEDULE_KEYS:
            schedule = cast("type[InputPlugin] | None", chosen.get("input"))
            reason = _schedule_reason(key, schedule, cast("type[RaterPlugin] | None", chosen.get("rater")))
        elif key in owners:
            reason = _plugin_reason(key, owners[key], chosen)
        else:
            reason = None
        if reason:
            problems.append((key, reason))
    return problems


def _schedule_reason(key: str, schedule: type[InputPlugin] | None, rater: type[RaterPlugin] | None) -> str | None:
    if schedule is None or schedule.uses_core is None:
        return None
    reads = key in schedule.uses_core
    if not schedule.rated:
        if reads:
            return None
        return f"input `{schedule.name}` does not read it (it gives every event its time; no rater is asked)"
    if rater is None or rater.uses_core is None:
        return None  # an undeclared rater may read it
    if key == "count" and reads and key not in rater.uses_core:
        return f"rater `{rater.name}` sizes each interval itself and does not read it"
    if reads or key in rater.uses_core:
        return None
    return f"neither input `{schedule.name}` nor rater `{rater.name}` reads it"


def _plugin_reason(key: str, owner: type[Plugin], chosen: dict[str, Any]) -> str | None:
    kind = owner.kind
    schedule = cast("type[InputPlugin] | None", chosen.get("input"))
    if kind == "rater" and schedule is not None and not schedule.rated:
        return f"a rater setting, but input `{schedule.name}` gives every event its time and asks no rater"
    current = chosen.get(kind)
    if current is None or _declares(current, key):
        return None
    return f"a setting of {kind} `{owner.name}`, but this stanza uses {kind} `{current.name}`"


def _declares(plugin: type[Plugin], key: str) -> bool:
    """Whether `plugin` or a class it builds on declares setting `key` (so it reads it: `perdayvolume` reads the
    rate tables of the `TableRater` it extends, as `config` does)."""
    return any(key in {s.name for s in vars(klass).get("settings", ())} for klass in plugin.__mro__)
