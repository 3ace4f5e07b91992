"""`autotimestamp`: timestamp tokens for the timestamps found in a sample's events.

Each [regex, format] pair of `autotimestamps` (or the built-in list) that matches an event becomes a `timestamp`
token, after the stanza's own tokens and in the list's order, so the event's time is written where the sample
had its own. On one event, a span the stanza's own tokens or an earlier pair took is not taken again by a later
pair (`Mar 01 10:11:12` inside `Tue Mar 01 10:11:12 2016`), so the tokens do not chain into each other.
"""

from __future__ import annotations

import re

from eventgen.conf.sample import Sample
from eventgen.conf.splunk_settings import BUILTIN_AUTOTIMESTAMPS
from eventgen.core.errors import ConfigError
from eventgen.core.tokens import TokenSpec
from eventgen.render.chain import spans

BUILTIN = tuple((re.compile(regex), fmt) for regex, fmt in BUILTIN_AUTOTIMESTAMPS)


def auto_tokens(sample: Sample, stanza: str) -> list[TokenSpec]:
    """The timestamp tokens `autotimestamp` adds to `sample` (whose events are read), numbered after its own."""
    settings = sample.settings
    generator = sample.plugins.get("generator")
    if not settings["autotimestamp"] or settings["mode"] != "sample" or not getattr(generator, "needs_sample_file", 0):
        return []
    try:
        texts = sample.data.texts
    except ConfigError:
        return []  # reported by the sample's checks
    pairs = settings["autotimestamps"] or BUILTIN
    specs = [TokenSpec(0, pattern, "timestamp", fmt, stanza) for pattern, fmt in pairs]
    found: set[int] = set()
    for text in texts:
        taken = [span for spec in sample.tokens for span in spans(text, spec)]  # the stanza's own tokens come first
        for k, spec in enumerate(specs):
            own = [(s, e) for s, e in spans(text, spec) if not any(s < te and ts < e for ts, te in taken)]
            if own:
                found.add(k)
                taken += own
        if len(found) == len(specs):
            break
    first = max((spec.number for spec in sample.tokens), default=-1) + 1
    return [
        TokenSpec(first + n, specs[k].pattern, "timestamp", specs[k].replacement, stanza)
        for n, k in enumerate(sorted(found))
    ]
