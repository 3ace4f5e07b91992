"""`generator = default`: sample events with Eventgen token replacement, from a render plan."""

from __future__ import annotations

from eventgen.plugin import SampleGenerator


class DefaultGenerator(SampleGenerator):
    name = "default"
    summary = "Sample lines (or CSV rows) with tokens replaced; sequential or random picks."
