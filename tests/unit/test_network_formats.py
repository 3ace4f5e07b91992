"""Formatting of every output, checked byte for byte (no network): the formatter stage in the workers."""

from __future__ import annotations

import json
from datetime import UTC, timedelta, timezone

import numpy as np
import pytest

from eventgen.core.batch import EventBatch
from eventgen.core.settings import SettingError
from eventgen.format.envelopes import BulkDocuments, HecEvent, HecRaw, ModinputXml
from eventgen.format.payload import Payload
from eventgen.format.syslog import SyslogFrames, SyslogHeaders
from eventgen.format.text import EventText, TemplateProblem
from eventgen.plugin.base import registry
from eventgen.plugin.output import LineFrames

registry.load()
from eventgen_plugins.output.httpevent import chunk_bounds, parse_servers  # noqa: E402

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
    payload = HecEvent(EventText())(batch(sourcetype=["x", "y"]))
    assert payload.data == (
        b'{"time":1794000000.250,"host":"h1","source":"src","index":"main","sourcetype":"x","event":"one"}\n'
        b'{"time":1794000061.750,"host":"h1","source":"src","index":"main","sourcetype":"y","event":"two \\"q\\""}\n'
    )
    assert [json.loads(line) for line in payload.data.splitlines()][1]["event"] == 'two "q"'
    first, second = payload.data.splitlines(keepends=True)
    assert payload.bounds.tolist() == [0, len(first), len(first) + len(second)]


def test_hec_raw_is_lines_with_metadata_in_the_path():
    payload = HecRaw(EventText())(batch())
    assert payload.data == b'one\ntwo "q"\n'
    assert payload.info == {"path": "/services/collector/raw?host=h1&source=src&sourcetype=st&index=main"}


def test_raw_json_and_template_texts():
    b = batch()
    assert LineFrames(EventText())(b).data == b'one\ntwo "q"\n'
    assert LineFrames(EventText("json"))(b).data == (
        b'{"_time":1794000000.250,"host":"h1","source":"src","sourcetype":"st","index":"main","_raw":"one"}\n'
        b'{"_time":1794000061.750,"host":"h1","source":"src","sourcetype":"st","index":"main","_raw":"two \\"q\\""}\n'
    )
    template = EventText("template", "{_time|iso} {{{host}}} %d {_raw|json} {_time|ms} {sample} {_time}")
    assert template(b) == [
        '2026-11-06T21:20:00.250Z {h1} %d "one" 1794000000250 s 1794000000.250',
        '2026-11-06T21:21:01.750Z {h1} %d "two \\"q\\"" 1794000061750 s 1794000061.750',
    ]


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("{_raw", "unmatched '{'"),
        ("a } b", "unmatched '}'"),
        ("{host|iso}", "applies to _time only"),
        ("{_raw|x}", "unknown filter"),
    ],
)
def test_bad_templates_are_explained(template, problem):
    with pytest.raises(TemplateProblem, match=problem):
        EventText("template", template)


def test_one_rounding_rule_a_second_and_its_fraction_agree_everywhere():
    """1794000000.9999996 is 1794000001.000000 to the microsecond: every output says .000 of the next second."""
    b = EventBatch("s", 0, ["e"], np.array([1794000000.9999996]), {"host": "h"})
    assert bytes(HecEvent(EventText())(b).data).startswith(b'{"time":1794000001.000,')
    assert EventText("template", "{_time|iso}")(b) == ["2026-11-06T21:20:01.000Z"]
    syslog = SyslogFrames(SyslogHeaders("rfc5424", False, 14, "a", "", UTC), EventText(), "newline")(b)
    assert syslog.data == b"<14>1 2026-11-06T21:20:01.000000+00:00 h a - - - e\n"
    assert b"<time>1794000001.000</time>" in bytes(ModinputXml(EventText())(b).data)
    assert b'"@timestamp":"2026-11-06T21:20:01.000Z"' in bytes(BulkDocuments(EventText(), "i")(b).data)


