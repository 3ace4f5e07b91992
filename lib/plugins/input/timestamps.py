"""`input = timestamps`: one event at each time listed in a file (ISO-8601 or epoch seconds, one a line)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import numpy as np

from eventgen.plugin import Config, InputPlugin, PathKind, Setting, SettingError, Tick, parse_json, parse_str, read_text

CHUNK = 100_000  # timestamps per tick


def read_times(sample, config: Config) -> np.ndarray:
    """The file's times as sorted epoch seconds; naive datetimes are in the sample's timezone."""
    name, inline = config.timestampsFile, config.timestampsList
    if inline is not None:
        if not isinstance(inline, list):
            raise SettingError("timestampsList must be a JSON list of times")
        path = "timestampsList"
        lines = [str(item).strip() for item in inline]
    elif not name:
        raise SettingError("input = timestamps needs timestampsFile or timestampsList")
    else:
        path = sample.resolve(name)
        lines = [line.strip() for line in read_text(path).splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    try:
        return np.sort(np.array(lines, dtype=np.float64))
    except ValueError:
        pass
    tz = sample.tz
    values = np.empty(len(lines), dtype=np.float64)
    for i, line in enumerate(lines):
        try:
            values[i] = float(line)
            continue
        except ValueError:
            pass
        try:
            moment = datetime.fromisoformat(line.replace("Z", "+00:00") if line.endswith("Z") else line)
        except ValueError:
            raise SettingError(f"{path} line {i + 1}: {line!r} is not an ISO-8601 time or epoch seconds") from None
        values[i] = (moment if moment.tzinfo else moment.replace(tzinfo=tz)).timestamp()
    return np.sort(values)


class TimestampsInput(InputPlugin):
    name = "timestamps"
    uses_core = ()
    rated = False  # explicit event times: the rater is not asked
    summary = "One event at each time in `timestampsFile` or `timestampsList` (sorted), then stop."
    settings = (
        Setting(
            "timestampsFile",
            parse_str,
            None,
            "`input = timestamps`: file of event times, one a line: ISO-8601 (`2024-05-01T12:00:00`, "
            "naive = the sample's timezone) or epoch seconds. Blank and `#` lines are skipped.",
            path=PathKind.FILE,
        ),
        Setting(
            "timestampsList",
            parse_json,
            None,
            "`input = timestamps`: the times inline instead, a JSON list of ISO-8601 strings or epoch seconds.",
        ),
    )

    @classmethod
    def validate(cls, sample) -> list[tuple[str, str]]:
        config = cls.config_of(sample.settings)
        try:
            read_times(sample, config)
        except (SettingError, OSError) as exc:
            return [("timestampsList" if config.timestampsList is not None else "timestampsFile", str(exc))]
        return []

    def ticks(self, start: float, rng: np.random.Generator) -> Iterator[Tick]:
        times = read_times(self.sample, self.config)
        for a in range(0, len(times), CHUNK):
            stamps = times[a : a + CHUNK]
            yield Tick(float(stamps[0]), len(stamps), float(stamps[0]), float(stamps[-1]), stamps)
