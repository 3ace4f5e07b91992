"""`generator = jinja`: events rendered from Jinja templates, with state, samples, modules and picking modes.

Compatible with Splunk Eventgen's jinja generator (`jinja_template_dir`, `jinja_target_template`,
`jinja_variables`, time tags) and with what Eventum's template plugin offers. See docs/templates.md.

The package, one job per module: settings (declarations), options (a stanza's choices, checked), environment
(the Jinja environment), compile (templates compiled and analysed at load), scope (state and its groups), context
(what templates see), render (the render loop of a job), collect (rendered text to events), trace (state for
preview); and the template API: rand, samples, state, api (module, subprocess), dispatch, pickers, fsm, timetags.
Speed, none of it visible in what a template makes: memo (sample filters answered once), hoist and gather (loops
rewritten at compile time into those filters), tojson (Jinja's filter, its encoder made once), codecache (compiled
templates shared in the process).
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

import numpy as np

from eventgen.plugin import (
    EventBatch,
    GenerationJob,
    GeneratorPlugin,
    SampleProblem,
    event_meta,
    sorted_job_times,
)

from .collect import Collector, Parser
from .compile import compile_templates, mentions, resolve_transitions
from .context import job_values, template_contexts
from .environment import make_environment
from .memo import FilterMemo
from .options import check_chain, find_dir, read_options, read_tags
from .problems import locate, template_error
from .rand import Rand
from .render import RenderLoop
from .samples import load_tables
from .scope import wire_state
from .settings import SETTINGS
from .trace import Trace

__all__ = ["SETTINGS", "JinjaGenerator", "locate", "template_error"]

JINJA_STREAM = 0x6A696E6A61  # "jinja": this generator's random stream of a job
STATE_WORDS = ("locals", "shared", "globals")  # a template naming one keeps state between jobs


class JinjaGenerator(GeneratorPlugin):
    name = "jinja"
    summary = "Jinja templates with state, samples, modules, subprocess and picking modes (all … fsm)."
    needs_sample_file = False
    settings = SETTINGS

    @classmethod
    def is_stateful(cls, sample: Any) -> bool:
        """State lives in the instance: picking modes that remember their position, and templates that
        touch locals/shared/globals, need every job of the sample on one instance. Others run in parallel."""
        config = cls.config_of(sample.settings)
        if config.jinjaMode in ("spin", "chain", "fsm"):
            return True
        try:
            folder = find_dir(sample, config.jinja_template_dir, "templates", "jinja_template_dir")
        except SampleProblem:
            return True
        return any(mentions(folder, word) for word in STATE_WORDS)

    @classmethod
    def state_lanes(cls, sample: Any) -> int:
        return int(cls.config_of(sample.settings).jinjaStateLanes)

    @classmethod
    def validate(cls, sample: Any) -> list[tuple[str, str]]:
        try:
            cls(sample)
        except SampleProblem as problem:
            return [(problem.key, problem.message)]
        return []

    def __init__(self, sample: Any):
        super().__init__(sample)
        config = self.config
        self.tz = sample.tz
        self.random = random.Random(0)  # re-seeded per job from the job's stream
        options = read_options(sample, config)
        env = make_environment(
            options.template_dir, options.eventgen_style, options.sandbox, self.tz, self.random, options.search_path
        )
        templates = compile_templates(sample, env, options)
        resolve_transitions(sample, env, options.specs, config.jinjaTemplates, options.mode)
        check_chain(sample, options.mode, config.jinjaChain, list(templates))
        tables = load_tables(sample, config.jinjaSamples, options.template_dir, self.random)
        env.filters.update(FilterMemo(tables).filters())  # per-event filters of sample tables computed once
        tags = read_tags(sample, config.jinjaTags)
        if config.jinjaStateLanes > 1 and config.jinjaStateGroup:
            message = "state lanes need state of the sample's own: set jinjaStateLanes = 1 with jinjaStateGroup"
            raise SampleProblem(sample, "jinjaStateLanes", message)
        self.lanes = config.jinjaStateLanes
        self.scope = scope = wire_state(config.jinjaStateGroup, options, self.random, config.jinjaChain, tags)
        contexts = template_contexts(sample, env, options, scope, Rand(self.random), self.random, tables, tags)
        parser = Parser(options.output, self.tz)
        target_vars = mentions(options.template_dir, "eventgen_target_time")
        self.loop = RenderLoop(env, templates, contexts, scope.picker, parser, self.tz, self.random, target_vars)
        self.batch = options.batch
        self.meta = event_meta(sample.settings)
        self.sequential_time = bool(sample.settings.get("sequentialTimestamp"))
        self.member_tags = [tuple(self.config_of(m.settings).jinjaTags) for m in sample.schedules]
        self.trace = Trace(scope, self.loop)

    def timestamps(self, job: GenerationJob, rng: np.random.Generator) -> np.ndarray:
        return sorted_job_times(job, rng, self.sequential_time)

    def generate(self, job: GenerationJob) -> EventBatch:
        rng = job.rng(self.sample.stable_id ^ JINJA_STREAM)
        self.random.seed(int(rng.integers(0, 2**62)))
        epochs = self.timestamps(job, rng).tolist()
        stamps = [datetime.fromtimestamp(t, self.tz) for t in epochs]
        per_job = job_values(job, stamps, self.tz)
        per_job["state_lane"], per_job["state_lanes"] = job.seq % self.lanes, self.lanes
        for context in self.loop.contexts.values():
            context.update(per_job)
        out = Collector(self.meta)
        # once `dispatch.exhaust()` ended the sample, later jobs make nothing
        dropped = 0 if self.loop.exhausted else self._render(job, stamps, epochs, out)
        times = np.asarray(out.times, dtype=float)
        return EventBatch(
            self.sample.label, job.seq, out.events, times, self.meta, out.columns, dropped, self.loop.exhausted
        )

    def _render(self, job: GenerationJob, stamps: list[datetime], epochs: list[float], out: Collector) -> int:
        """The job's renders into `out`; the number `dispatch` discarded."""
        trace = self.trace.record if self.tracing else None
        if self.batch:
            self.loop.batch(stamps, epochs, out, trace)
            return 0
        sources = job.extra.get("sources")  # a schedule group: each time's own input tags
        tags = None if sources is None else [self.member_tags[k] for k in sources]
        window = (float(job.earliest), float(job.latest))
        return self.loop.each(stamps, epochs, job.offset, window, out, tags, trace)

    def snapshot(self) -> dict[str, Any]:
        """Current state as plain JSON-safe data (for `eventgen preview --state`)."""
        return self.trace.snapshot()

    def preview_state(self) -> dict[str, Any]:
        """While tracing (preview), the state after each render in turn; then the current state."""
        return self.trace.next()