def test_syslog_framings_byte_for_byte():
    headers = SyslogHeaders("rfc3164", True, 14, "app", "", UTC)
    b = batch()
    newline = SyslogFrames(headers, EventText(), "newline")(b)
    assert newline.data == b'<14>Nov  6 21:20:00 h1 app: one\n<14>Nov  6 21:21:01 h1 app: two "q"\n'
    octet = SyslogFrames(headers, EventText(), "octet")(EventBatch("s", 0, ["é"], np.array([T0]), {"host": "h1"}))
    assert octet.data == "30 <14>Nov  6 21:20:00 h1 app: é".encode()
    datagrams = SyslogFrames(headers, EventText(), "datagram")(b)
    assert datagrams.records() == [b"<14>Nov  6 21:20:00 h1 app: one", b'<14>Nov  6 21:21:01 h1 app: two "q"']


def test_bulk_documents_byte_for_byte_and_json_events_keep_their_fields():
    b = EventBatch("s", 0, ["plain", '{"user":"ann","host":"mine"}'], np.array([T0, T0]), {"host": "h1"})
    payload = BulkDocuments(EventText(), "ev-%Y.%m")(b)
    assert payload.data == (
        b'{"index": {"_index": "ev-2026.11"}}\n{"@timestamp":"2026-11-06T21:20:00.250Z","_raw":"plain","host":"h1"}\n'
        b'{"index": {"_index": "ev-2026.11"}}\n{"user":"ann","host":"h1","@timestamp":"2026-11-06T21:20:00.250Z",'
        b'"_raw":"{\\"user\\":\\"ann\\",\\"host\\":\\"mine\\"}"}\n'
    )
    assert payload.bounds.tolist()[:2] == [0, payload.data.index(b"}\n{", 40) + 2]


def test_modinput_xml_escapes_per_batch_and_per_event_columns():
    b = EventBatch(
        "s", 0, ["a<b & c>", "ok"], np.array([T0, T0 + 1]), {"index": "main", "source": "s&s"}, {"host": ["x", "<y>"]}
    )
    assert ModinputXml(EventText())(b).data == (
        b"<event><time>1794000000.250</time><index>main</index><source>s&amp;s</source><sourcetype></sourcetype>"
        b"<host>x</host><data>a&lt;b &amp; c&gt;</data></event>\n"
        b"<event><time>1794000001.250</time><index>main</index><source>s&amp;s</source><sourcetype></sourcetype>"
        b"<host>&lt;y&gt;</host><data>ok</data></event>\n"
    )


def test_payload_bounds_tail_and_wire_with_non_ascii_events():
    b = EventBatch("s", 7, ["é", "ab", "ü€"], np.array([T0] * 3))
    payload = LineFrames(EventText())(b)
    assert payload.bounds.tolist() == [0, 3, 6, 12]
    assert payload.event_at(4) == 1 and payload.event_at(12) == 3
    rest = payload.tail(1)
    assert (bytes(rest.data), rest.count, rest.offset, rest.bounds.tolist()) == (
        b"ab\n\xc3\xbc\xe2\x82\xac\n",
        2,
        1,
        [0, 3, 9],
    )
    back = Payload.from_wire(payload.to_wire(with_events=False))
    assert (back.data, back.count, back.bounds.tolist(), back.batch) == (payload.data, 3, [0, 3, 6, 12], None)


def test_output_configs_are_frozen_and_name_only_declared_keys():
    cls = registry.get("output", "syslogout")
    a = cls.config_of({"timezone": "UTC", "syslogDestinationPort": 1})
    assert a == cls.config_of({"timezone": "UTC", "syslogDestinationPort": 1, "count": 5})
    assert a != cls.config_of({"timezone": "+0100", "syslogDestinationPort": 1})
    assert a != cls.config_of({"timezone": "UTC", "syslogDestinationPort": 1}, "syslogout#second")
    assert (a.syslogDestinationPort, a.syslogDestinationHost, a.instance) == (1, "127.0.0.1", "syslogout")
    with pytest.raises(AttributeError, match="output syslogout declares no setting 'count'"):
        a.get("count")
    with pytest.raises(AttributeError, match="frozen"):
        a.syslogDestinationPort = 2


