"""HEC's metrics format: one `{"time":S.mmm,"event":"metric",host…,"fields":{…}}` envelope per event, where the
event's text is the JSON object of the metric's fields (`"metric_name:cpu.idle": 94.2` with its dimensions, or
`"metric_name": "cpu.idle", "_value": 94.2`).

The batch's texts are parsed as one JSON array (one parse per batch) to check that each is a JSON object that names a
metric; only when one is not are they looked at one by one, to say which and why (HEC itself refuses a value that is
not a number). The text goes into the envelope as written, so nothing is encoded twice.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii
from typing import Any

from eventgen.core.batch import EventBatch
from eventgen.format.envelopes import HEC_META, _per_event_meta, hec_lines
from eventgen.format.payload import Payload
from eventgen.format.text import EventText

NAMED = "metric_name:"
NAMED_TEXT = '"metric_name'  # in every metric's text: `"metric_name:NAME"` or `"metric_name"`


def metric_problem(fields: Any) -> str:
    """Why `fields` (one event's parsed text) is not a HEC metric, or ""."""
    if not isinstance(fields, dict):
        return "not a JSON object"
    named = [k for k in fields if k.startswith(NAMED) and len(k) > len(NAMED)]
    if named:
        bad = [k for k in named if isinstance(fields[k], bool) or not isinstance(fields[k], int | float)]
        return f"{bad[0]} is not a number" if bad else ""
    if isinstance(fields.get("metric_name"), str) and fields["metric_name"]:
        value = fields.get("_value")
        return "" if isinstance(value, int | float) and not isinstance(value, bool) else "_value is not a number"
    return 'names no metric ("metric_name:NAME": value, or "metric_name" with "_value")'


def check_metrics(texts: list[str]) -> None:
    """ValueError naming the first text that is not a metric's fields."""
    try:
        parsed = json.loads("[" + ",".join(texts) + "]")
    except ValueError:
        parsed = None
    if isinstance(parsed, list) and len(parsed) == len(texts):
        if all(type(f) is dict for f in parsed) and all(NAMED_TEXT in t for t in texts):
            return  # objects naming a metric (the usual batch: checked without a loop of ours per event)
        problems = map(metric_problem, parsed)
    else:  # some text is not one JSON value: find which
        problems = map(_text_problem, texts)
    for number, problem in enumerate(problems):
        if problem:
            shown = texts[number][:80]
            raise ValueError(f"event {number} is not a HEC metric: {problem}: {shown!r}")


def _text_problem(text: str) -> str:
    try:
        return metric_problem(json.loads(text))
    except ValueError as exc:
        return f"not JSON ({exc})"


class HecMetric:
    """Each event as a HEC metric envelope, one a line (the batch's metadata encoded once)."""

    def __init__(self, text: EventText):
        self.text = text

    def __call__(self, batch: EventBatch) -> Payload:
        texts = [t.strip() for t in self.text(batch)]
        check_metrics(texts)
        fixed, varying = _per_event_meta(batch, HEC_META, lambda k, v: f'"{k}":{encode_basestring_ascii(v)},')
        return hec_lines(batch, '"event":"metric",' + fixed.replace("%", "%%"), "fields", texts, varying)
