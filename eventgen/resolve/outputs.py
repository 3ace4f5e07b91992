"""Load-time checks of a sample's outputs, made by `eventgen validate` and before every run: each entry of
`outputMode` names a known output, each `outputFormatBy` entry names one of them, each output instance's
format compiles and its plugin's `check` accepts its settings, and `spoolFailedTo` can be written.

Each check gives (key, message) pairs; `resolve.loader` pins them to the file and stanza that set the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eventgen.conf.files import TextFileError, writable_file_problem
from eventgen.core.settings import SettingError
from eventgen.format.text import TemplateProblem
from eventgen.plugin.output import FORMAT_KEYS, event_text_of
from eventgen.plugin.registry import registry

Problems = list[tuple[str, str]]


def output_problems(
    settings: Mapping[str, Any], modes_given: bool = False, seen: dict[Any, Problems] | None = None
) -> Problems:
    """Every problem of the sample's outputs (settings parsed; `outputMode` None when it did not parse).
    `modes_given`: the command line chose the outputs (`--stdout`), so outputFormatBy may name others. `seen`
    keeps one load's answers by instance config: samples that share an output instance are checked once."""
    modes = settings.get("outputMode") or []
    problems = [] if modes_given else format_by_problems(settings.get("outputFormatBy"), modes)
    for instance in modes:
        if not registry.has("output", instance):
            allowed = ", ".join(registry.names("output"))
            problems.append(("outputMode", f"unknown output {instance!r}; allowed: {allowed}"))
        else:
            problems += instance_problems(registry.get("output", instance), settings, instance, seen)
    spool = settings.get("spoolFailedTo")
    problem = writable_file_problem(spool) if spool else None
    if problem:
        problems.append(("spoolFailedTo", problem))
    return problems


def format_by_problems(by: Any, modes: list[str]) -> Problems:
    """`outputFormatBy`: a JSON object whose names are entries of `outputMode`, each an object; the entry of an
    output's own name sets only format keys (its other settings are the stanza's)."""
    if by is None:
        return []
    if not isinstance(by, dict):
        return [("outputFormatBy", 'expected a JSON object of output name: {settings}, e.g. {"stdout": {...}}')]
    problems: Problems = []
    for name, entry in by.items():
        if name not in modes:
            listed = ", ".join(modes) if modes else "nothing"
            problems.append(
                ("outputFormatBy", f"{name!r} is not an entry of outputMode (which lists {listed}): name one of those")
            )
        elif not isinstance(entry, dict):
            problems.append(("outputFormatBy", f"{name}: expected a JSON object of settings, got {entry!r}"))
        elif "#" not in name and (others := [key for key in entry if key not in FORMAT_KEYS]):
            problems.append(
                (
                    "outputFormatBy",
                    f"{name}: {', '.join(others)}: only {', '.join(FORMAT_KEYS)} apply to an output's own name; set "
                    f"the others in the stanza, or for a second {name} name it {name}#label in outputMode",
                )
            )
    return problems


def instance_problems(
    plugin: Any, settings: Mapping[str, Any], instance: str, seen: dict[Any, Problems] | None = None
) -> Problems:
    """One output instance: its config builds (an instance's own settings parse), its format compiles (the
    template's fields, Jinja's syntax, a template file that is text), and its plugin's `check` passes. A key
    that the instance's `outputFormatBy` entry sets is reported as that entry."""
    by = settings.get("outputFormatBy")
    entry = by.get(instance) if isinstance(by, dict) else None
    own: dict[str, Any] = entry if isinstance(entry, dict) else {}

    def pinned(key: str, message: str) -> tuple[str, str]:
        return ("outputFormatBy", f"{instance}: {key}: {message}") if key in own else (key, message)

    try:
        config = plugin.config_of(settings, instance)
    except SettingError as exc:
        return [("outputFormatBy", f"{instance}: {exc}")]
    cache_key = (plugin, config, tuple(sorted(own)))  # the keys own sets decide where a problem is reported
    if seen is not None and cache_key in seen:
        return seen[cache_key]
    problems: Problems = []
    try:
        event_text_of(config)
    except TextFileError as exc:
        problems.append(pinned("outputTemplateFile", f"cannot read the template {exc.path}: {exc.reason}"))
    except (TemplateProblem, SettingError) as exc:
        from_file = config.get("outputTemplateFile") and not config.get("outputTemplate")
        problems.append(pinned("outputTemplateFile" if from_file else "outputTemplate", str(exc)))
    problems += [pinned(key, message) for key, message in plugin.check(config)]
    if seen is not None:
        seen[cache_key] = problems
    return problems
