"""Human date phrases in an Eventum project's `start`/`end` (Eventum hands them to `dateparser`): `now`, `today`,
`yesterday`, `tomorrow` (midnight, or `at HH:MM[:SS]`), `in 5 minutes`, `2 hours ago`, `1 day and 6 hours ago`,
`an hour ago`. Read in UTC, Eventum's default timezone, at the translation's `now`.

Our own small reader rather than `dateparser`: that library brings every language's date grammar, a regex engine and
time-zone lookups for the handful of English phrases generator files use; a phrase outside this grammar is one
line that lists what is understood."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped]  # no stub package in the test extra

PHRASES = "now, today, yesterday, tomorrow (optionally `at HH:MM`), `in 5 minutes`, `2 hours ago`"
_UNITS = {"second": "seconds", "sec": "seconds", "minute": "minutes", "min": "minutes", "hour": "hours",
          "day": "days", "week": "weeks", "month": "months", "year": "years"}  # fmt: skip
_AMOUNT = r"(\d+(?:\.\d+)?|an?|one)\s+(second|sec|minute|min|hour|day|week|month|year)s?"
_SPAN = re.compile(rf"{_AMOUNT}(?:\s*(?:,|and)\s*{_AMOUNT})*")
_PART = re.compile(_AMOUNT)
_DAY = re.compile(r"(today|yesterday|tomorrow)(?:\s+(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_DAY_OFFSET = {"today": 0, "yesterday": -1, "tomorrow": 1}


def human_moment(text: str, now: float) -> datetime | None:
    """The moment a phrase names (UTC, aware), or None when `text` is not one of the phrases understood."""
    phrase = " ".join(text.strip().lower().split())
    moment = datetime.fromtimestamp(now, UTC)
    if phrase in ("now", "right now"):
        return moment
    day = _DAY.fullmatch(phrase)
    if day:
        name, hour, minute, second = day.groups()
        midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=_DAY_OFFSET[name])
        if hour is None:
            return midnight
        if int(hour) > 23 or int(minute) > 59 or int(second or 0) > 59:
            return None
        return midnight.replace(hour=int(hour), minute=int(minute), second=int(second or 0))
    sign, span = 0, phrase
    if phrase.startswith("in "):
        sign, span = 1, phrase[3:]
    elif phrase.endswith(" ago"):
        sign, span = -1, phrase[:-4]
    if not sign or not _SPAN.fullmatch(span):
        return None
    delta = relativedelta()
    for amount, unit in _PART.findall(span):
        value = 1.0 if amount in ("a", "an", "one") else float(amount)
        if _UNITS[unit] in ("months", "years") and not value.is_integer():
            return None  # calendar units are whole
        number = int(value) if value.is_integer() else value
        delta += relativedelta(**{_UNITS[unit]: number})
    return moment + delta if sign > 0 else moment - delta
