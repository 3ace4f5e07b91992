"""The keys of pytest-splunk-addon's `pytest-splunk-addon-data.conf`, declared so that they are understood.

That tool's data generator ingests an add-on's samples into Splunk and tests them; these keys describe how. A load
generator applies what changes the events it sends (`host_type`, `host_prefix`) and reads the rest without
acting on them: they tell the tool how to search for and count what it ingested. docs/pytest-splunk-addon.md
says for each what it does here.
"""

from __future__ import annotations

from eventgen.core.settings import Setting, SettingGroup, at_least, choice, parse_int, parse_str

INPUT_TYPES = (
    "default",
    "modinput",
    "scripted_input",
    "syslog_tcp",
    "syslog_udp",
    "file_monitor",
    "uf_file_monitor",
    "windows_input",
)
PSA_CONF_NAME = "pytest-splunk-addon-data.conf"

PSA = SettingGroup(
    "pytest-splunk-addon keys",
    (
        Setting(
            "host_type",
            choice("plugin", "event"),
            None,
            "`plugin`: the event host is `host_prefix` + the sample file name; `event`: each event's host is the "
            "value of its token with `token.N.field = host`. Unset: `host`.",
        ),
        Setting("host_prefix", parse_str, None, "Put before every event's host (`host_type` or `host`)."),
        Setting(
            "input_type",
            choice(*INPUT_TYPES),
            None,
            "How the add-on's data arrives in Splunk. Read, not acted on: choose the transport with `outputMode` "
            "(`syslog_tcp` → `syslogout`, `modinput` → `httpevent`).",
        ),
        Setting(
            "timestamp_type",
            choice("plugin", "event"),
            None,
            "Where Splunk takes `_time` from. Read, not acted on: the `timestamp` token and the HEC time are the "
            "event's time either way.",
        ),
        Setting("sourcetype_to_search", parse_str, None, "The sourcetype the tool searches for. Not applicable."),
        Setting(
            "sample_count",
            at_least(parse_int, 0),
            None,
            "The events the tool expects per sample file. Not applicable: `count` sets the volume.",
        ),
        Setting(
            "expected_event_count",
            at_least(parse_int, 0),
            None,
            "The events the tool expects from the stanza. Not applicable: the summary counts what was made.",
        ),
    ),
)
