"""Splunk Eventgen's own sample keys that eventgen applies: timestamps found in token-less samples
(`autotimestamp`) and the host field's replacement (`host.token`, `host.replacement`; `hostRegex` is declared by
the splunkstream output, and applied to every event's host by the sample generator as well)."""

from __future__ import annotations

import re

from eventgen.core.settings import Setting, SettingError, SettingGroup, parse_bool, parse_json, parse_regex, parse_str

# [regex, strptime format] pairs: the timestamps `autotimestamp` looks for, most specific first. A pair whose regex
# has a group replaces group 1 only (ISO times keep the sample's fraction of a second, whatever its width).
BUILTIN_AUTOTIMESTAMPS: tuple[tuple[str, str], ...] = (
    (r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:[.,]\d+)?", "%Y-%m-%dT%H:%M:%S"),
    (r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:[.,]\d+)?", "%Y-%m-%d %H:%M:%S"),
    (r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}", "%Y/%m/%d %H:%M:%S"),
    (r"\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2}", "%d/%b/%Y:%H:%M:%S"),
    (r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}", "%a, %d %b %Y %H:%M:%S"),
    (r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} \d{4}", "%a %b %d %H:%M:%S %Y"),
    (r"\d{2}-[A-Z][a-z]{2}-\d{4} \d{2}:\d{2}:\d{2}", "%d-%b-%Y %H:%M:%S"),
    (r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}", "%m/%d/%Y %H:%M:%S"),
    (r"\d{2}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}", "%m/%d/%y %H:%M:%S"),
    (r"[A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2}", "%b %d %H:%M:%S"),
    (r'"timestamp": ?"?(\d{10})\b', "%s"),
    (r'"created": ?"?(\d{10})\b', "%s"),
)


def parse_autotimestamps(text: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """A JSON list of [regex, strptime format] pairs, each regex compiled."""
    value = parse_json(text)
    if not isinstance(value, list) or not value:
        raise SettingError('expected a non-empty JSON list of [regex, format] pairs, e.g. [["\\\\d{10}", "%s"]]')
    pairs = []
    for number, pair in enumerate(value):
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair)):
            raise SettingError(f"entry {number} is not a [regex, format] pair of strings")
        try:
            pairs.append((parse_regex(pair[0]), pair[1]))
        except SettingError as exc:
            raise SettingError(f"entry {number}: {exc}") from None
    return tuple(pairs)


SPLUNK = SettingGroup(
    "Splunk Eventgen timestamps and hosts",
    (
        Setting(
            "autotimestamp",
            parse_bool,
            "false",
            "Find the timestamps of the sample's events (with the patterns of `autotimestamps`) and write each "
            "event's time there in the same format, as if a `timestamp` token had been written for each pattern "
            "found. For samples without tokens (Splunk Eventgen's `autotimestamp`).",
        ),
        Setting(
            "autotimestamps",
            parse_autotimestamps,
            None,
            "With `autotimestamp`: a JSON list of [regex, strptime format] pairs that replaces the built-in list "
            "(ISO 8601 with `T` or a space, `%d/%b/%Y:%H:%M:%S`, `%b %d %H:%M:%S`, `%m/%d/%Y %H:%M:%S`, "
            '`%a %b %d %H:%M:%S %Y`, `"timestamp": <epoch>` and others). A regex with a group replaces group 1.',
        ),
        Setting(
            "host.token",
            parse_regex,
            None,
            "A regex on the event's host field (`host`, or a CSV sample's host column): its match (group 1 if "
            "it has groups) is replaced by `host.replacement`, per event. `_raw` is not touched.",
        ),
        Setting(
            "host.replacement",
            parse_str,
            None,
            "With `host.token`: a file of host names (`path`, or `path:column` of a CSV); each event takes a "
            "random line, the same line as `file`/`mvfile` tokens on that file.",
        ),
    ),
)
