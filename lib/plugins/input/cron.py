"""`input = cron`: `count` events on every match of a cron expression (croniter, 5 or 6 fields)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import numpy as np
from croniter import croniter

from eventgen.plugin import InputPlugin, Setting, Tick, base_count, parse_str, tick_window


def _check(expression: str | None) -> str:
    if not expression or not expression.strip():
        return "input = cron needs `cron`, e.g. cron = */5 * * * *"
    fields = expression.split()
    if len(fields) not in (5, 6):
        return f"cron expression {expression!r} has {len(fields)} fields; use 5 (minute…weekday) or 6 (+ seconds last)"
    if not croniter.is_valid(expression):
        return f"cron expression {expression!r} is not valid"
    return ""


class CronInput(InputPlugin):
    name = "cron"
    uses_core = ("count", "earliest", "latest")
    summary = "`count` events at every time matching `cron` (evaluated in the sample's timezone)."
    settings = (
        Setting(
            "cron",
            parse_str,
            None,
            "`input = cron`: cron expression, 5 fields (`*/5 * * * *`) or 6 with seconds last "
            "(`*/5 * * * * 30`, croniter's form). Matched in the sample's `timezone`.",
        ),
    )

    @classmethod
    def validate(cls, sample) -> list[tuple[str, str]]:
        problem = _check(cls.config_of(sample.settings).cron)
        return [("cron", problem)] if problem else []

    def ticks(self, start: float, rng: np.random.Generator) -> Iterator[Tick]:
        sample = self.sample
        count = base_count(sample)
        # a match exactly at `start` belongs to the schedule: begin just before it
        cursor = croniter(self.config.cron.strip(), datetime.fromtimestamp(start - 1e-3, sample.tz), ret_type=float)
        while True:
            when = float(cursor.get_next())
            yield Tick(when, count, *tick_window(sample, when))
