"""Formatting of the network outputs, checked byte for byte (no network)."""

from __future__ import annotations

import json
from datetime import UTC, timedelta, timezone

import numpy as np
import pytest

from eventgen.conf.settings import SettingError
from eventgen.plugin.base import registry
from eventgen.render.batch import EventBatch

registry.load()
from eventgen_plugins.output.httpevent import HttpEventOutput, chunk_bounds, parse_servers  # noqa: E402
from eventgen_plugins.output.syslogout import SyslogHeaders  # noqa: E402

T0 = 1794000000.25  # 2026-11-06 21:20:00.25 UTC


def batch(**columns) -> EventBatch:
    return EventBatch(
        "s",
        0,
        ["one", 'two "q"'],
        np.array([T0, T0 + 61.5]),
        {"host": "h1", "source": "src", "sourcetype": "st", "index": "main"},
        columns,
    )


def test_rfc3164_header_pads_the_day_and_uses_the_zone():
    headers = SyslogHeaders("rfc3164", True, 165, "app", "", timezone(timedelta(hours=1)))
    assert headers.messages(batch()) == ["<165>Nov  6 22:20:00 h1 app: one", '<165>Nov  6 22:21:01 h1 app: two "q"']


def test_rfc3164_without_header_is_pri_only():
    assert SyslogHeaders("rfc3164", False, 14, "app", "", UTC).messages(batch()) == ("<14>", ["one", 'two "q"'])


def test_rfc5424_header_with_microseconds_offset_and_per_event_hosts():
    headers = SyslogHeaders("rfc5424", False, 14, "my app", "", timezone(timedelta(hours=-5)))
    assert headers.messages(batch(host=["a", "b c"])) == [
        "<14>1 2026-11-06T16:20:00.250000-05:00 a my_app - - - one",
        '<14>1 2026-11-06T16:21:01.750000-05:00 b_c my_app - - - two "q"',
    ]


def test_hec_envelopes_are_json_with_time_and_metadata():
    lines = HttpEventOutput.envelopes(batch(sourcetype=["x", "y"]))
    assert [json.loads(line) for line in lines] == [
        {"time": 1794000000.25, "host": "h1", "source": "src", "index": "main", "sourcetype": "x", "event": "one"},
        {"time": 1794000061.75, "host": "h1", "source": "src", "index": "main", "sourcetype": "y", "event": 'two "q"'},
    ]


def test_chunk_bounds_respect_the_limit_and_keep_oversized_items_alone():
    assert chunk_bounds([4, 4, 4, 10, 1], 8) == [0, 2, 3, 4, 5]
    assert chunk_bounds([], 8) == [0, 0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"servers": []}', 'expected {"servers"'),
        ('{"servers": [{"address": "a", "port": 1}]}', "servers[0] lacks key"),
        ('{"servers": [{"address": "a", "port": "x", "key": "k"}]}', "servers[0].port is not a number"),
        ('{"servers": [{"protocol": "ftp", "address": "a", "port": 1, "key": "k"}]}', "must be http or https"),
    ],
)
def test_bad_server_lists_are_explained(text, message):
    with pytest.raises(SettingError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_servers(text)