def test_chunk_bounds_respect_the_limit_and_keep_oversized_items_alone():
    assert chunk_bounds([4, 4, 4, 10, 1], 8) == [0, 2, 3, 4, 5]
    assert chunk_bounds([], 8) == [0, 0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"servers": []}', 'expected {"servers"'),
        ('{"servers": [{"address": "a", "port": 1}]}', "servers[0] lacks key"),
        ('{"servers": [{"address": "a", "port": "x", "key": "k"}]}', "servers[0].port: expected a port number"),
        ('{"servers": [{"address": "a", "port": 65536, "key": "k"}]}', "servers[0].port: a port is 1-65535, got 65536"),
        ('{"servers": [{"protocol": "ftp", "address": "a", "port": 1, "key": "k"}]}', "must be http or https"),
    ],
)
def test_bad_server_lists_are_explained(text, message):
    with pytest.raises(SettingError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_servers(text)


@pytest.mark.parametrize(
    "make",
    [lambda: HecEvent(EventText()), lambda: ModinputXml(EventText()), lambda: BulkDocuments(EventText(), "ev-%Y")],
)
def test_the_whole_batch_path_writes_the_same_bytes_as_the_per_event_path(make):
    """Shared metadata takes the spliced path; the same values as per-event columns take the general one."""
    events = ['a "quoted" \\ path\tx', "<tag> & more", "plain", "carriage\rreturn"]
    times = np.array([T0, T0 + 0.0004, T0 + 1.9999996, T0 + 86400.5])
    meta = {"host": "h1", "source": "s&<", "sourcetype": 'st"', "index": "main"}
    spliced = make()(EventBatch("s", 0, events, times, meta))
    general = make()(EventBatch("s", 0, events, times, {}, {k: [v] * 4 for k, v in meta.items()}))
    assert isinstance(spliced.data, memoryview) and isinstance(general.data, bytes)  # each path was taken
    assert bytes(spliced.data) == general.data
    assert spliced.bounds.tolist() == general.bounds.tolist()


def test_batches_the_whole_batch_path_cannot_take_fall_back_to_the_general_one():
    for events in (["multi\nline"], ["é non-ascii"], ["nul\x00byte"]):
        payload = HecEvent(EventText())(EventBatch("s", 0, events, np.array([T0]), {"host": "h"}))
        assert isinstance(payload.data, bytes)
        assert json.loads(payload.data)["event"] == events[0]


def test_rfc5424_whole_batch_path_matches_the_per_event_path():
    headers = SyslogHeaders("rfc5424", False, 14, "my app", "", timezone(timedelta(hours=-5)))
    events = ["one", 'two "q"', "tab\there"]
    times = np.array([T0, T0 + 61.5, T0 + 1.9999996])
    spliced = SyslogFrames(headers, EventText(), "newline")(EventBatch("s", 0, events, times, {"host": "h1"}))
    general = SyslogFrames(headers, EventText(), "newline")(EventBatch("s", 0, events, times, {}, {"host": ["h1"] * 3}))
    assert isinstance(spliced.data, memoryview) and isinstance(general.data, bytes)  # each path was taken
    assert (
        bytes(spliced.data)
        == general.data
        == (
            b"<14>1 2026-11-06T16:20:00.250000-05:00 h1 my_app - - - one\n"
            b'<14>1 2026-11-06T16:21:01.750000-05:00 h1 my_app - - - two "q"\n'
            b"<14>1 2026-11-06T16:20:02.250000-05:00 h1 my_app - - - tab\there\n"
        )
    )
    assert spliced.bounds.tolist() == general.bounds.tolist()
