"""Settings a stanza sets that the plugins it runs would not read: each gets a warning naming it and saying why.

Plugins declare what they read: their own `settings`, and (inputs, raters) `uses_core`, the core keys of
`SCHEDULE_KEYS` they read; an input with `rated = False` gives every event its time and never asks the rater.
A plugin that does not declare `uses_core` (None) is taken to read every schedule key. The core names no plugin.
"""

from __future__ import annotations

from collections.abc import Iterable

from eventgen.conf.core_settings import SCHEDULE_KEYS
from eventgen.conf.sample import Sample
from eventgen.plugin.base import Plugin, registry

KINDS = ("generator", "input", "rater")


def ignored_settings(sample: Sample, keys: Iterable[str]) -> list[tuple[str, str]]:
    """(key, why it does nothing) for each of `keys` (those the user set in the sample's stanzas) that the
    sample's generator, input and rater ignore."""
    settings = sample.settings
    chosen: dict[str, type[Plugin]] = {}
    for kind in KINDS:
        name = settings.get(kind)
        if name and registry.has(kind, name):
            chosen[kind] = registry.get(kind, name)
    owners: dict[str, type[Plugin]] = {}
    for plugin in registry.all():
        if plugin.kind in KINDS:
            for setting in plugin.settings:
                owners.setdefault(setting.name, plugin)
    problems = []
    for key in sorted(set(keys)):
        if key in SCHEDULE_KEYS:
            reason = _schedule_reason(key, chosen.get("input"), chosen.get("rater"))
        elif key in owners:
            reason = _plugin_reason(owners[key], chosen)
        else:
            reason = None
        if reason:
            problems.append((key, reason))
    return problems


def _schedule_reason(key: str, schedule: type[Plugin] | None, rater: type[Plugin] | None) -> str | None:
    input_uses = getattr(schedule, "uses_core", None)
    if schedule is None or input_uses is None:
        return None
    reads = key in input_uses
    if not getattr(schedule, "rated", True):
        if reads:
            return None
        return f"input `{schedule.name}` does not read it (it gives every event its time; no rater is asked)"
    rater_uses = getattr(rater, "uses_core", None)
    if rater is None or rater_uses is None:
        return None  # an undeclared rater may read it
    if key == "count" and reads and key not in rater_uses:
        return f"rater `{rater.name}` sizes each interval itself and does not read it"
    if reads or key in rater_uses:
        return None
    return f"neither input `{schedule.name}` nor rater `{rater.name}` reads it"


def _plugin_reason(owner: type[Plugin], chosen: dict[str, type[Plugin]]) -> str | None:
    kind = owner.kind
    schedule = chosen.get("input")
    if kind == "rater" and schedule is not None and not getattr(schedule, "rated", True):
        return f"a rater setting, but input `{schedule.name}` gives every event its time and asks no rater"
    current = chosen.get(kind)
    if current is None or issubclass(current, owner):
        return None
    return f"a setting of {kind} `{owner.name}`, but this stanza uses {kind} `{current.name}`"
