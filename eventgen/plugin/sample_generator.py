"""`SampleGenerator`: sample events with Eventgen token replacement, from a render plan. The `default` generator
is this class; `replay` and the reference's `perdayvolumegenerator` build on it."""

from __future__ import annotations

import re

import numpy as np

from eventgen.core.batch import EventBatch, GenerationJob
from eventgen.plugin.base import GeneratorPlugin
from eventgen.plugin.registry import registry
from eventgen.render.expand import expand_all
from eventgen.render.providers import make_provider
from eventgen.render.tokens import Provider, RenderContext, RenderPlan, take

__all__ = ["TOKEN_STREAM", "SampleGenerator", "expand_indexes"]

TOKEN_STREAM = 1
META = ("host", "source", "sourcetype", "index")


def expand_indexes(entries: list[str] | None) -> list[str]:
    """`extendIndexes`: `prefix:N` → prefix0..prefixN-1, other entries kept."""
    indexes: list[str] = []
    for entry in entries or []:
        match = re.fullmatch(r"(.+):(\d+)", entry)
        if match:
            indexes += [f"{match.group(1)}{i}" for i in range(int(match.group(2)))]
        else:
            indexes.append(entry)
    return indexes


class SampleGenerator(GeneratorPlugin):
    """Sample lines (or CSV rows) with tokens replaced; sequential or random picks. Not a plugin itself (it has no
    `name`): subclass it and name the subclass."""

    uses_core = (
        "rater",
        *META,
        "extendIndexes",
        "randomizeEvents",
        "bundlelines",
        "sequentialTimestamp",
        "host_type",
        "host_prefix",
    )

    @classmethod
    def exact_count(cls, sample) -> bool:
        return bool(sample.data.texts)  # one event per time; a sample without events makes none

    def __init__(self, sample):
        super().__init__(sample)
        data = sample.data
        config = self.config
        # `replacementType = all` multiplies the events once, here; the other tokens are drawn per batch
        expanded = expand_all(data.texts, sample.tokens, sample.resolve)
        providers = [make_provider(spec, sample.tz, sample.resolve) for spec in expanded.tokens]
        self.host_field = config.host_type == "event" and _record_host(expanded.tokens, providers)
        self.plan = RenderPlan(expanded.texts, expanded.tokens, providers)
        self.size = len(expanded.texts)
        self.columns = {
            k: [v[i] for i in expanded.origin] for k, v in data.columns.items() if not k.startswith("field:")
        }
        self.rater = registry.get("rater", config.rater)(sample)
        self.meta = {key: str(config.get(key)) for key in META}
        self.prefix = config.host_prefix or ""
        if config.host_type == "plugin":
            self.meta["host"] = sample.name
        self.meta["host"] = self.prefix + self.meta["host"]
        self.indexes = expand_indexes(config.extendIndexes)
        self.random_picks = config.randomizeEvents and not config.bundlelines
        self.sequential_time = config.sequentialTimestamp

    def timestamps(self, job: GenerationJob, rng: np.random.Generator) -> np.ndarray:
        if job.timestamps is not None:
            return np.asarray(job.timestamps, dtype=float)
        if job.latest <= job.earliest:
            return np.full(job.count, job.earliest)
        if self.sequential_time:
            return np.linspace(job.earliest, job.latest, job.count, endpoint=False)
        return rng.uniform(job.earliest, job.latest, job.count)

    def generate(self, job: GenerationJob) -> EventBatch:
        rng = job.rng(self.sample.stable_id ^ TOKEN_STREAM)
        n = job.count if self.size else 0
        times = self.timestamps(job, rng)[:n]
        if self.random_picks:
            picks = rng.integers(0, self.size, n)
        else:
            picks = (job.offset + np.arange(n)) % max(self.size, 1)
        ctx = RenderContext(n, rng, times, job.offset, lambda: self.rater.factors(times))
        events = self.plan.render(picks, ctx)
        meta = self.meta
        if self.indexes:
            meta = {**meta, "index": self.indexes[int(rng.integers(0, len(self.indexes)))]}
        columns = {}
        if self.columns and n:
            columns = {name: take(values, picks) for name, values in self.columns.items()}
        host = ctx.fields.get("host")
        if self.host_field and host is not None:
            columns["host"] = [self.prefix + value for value in host] if self.prefix else host
        return EventBatch(self.sample.label, job.seq, events, times, meta, columns)


def _record_host(tokens: list, providers: list[Provider]) -> bool:
    """Make the first token with `token.N.field = host` (pytest-splunk-addon, `host_type = event`) leave its
    values in the batch's context, to be each event's host; False when no token is one."""
    for k, spec in enumerate(tokens):
        if spec.field == "host":
            inner = providers[k]

            def record(ctx: RenderContext, inner: Provider = inner) -> list[str]:
                values = inner(ctx)
                ctx.fields["host"] = values
                return values

            providers[k] = record
            return True
    return False
