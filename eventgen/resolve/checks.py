"""Every load-time check of one sample that needs its plugins, all made (one problem does not hide the others):
its plugins are known, its outputs check, its tokens compile and match, its times agree, its sample file holds
events, and each plugin's own `validate` passes."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from eventgen.conf.sample import Sample
from eventgen.conf.stanzas import OVERRIDE_STANZA, Problems, SampleLayers
from eventgen.core.errors import ConfigError
from eventgen.plugin.registry import registry
from eventgen.resolve.outputs import output_problems
from eventgen.resolve.plugins import KINDS, used_plugins
from eventgen.resolve.psa import check_dialect
from eventgen.resolve.times import time_problems
from eventgen.resolve.tokens import check_matches, check_providers


def check_sample(
    sample: Sample,
    layers: SampleLayers,
    file_path: Path | None,
    problems: Problems,
    now: float | None,
    checked: dict[Any, Any],
) -> None:
    """All checks of an enabled sample; `checked` keeps one load's output instance checks (by config), so samples
    that share an instance are checked once."""
    settings = sample.settings

    def report(found: Iterable[tuple[str, str]]) -> None:
        for key, message in found:
            problems.error(message, layers.stanza_of(key, sample.stanza), key)

    for kind in KINDS:
        name = settings.get(kind)
        if name and not registry.has(kind, name):
            report([(kind, f"unknown {kind} {name!r}; allowed: {', '.join(registry.names(kind))}")])
    report(output_problems(settings, layers.stanza_of("outputMode", "") == OVERRIDE_STANZA, checked))
    check_providers(sample, problems)
    check_dialect(sample, layers, problems)
    report(time_problems(sample, now))
    if str(settings.get("end") or "").strip() == "0":
        end_stanza = layers.raw["end"].stanza
        problems.warn("0 intervals: this sample makes no events (end = -1 never ends)", end_stanza, "end")
    generator = sample.plugins.get("generator")
    if generator is not None and generator.needs_sample_file and file_path is None:
        dirs = ", ".join(str(d) for d in sample.sample_dirs)
        problems.error(f"no sample file matches this stanza in {dirs}", sample.stanza)
        return
    needs_file = generator is not None and generator.needs_sample_file
    # the events are read (and checked) first
    if file_path is not None and needs_file and _events_read(sample, layers, problems) and sample.tokens:
        check_matches(sample, file_path, problems)
    for plugin in used_plugins(settings):
        try:
            report(plugin.validate(sample))
        except ConfigError as exc:  # raised, not returned: kept, unless it is the events `_events_read` named
            if exc is not sample.read_error:
                problems.add(exc)


def _events_read(sample: Sample, layers: SampleLayers, problems: Problems) -> bool:
    """Read the sample's events (decoding, CSV columns, the breaker under its time bound): False, with the
    error recorded, when it cannot be read or has none."""
    try:
        texts = sample.data.texts
    except ConfigError as exc:
        if exc.key == "breaker":  # a setting of the conf: named where it was set
            problems.error(exc.message, layers.stanza_of("breaker", sample.stanza), "breaker")
        else:
            problems.add(exc)
        return False
    if not texts:
        what = "no rows under its header" if sample.settings.get("sampletype") == "csv" else "no events"
        problems.errors.append(
            ConfigError(f"sample file has {what} (empty or blank lines only)", str(sample.path), sample.stanza)
        )
        return False
    return True
