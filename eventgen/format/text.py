"""Each event's text on the wire (`outputFormat`): the raw event, a JSON line, or a user template.

A template names fields in braces: `{_raw}`, `{_time}`, `{host}`, `{source}`, `{sourcetype}`,
`{index}`, `{sample}` or any CSV column, optionally through a filter: `{_raw|json}` (a JSON string
literal), `{_time|iso}` (ISO 8601 UTC with milliseconds), `{_time|ms}` (epoch milliseconds). `{{`
and `}}` are literal braces. It is compiled once into a `%`-template and filled per batch from
per-field columns, so the work per event is one string interpolation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]

from eventgen.render.batch import EventBatch
from eventgen.schedule.time import micros, per_second, split_time

FIELDS = ("_raw", "_time", "host", "source", "sourcetype", "index", "sample")
FILTERS = ("json", "iso", "ms", "epoch")
JSON_TEMPLATE = (
    '{{"_time":{_time},"host":{host|json},"source":{source|json},"sourcetype":{sourcetype|json},'
    '"index":{index|json},"_raw":{_raw|json}}}'
)
_FIELD = re.compile(r"\{\{|\}\}|\{([A-Za-z_][\w.-]*)(?:\|(\w+))?\}|[{}]")
_MILLIS = ["%03d" % i for i in range(1000)]


class TemplateProblem(ValueError):
    """A template that cannot be compiled (the message says why)."""


Column = Callable[[EventBatch], list[str]]


def _metadata(name: str) -> Column:
    def column(batch: EventBatch) -> list[str]:
        values = batch.columns.get(name)
        if values is not None:
            return values
        return [batch.sample if name == "sample" else batch.meta.get(name, "")] * len(batch)

    return column


def epoch_texts(batch: EventBatch) -> list[str]:
    """`1700000000.123` per event (epoch seconds with milliseconds, by the one rounding rule)."""
    secs, millis = split_time(batch.times, 3)
    return list(map("%d.%03d".__mod__, zip(secs.tolist(), millis.tolist(), strict=True)))


def iso_texts(batch: EventBatch, cache: dict[int, str]) -> list[str]:
    """`2023-11-14T22:13:20.123Z` per event."""
    heads = per_second(batch.times, lambda s: datetime.fromtimestamp(s, UTC).strftime("%Y-%m-%dT%H:%M:%S."), cache)
    millis = split_time(batch.times, 3)[1].tolist()
    return [f"{h}{_MILLIS[m]}Z" for h, m in zip(heads, millis, strict=True)]


def _column(name: str, flt: str | None, cache: dict[int, str]) -> Column:
    if name == "_raw":
        base: Column = lambda b: b.events  # noqa: E731
    elif name == "_time":
        if flt == "iso":
            return lambda b: iso_texts(b, cache)
        if flt == "ms":
            return lambda b: list(map(str, (micros(b.times) // 1000).tolist()))
        base = epoch_texts
    else:
        base = _metadata(name)
    if flt == "json":
        return lambda b: list(map(encode_basestring_ascii, base(b)))
    if flt in (None, "epoch"):
        return base
    raise TemplateProblem(f"filter {flt!r} applies to _time only (use json, or iso/ms/epoch on _time)")


class EventText:
    """Compiled once per output: turns a batch into one text per event."""

    def __init__(self, fmt: str = "raw", template: str = ""):
        self.raw = fmt == "raw"
        if self.raw:
            return
        source = JSON_TEMPLATE if fmt == "json" else template
        if not source:
            raise TemplateProblem("outputFormat = template needs outputTemplate or outputTemplateFile")
        self._cache: dict[int, str] = {}
        pieces: list[str] = []
        self.columns: list[Column] = []
        pos = 0
        for match in _FIELD.finditer(source):
            pieces.append(source[pos : match.start()].replace("%", "%%"))
            pos = match.end()
            token = match.group(0)
            if token in ("{{", "}}"):
                pieces.append(token[0])
            elif match.group(1) is None:
                raise TemplateProblem(f"unmatched {token!r} at column {match.start() + 1} (write {token * 2})")
            else:
                flt = match.group(2)
                if flt is not None and flt not in FILTERS:
                    raise TemplateProblem(f"unknown filter {flt!r} (known: {', '.join(FILTERS)})")
                pieces.append("%s")
                self.columns.append(_column(match.group(1), flt, self._cache))
        pieces.append(source[pos:].replace("%", "%%"))
        self.template = "".join(pieces)

    def __call__(self, batch: EventBatch) -> list[str]:
        if self.raw:
            return batch.events
        if not self.columns:
            return [self.template % ()] * len(batch)
        return list(map(self.template.__mod__, zip(*(make(batch) for make in self.columns), strict=True)))
