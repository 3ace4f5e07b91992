"""Schedule groups (`scheduleGroup`): stanzas that are one sample with several schedules (Eventum's several inputs).

A member stanza takes what it does not set from its group's first stanza, but the first's schedule; once the
samples are built, each group becomes its first sample carrying every member's schedule.
"""

from __future__ import annotations

from dataclasses import replace

from eventgen.conf.core_settings import CORE_GROUPS, SCHEDULE_KEYS
from eventgen.conf.sample import Sample
from eventgen.conf.stanzas import Problems, Sections
from eventgen.core.settings import index
from eventgen.plugin.registry import registry
from eventgen.resolve.plugins import all_groups

MAX_SCHEDULES = 255  # a job names each event's schedule in one byte
OWN_SCHEDULE_KEYS = (*SCHEDULE_KEYS, "input", "backfill", "end", "delay", "maxEvents")
DEFAULT_INPUT = str(index(CORE_GROUPS)["input"].default)  # the input of a stanza that names none


def members_inherit(sections: Sections) -> Sections:
    """A `scheduleGroup` member stanza takes what it does not set from its group's first stanza, but the first's
    schedule (so a member needs only its own schedule keys)."""
    first: dict[str, str] = {}
    out = {}
    for stanza, values in sections.items():
        group = values.get("scheduleGroup", "").strip()
        if group and first.setdefault(group, stanza) != stanza:
            leader = sections[first[group]]
            kind = leader.get("input", DEFAULT_INPUT)
            own = {s.name for s in registry.get("input", kind).settings} if registry.has("input", kind) else set()
            own |= {s.name for g in all_groups() for s in g.settings if s.scope == "schedule"}
            values = {**{k: v for k, v in leader.items() if k not in OWN_SCHEDULE_KEYS and k not in own}, **values}
        out[stanza] = values
    return out


def fold_schedule_groups(samples: list[Sample], problems: Problems) -> list[Sample]:
    """Each `scheduleGroup` becomes its first sample, carrying every member's schedule (in stanza order)."""
    members: dict[str, list[Sample]] = {}
    for sample in samples:
        group = sample.settings.get("scheduleGroup")
        if group:
            members.setdefault(group, []).append(sample)
    folded = []
    for sample in samples:
        group = members.get(sample.settings.get("scheduleGroup") or "")
        if group is None or len(group) == 1:
            folded.append(sample)
        elif group[0] is sample:
            for member in group:
                schedule = member.plugins.get("input")  # None: an unknown input, already an error
                if schedule is not None and schedule.on_demand:
                    message = f"input = {member.settings['input']} takes its times from outside the plan and "
                    message += "cannot share a schedule group: give it a sample of its own"
                    problems.error(message, member.stanza, "input")
            if len(group) > MAX_SCHEDULES:
                message = f"at most {MAX_SCHEDULES} stanzas can share a schedule group"
                problems.error(message, sample.stanza, "scheduleGroup")
            folded.append(replace(sample, schedules=tuple(group)))
    return folded
