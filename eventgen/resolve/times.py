"""Load-time checks of a sample's time settings: each can be read and, at the run's reference time, none
contradicts another (earliest after latest, a backfill in the future, an end before the start)."""

from __future__ import annotations

import time

from eventgen.conf.sample import Sample
from eventgen.core.settings import SettingError
from eventgen.core.timeutil import parse_time


def time_problems(sample: Sample, now: float | None) -> list[tuple[str, str]]:
    """(key, message) for each time setting that cannot be read and, with a reference time `now`, each that
    contradicts another at it: earliest after latest, a backfill in the future, an end time before the start."""
    problems = []
    times: dict[str, float] = {}
    checked_at = time.time() if now is None else now
    for key in ("backfill", "end", "earliest", "latest"):
        value = sample.settings.get(key)
        if value is None or (key == "end" and str(value).strip().lstrip("-").isdigit()):
            continue
        try:
            times[key] = parse_time(str(value), checked_at, sample.tz)
        except SettingError as exc:
            problems.append((key, str(exc)))
    if now is None:
        return problems
    settings = sample.settings
    if "earliest" in times and "latest" in times and times["earliest"] > times["latest"]:
        problems.append(
            (
                "earliest",
                f"earliest = {settings['earliest']} ({_shown(times['earliest'])}) is after latest = "
                f"{settings['latest']} ({_shown(times['latest'])}): earliest must not be later than latest",
            )
        )
    if "backfill" in times and times["backfill"] > now:
        problems.append(
            (
                "backfill",
                f"backfill = {settings['backfill']} ({_shown(times['backfill'])}) is in the future: backfill "
                "starts the run in the past (e.g. -1h, -7d@d)",
            )
        )
    start = min(times.get("backfill", now), now)
    if "end" in times and times["end"] < start:
        since = f"backfill = {settings['backfill']}" if "backfill" in times else "now"
        problems.append(
            (
                "end",
                f"end = {settings['end']} ({_shown(times['end'])}) is before the start ({since}, "
                f"{_shown(start)}): nothing would be made; give a later end, an earlier backfill, or a "
                "number of intervals",
            )
        )
    return problems


def _shown(epoch: float) -> str:
    """An epoch as a short local ISO time for messages."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(epoch))
