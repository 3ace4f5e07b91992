"""Each event's text on the wire (`outputFormat`): the raw event, a JSON line, or a user template.

A template names fields in braces: `{_raw}`, `{_time}`, `{host}`, `{source}`, `{sourcetype}`,
`{index}` or `{sample}` (any other name is refused when it is compiled), optionally through a filter:
`{_raw|json}` (a JSON string literal), `{_time|iso}` (ISO 8601 UTC with milliseconds), `{_time|ms}`
(epoch milliseconds). `{{` and `}}` are literal braces. It is compiled once into a `%`-template and filled
per batch from per-field columns, so the work per event is one string interpolation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii

from eventgen.core.batch import EventBatch
from eventgen.core.timeutil import micros, per_second, split_time

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


_SIMPLE_JINJA = re.compile(r"\{\{-?\s*event\s*-?\}\}")


def _jinja(source: str):
    import jinja2

    try:
        return jinja2.Environment(autoescape=False, keep_trailing_newline=True).from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"Jinja syntax error at line {exc.lineno}: {exc.message}") from None


def _json_of(indent: int | None):
    """(each, whole): every event laid out as JSON, and a batch as one JSON array (format/jsontext.py)."""
    from eventgen.format.jsontext import laid_out

    def each(texts: list[str]) -> list[str]:
        return laid_out(texts, indent)

    def whole(texts: list[str]) -> str:  # each event checked on its own, then the array laid out
        array = "[" + ",".join(laid_out(texts)) + "]"
        return laid_out([array], indent)[0] if indent else array

    return each, whole


class EventText:
    """Compiled once per output: turns a batch into one text per event (or, `per_batch`, one text in all)."""

    per_batch = False

    def __init__(self, fmt: str = "raw", template: str | None = None, indent: int | None = None):
        self.raw = fmt == "raw"
        if self.raw:
            return
        self._special: Callable[[EventBatch], list[str]] | None = None
        if fmt in ("eventjson", "jsonbatch"):
            each, whole = _json_of(indent)
            self.per_batch = fmt == "jsonbatch"
            self._special = (lambda b: [whole(b.events)]) if self.per_batch else (lambda b: each(b.events))
            return
        if fmt in ("jinja", "jinjabatch"):
            if not template:
                raise TemplateProblem(f"outputFormat = {fmt} needs outputTemplate or outputTemplateFile")
            self.per_batch = fmt == "jinjabatch"
            if not self.per_batch and "{%" not in template and "{#" not in template:
                rest = _SIMPLE_JINJA.sub("", template)
                if "{{" not in rest and "}}" not in rest:  # only `{{ event }}`: the brace template, no Jinja per event
                    fmt = "template"
                    parts = _SIMPLE_JINJA.split(template)
                    template = "{_raw}".join(p.replace("{", "{{").replace("}", "}}") for p in parts)
            if fmt != "template":
                compiled = _jinja(template)
                if self.per_batch:
                    self._special = lambda b: [compiled.render(events=b.events)]
                else:
                    render = compiled.render
                    self._special = lambda b: [render(event=e) for e in b.events]
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
                name, flt = match.group(1), match.group(2)
                if name not in FIELDS:
                    raise TemplateProblem(f"unknown field {{{name}}} (known: {', '.join(FIELDS)})")
                if flt is not None and flt not in FILTERS:
                    raise TemplateProblem(f"unknown filter {flt!r} (known: {', '.join(FILTERS)})")
                pieces.append("%s")
                self.columns.append(_column(name, flt, self._cache))
        pieces.append(source[pos:].replace("%", "%%"))
        self.template = "".join(pieces)

    def __call__(self, batch: EventBatch) -> list[str]:
        if self.raw:
            return batch.events
        if self._special is not None:
            return self._special(batch)
        if not self.columns:
            return [self.template % ()] * len(batch)
        return list(map(self.template.__mod__, zip(*(make(batch) for make in self.columns), strict=True)))
