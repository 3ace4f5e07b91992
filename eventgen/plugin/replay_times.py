"""Event times read from a sample (`mode = replay`): what the replay generator and the replay schedule share.

An event's time comes from the CSV column `timeField`, or from the first `timestamp` / `replaytimestamp` token
that matches and parses in it; `replaytimestamp` may list several strftime formats as JSON.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, tzinfo

import numpy as np

from eventgen.core.settings import SettingError
from eventgen.core.tokens import TokenSpec

__all__ = ["TIME_TOKENS", "event_times", "matched", "parse_stamp", "token_formats"]

log = logging.getLogger(__name__)

TIME_TOKENS = ("timestamp", "replaytimestamp")


def token_formats(spec: TokenSpec) -> list[str]:
    """The strftime format(s) of a time token: a JSON list for replaytimestamp, else one format."""
    text = spec.replacement.strip()
    if spec.rtype == "replaytimestamp" and text.startswith("["):
        try:
            formats = json.loads(text)
        except json.JSONDecodeError:
            raise SettingError("replaytimestamp: expected a strftime format or a JSON list of them") from None
        if not isinstance(formats, list) or not formats:
            raise SettingError("replaytimestamp: the JSON list of formats is empty")
        return [str(f) for f in formats]
    return [spec.replacement]


def parse_stamp(value: str, fmt: str, tz: tzinfo, year: int) -> float | None:
    """Epoch seconds of `value` written in strftime `fmt` (`%s` = epoch), or None if it does not fit."""
    value = value.strip()
    if fmt.startswith("%s"):
        try:
            return float(value)
        except ValueError:
            return None
    try:
        moment = datetime.strptime(value, fmt)
    except ValueError:
        return None
    if "%Y" not in fmt and "%y" not in fmt and "%c" not in fmt and "%x" not in fmt:
        moment = moment.replace(year=year)  # syslog-style stamps without a year
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.timestamp()


def matched(spec: TokenSpec, text: str) -> str | None:
    match = spec.pattern.search(text)
    if match is None:
        return None
    return match.group(1) if spec.pattern.groups else match.group(0)


def _parse_any(value: str, tz: tzinfo, formats: list[str], year: int) -> float | None:
    try:
        return float(value)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value.strip())
        return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).timestamp()
    except ValueError:
        pass
    for fmt in formats:
        stamp = parse_stamp(value, fmt, tz, year)
        if stamp is not None:
            return stamp
    return None


def event_times(sample) -> np.ndarray:
    """Each sample event's original time (epoch seconds, made non-decreasing).

    From the CSV column `timeField`, or else from the first `timestamp`/`replaytimestamp` token
    that matches and parses in the event. Events without a readable time take the previous one's.
    """
    data = sample.data
    n = len(data.texts)
    if n == 0:
        raise SettingError("replay: the sample has no events")
    tz = sample.tz
    year = datetime.now(tz).year
    specs = [s for s in sample.tokens if s.rtype in TIME_TOKENS]
    all_formats = [f for s in specs for f in token_formats(s)]
    field = sample.settings["timeField"]
    times = np.full(n, np.nan)
    if field != "_raw":
        column = data.columns.get(f"field:{field}") or data.columns.get(field)
        if column is None:
            raise SettingError(f"replay: timeField {field!r} is not a column of the sample")
        for i, value in enumerate(column):
            stamp = _parse_any(value, tz, all_formats, year)
            times[i] = np.nan if stamp is None else stamp
    else:
        if not specs:
            raise SettingError(
                "replay needs a timestamp or replaytimestamp token to find each event's time "
                "(or timeField = a CSV column)"
            )
        formats = [(s, token_formats(s)) for s in specs]
        for i, text in enumerate(data.texts):
            for spec, fmts in formats:
                value = matched(spec, text)
                if value is None:
                    continue
                stamp = next((t for t in (parse_stamp(value, f, tz, year) for f in fmts) if t is not None), None)
                if stamp is not None:
                    times[i] = stamp
                    break
    known = ~np.isnan(times)
    if not known.any():
        raise SettingError(
            "replay: no event time could be read with the timestamp tokens' formats "
            f"({', '.join(all_formats) or 'none'}) from {field}"
        )
    missing = int(n - known.sum())
    if missing:
        log.warning(
            "sample %s: %d event(s) without a readable time replay at the previous event's time", sample.label, missing
        )
        index = np.where(known, np.arange(n), 0)
        np.maximum.accumulate(index, out=index)
        first = int(np.argmax(known))
        index[:first] = first
        times = times[index]
    return np.maximum.accumulate(times)
