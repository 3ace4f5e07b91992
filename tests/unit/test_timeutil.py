"""Splunk relative time and batch timestamp formatting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest

from eventgen.core.settings import SettingError
from eventgen.core.timeutil import TimeFormatter, parse_time, parse_timezone

NOW = datetime(2026, 11, 25, 14, 37, 21, 500000, tzinfo=UTC).timestamp()  # a Wednesday


def at(text: str, tz=UTC) -> datetime:
    return datetime.fromtimestamp(parse_time(text, NOW, tz), tz)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", datetime(2026, 11, 25, 14, 37, 21, 500000, tzinfo=UTC)),
        ("-15m", datetime(2026, 11, 25, 14, 22, 21, 500000, tzinfo=UTC)),
        ("+15s", datetime(2026, 11, 25, 14, 37, 36, 500000, tzinfo=UTC)),
        ("-1d@d", datetime(2026, 11, 24, tzinfo=UTC)),
        ("@h", datetime(2026, 11, 25, 14, tzinfo=UTC)),
        ("-1h@h+30m", datetime(2026, 11, 25, 13, 30, tzinfo=UTC)),
        ("@w0", datetime(2026, 11, 22, tzinfo=UTC)),
        ("@w1", datetime(2026, 11, 23, tzinfo=UTC)),
        ("-1mon@mon", datetime(2026, 10, 1, tzinfo=UTC)),
        ("-2y", datetime(2024, 11, 25, 14, 37, 21, 500000, tzinfo=UTC)),
        ("@q", datetime(2026, 10, 1, tzinfo=UTC)),
        ("-7days", datetime(2026, 11, 18, 14, 37, 21, 500000, tzinfo=UTC)),
        ("2026-01-02T03:04:05", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ],
)
def test_relative_times(text: str, expected: datetime) -> None:
    assert at(text) == expected


def test_snap_uses_the_timezone() -> None:
    plus5 = timezone(timedelta(hours=5))
    assert at("@d", plus5) == datetime(2026, 11, 25, tzinfo=plus5)


def test_month_shift_clamps_the_day() -> None:
    march31 = datetime(2026, 3, 31, 12, tzinfo=UTC).timestamp()
    assert datetime.fromtimestamp(parse_time("-1mon", march31, UTC), UTC) == datetime(2026, 2, 28, 12, tzinfo=UTC)


@pytest.mark.parametrize("text", ["-15x", "yesterday", "-1d@", "15m"])
def test_bad_times_raise(text: str) -> None:
    with pytest.raises(SettingError):
        parse_time(text, NOW, UTC)


def test_timezones() -> None:
    assert parse_timezone("+0530").utcoffset(None) == timedelta(hours=5, minutes=30)
    assert parse_timezone("-08:00").utcoffset(None) == timedelta(hours=-8)
    assert parse_timezone("utc") is UTC
    assert str(parse_timezone("Europe/Paris")) == "Europe/Paris"
    with pytest.raises(SettingError):
        parse_timezone("Nowhere/City")


def test_formatter_splices_microseconds_and_epoch() -> None:
    formatter = TimeFormatter("%Y-%m-%d %H:%M:%S.%f epoch=%s %%s", UTC)
    times = np.array([NOW, NOW + 0.25, NOW + 61.000001, NOW - 3600.75])
    assert formatter.format_many(times) == [
        "2026-11-25 14:37:21.500000 epoch=1795617441 %s",
        "2026-11-25 14:37:21.750000 epoch=1795617441 %s",
        "2026-11-25 14:38:22.500001 epoch=1795617502 %s",
        "2026-11-25 13:37:20.750000 epoch=1795613840 %s",
    ]


def test_formatter_zone_and_offset() -> None:
    tz = timezone(timedelta(hours=-5))
    assert TimeFormatter("%H:%M %z", tz).format(NOW) == "09:37 -0500"
    assert TimeFormatter("%d/%b/%Y", UTC).format_many(np.full(3, NOW)) == ["25/Nov/2026"] * 3


def test_isoformat_pattern_writes_what_datetime_isoformat_writes():
    from datetime import UTC, datetime, timedelta, timezone

    import numpy as np

    from eventgen.core.timeutil import TimeFormatter

    times = np.array([1704067200.0, 1704067200.25, 1704067201.000001, 1704067261.5])
    for tz in (UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-3))):
        expected = [datetime.fromtimestamp(t, tz).isoformat() for t in times.tolist()]
        assert TimeFormatter("isoformat", tz).format_many(times) == expected
    assert TimeFormatter("%H:%M %:z", timezone(timedelta(hours=-3))).format_many(times[:1]) == ["21:00 -03:00"]
