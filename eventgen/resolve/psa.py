"""Load-time checks of pytest-splunk-addon's keys (docs/pytest-splunk-addon.md): what they ask for can be done."""

from __future__ import annotations

from eventgen.conf.sample import Sample
from eventgen.conf.stanzas import Problems, SampleLayers


def check_dialect(sample: Sample, layers: SampleLayers, problems: Problems) -> None:
    """`host_type = event` takes each event's host from the token with `token.N.field = host`: without one, a
    warning (every event keeps `host`)."""
    if sample.settings.get("host_type") == "event" and not any(spec.field == "host" for spec in sample.tokens):
        stanza = layers.stanza_of("host_type", sample.stanza)
        problems.warn("no token has token.N.field = host, so every event keeps `host`", stanza, "host_type")
