"""Eventgen's rate tables and `randomizeCount`: `TableRater`, the `config` rater, which `perdayvolume` builds on."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import numpy as np

from eventgen.core.settings import Setting, parse_json
from eventgen.plugin.base import RaterPlugin

__all__ = ["TABLES", "TableRater", "rate_table"]

# (key, datetime attribute or function, valid range, doc)
TABLES = (
    ("hourOfDayRate", lambda d: d.hour, range(24), "hour 0-23"),
    ("dayOfWeekRate", lambda d: d.isoweekday() % 7, range(7), "day 0-6, 0 = Sunday"),
    ("minuteOfHourRate", lambda d: d.minute, range(60), "minute 0-59"),
    ("dayOfMonthRate", lambda d: d.day, range(1, 32), "day 1-31"),
    ("monthOfYearRate", lambda d: d.month, range(1, 13), "month 1-12"),
)


def rate_table(value: object, valid: range) -> dict[int, float]:
    """A table's JSON value (an object of key → factor, or a list from the first key) as {key: factor}; ValueError
    naming what is wrong."""
    if isinstance(value, list):
        value = {str(i + valid.start): v for i, v in enumerate(value)}
    if not isinstance(value, dict):
        raise ValueError("must be a JSON object mapping keys to factors")
    table: dict[int, float] = {}
    for key, factor in value.items():
        try:
            number = int(key)
        except ValueError:
            raise ValueError(f"key {key!r} is not a number in {valid.start}-{valid.stop - 1}") from None
        if number not in valid:
            raise ValueError(f"key {key!r} is outside {valid.start}-{valid.stop - 1}")
        if not isinstance(factor, int | float) or factor < 0:
            raise ValueError(f"factor for {key!r} must be a number >= 0")
        table[number] = float(factor)
    return table


class TableRater(RaterPlugin):
    """Scales `count` by the hour/day/minute/month tables and `randomizeCount`. Not a plugin itself (it has no
    `name`): subclass it and name the subclass; the tables are its declared settings."""

    uses_core: ClassVar[tuple[str, ...]] = ("count", "randomizeCount")
    settings = tuple(
        Setting(key, parse_json, None, f"JSON map {doc} → factor; missing keys count as 1.0.")
        for key, _, _, doc in TABLES
    )

    def __init__(self, sample, seed: int = 0):
        super().__init__(sample, seed)
        config = self.config
        self.tables = [
            (attr, rate_table(config.get(key), valid)) for key, attr, valid, _ in TABLES if config.get(key) is not None
        ]
        self.randomize = config.randomizeCount

    @classmethod
    def validate(cls, sample) -> list[tuple[str, str]]:
        problems = []
        config = cls.config_of(sample.settings)
        for key, _, valid, _ in TABLES:
            value = config.get(key)
            if value is not None:
                try:
                    rate_table(value, valid)
                except ValueError as exc:
                    problems.append((key, str(exc)))
        return problems

    def factor_at(self, when: float) -> float:
        moment = datetime.fromtimestamp(when, self.sample.tz)
        factor = 1.0
        for attr, table in self.tables:
            factor *= table.get(attr(moment), 1.0)
        return factor

    def factors(self, times: np.ndarray) -> np.ndarray:
        """Per-event factors (for `rated` tokens), computed once per distinct minute."""
        if not self.tables or len(times) == 0:
            return np.ones(len(times))
        minutes, inverse = np.unique(np.floor(times / 60.0).astype(np.int64), return_inverse=True)
        per_minute = np.array([self.factor_at(m * 60.0) for m in minutes.tolist()])
        return per_minute[inverse]

    def rate(self, count: int, when: float, rng: np.random.Generator) -> int:
        value = count * self.factor_at(when)
        if self.randomize:
            value *= 1.0 + rng.uniform(-self.randomize / 2, self.randomize / 2)
        return max(0, round(value))
