"""`generator = replay` (`mode = replay`): the sample's own events, in order, at replayed times.

The times come from the job (the `replay` schedule puts each event at its original offset from
the first, scaled by `timeMultiple`). Events are taken in file order: job offset k renders sample
event k mod n. `timestamp` / `replaytimestamp` tokens are rewritten with the new times; a
`replaytimestamp` with a JSON list of formats writes each event in the format it was found in.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from eventgen.plugin import (
    RenderContext,
    RenderPlan,
    SampleGenerator,
    SettingError,
    TimeFormatter,
    TokenSpec,
    make_provider,
    matched,
    parse_stamp,
    token_formats,
)


class ReplayGenerator(SampleGenerator):
    name = "replay"
    chosen_by = {"mode": "replay"}
    # the replay schedule keeps the sample's own spacing; passes follow each other at once (the reference)
    implies = {"input": "replay", "interval": "0"}
    summary = "Replays the sample's events in order at the job's times (their own spacing, via the replay schedule)."

    def __init__(self, sample):
        super().__init__(sample)
        self.random_picks = False
        tokens = sample.tokens
        if any(s.rtype == "replaytimestamp" and len(token_formats(s)) > 1 for s in tokens):
            providers = [self._provider(s) for s in tokens]
            self.plan = RenderPlan(sample.data.texts, tokens, providers)

    @classmethod
    def validate(cls, sample) -> list[tuple[str, str]]:
        for spec in sample.tokens:
            if spec.rtype == "replaytimestamp":
                try:
                    token_formats(spec)
                except SettingError as exc:
                    return [(f"token.{spec.number}.replacement", str(exc))]
        return []

    def _provider(self, spec: TokenSpec):
        sample = self.sample
        formats = token_formats(spec) if spec.rtype == "replaytimestamp" else []
        if len(formats) <= 1:
            return make_provider(spec, sample.tz, sample.resolve)
        year = datetime.now(sample.tz).year
        which = np.zeros(max(self.size, 1), dtype=np.int64)
        for i, text in enumerate(sample.data.texts):
            value = matched(spec, text)
            if value is not None:
                which[i] = next(
                    (k for k, f in enumerate(formats) if parse_stamp(value, f, sample.tz, year) is not None), 0
                )
        formatters = [TimeFormatter(f, sample.tz) for f in formats]
        size = max(self.size, 1)

        def provide(ctx: RenderContext) -> list[str]:
            chosen = which[(ctx.offset + np.arange(ctx.n)) % size]
            out = np.empty(ctx.n, dtype=object)
            for k, formatter in enumerate(formatters):
                sel = np.flatnonzero(chosen == k)
                if sel.size:
                    out[sel] = formatter.format_many(ctx.times[sel])
            return out.tolist()

        return provide
