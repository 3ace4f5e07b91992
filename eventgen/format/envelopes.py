"""Envelopes that carry each event's text with its metadata: HEC `/event` JSON, HEC `/raw` lines,
OpenSearch `_bulk` documents and Splunk modular-input XML.

Each is built per batch: metadata the whole batch shares is encoded once into a `%`-template, and
only per-event values (time, CSV columns, the text) are filled per event.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from eventgen.core.batch import EventBatch
from eventgen.core.timeutil import per_second
from eventgen.format import splice
from eventgen.format.payload import Payload
from eventgen.format.text import EventText, epoch_texts, iso_texts

HEC_META = ("host", "source", "sourcetype", "index")
BULK_META = ("host", "source", "sourcetype")
XML_META = ("index", "source", "sourcetype", "host")


def _per_event_meta(batch: EventBatch, keys: tuple[str, ...], item: Callable[[str, str], str]) -> tuple[str, list]:
    """(the shared metadata encoded once, per-event encodings or [] when none varies)."""
    varying = [k for k in keys if k in batch.columns]
    fixed = "".join(item(k, batch.meta[k]) for k in keys if k not in varying and batch.meta.get(k))
    if not varying:
        return fixed, []
    columns = zip(*(batch.columns[k] for k in varying), strict=True)
    return fixed, ["".join(item(k, v) for k, v in zip(varying, values, strict=True) if v) for values in columns]


def _spliced(batch: EventBatch, texts: list[str], escape_bytes, make_stamps):
    """(escaped newline-joined texts, stamps) when the whole-batch path fits this batch, else None."""
    data = splice.joined(texts)
    if data is None:
        return None
    body = escape_bytes(data)
    stamps = make_stamps(batch.times) if body is not None else None
    return None if stamps is None else (body, stamps)


def _payload(batch: EventBatch, data: memoryview, bounds) -> Payload:
    return Payload(batch.sample, batch.seq, data, len(batch), batch, {}, 0, bounds)


def _fill(template: str, *columns: list[str]) -> list[str]:
    return list(map(template.__mod__, zip(*columns, strict=True)))


def hec_lines(batch: EventBatch, head: str, key: str, values: list[str], varying: list[str]) -> Payload:
    """One HEC envelope a line: `{"time":…,` then `head` (JSON text, `%` doubled), the event's own metadata when
    it varies per event, then `"key":value}`."""
    if varying:
        parts = _fill('{"time":%s,' + head + '%s"' + key + '":%s}', epoch_texts(batch), varying, values)
    else:
        parts = _fill('{"time":%s,' + head + '"' + key + '":%s}', epoch_texts(batch), values)
    return Payload.of_texts(batch, parts, "\n")


class HecEvent:
    """`{"time":S.mmm,"host":…,"source":…,"sourcetype":…,"index":…,"event":"…"}` per event, one per line."""

    def __init__(self, text: EventText):
        self.text = text

    def __call__(self, batch: EventBatch) -> Payload:
        fixed, varying = _per_event_meta(batch, HEC_META, lambda k, v: f'"{k}":{encode_basestring_ascii(v)},')
        texts = self.text(batch)
        if not varying and len(batch):
            spliced = _spliced(batch, texts, splice.json_escaped, splice.epoch_stamps)
            if spliced is not None:
                body, stamps = spliced
                return _payload(
                    batch, *splice.splice(body, len(batch), b'{"time":', stamps, f',{fixed}"event":"'.encode(), b'"}\n')
                )
        events = list(map(encode_basestring_ascii, texts))
        return hec_lines(batch, fixed.replace("%", "%%"), "event", events, varying)


class HecRaw:
    """The texts as lines; the batch's metadata goes in the request path (`info["path"]`)."""

    def __init__(self, text: EventText):
        self.text = text

    def __call__(self, batch: EventBatch) -> Payload:
        query = urlencode({k: batch.meta[k] for k in HEC_META if batch.meta.get(k)})
        path = "/services/collector/raw" + (f"?{query}" if query else "")
        return Payload.of_texts(batch, self.text(batch), "\n", {"path": path})


class BulkDocuments:
    """`{"index":{"_index":…}}` and `{"@timestamp":…,"_raw":…,"host":…,…}` lines per event.

    An event that is a JSON object keeps its own fields too (the document's keys win).
    """

    def __init__(self, text: EventText, index_pattern: str):
        self.text = text
        self.pattern = index_pattern
        self._indexes: dict[int, str] = {}
        self._stamps: dict[int, str] = {}

    def actions(self, batch: EventBatch) -> list[str]:
        if "%" not in self.pattern:
            return [json.dumps({"index": {"_index": self.pattern}})] * len(batch)
        return per_second(
            batch.times,
            lambda s: json.dumps({"index": {"_index": datetime.fromtimestamp(s, UTC).strftime(self.pattern)}}),
            self._indexes,
        )

    def __call__(self, batch: EventBatch) -> Payload:
        texts = self.text(batch)
        fixed, varying = _per_event_meta(batch, BULK_META, lambda k, v: f',"{k}":{encode_basestring_ascii(v)}')
        if not varying and len(batch) and not any(t[:1] == "{" for t in texts):
            actions = self.actions(batch)
            if actions.count(actions[0]) == len(actions):  # one index for the whole batch
                spliced = _spliced(batch, texts, splice.json_escaped, splice.iso_stamps)
                if spliced is not None:
                    body, stamps = spliced
                    head = f'{actions[0]}\n{{"@timestamp":"'.encode()
                    return _payload(
                        batch, *splice.splice(body, len(batch), head, stamps, b'","_raw":"', f'"{fixed}}}\n'.encode())
                    )
        template = '%s\n{"@timestamp":"%s","_raw":%s' + fixed.replace("%", "%%") + ("%s}\n" if varying else "}\n")
        columns = [self.actions(batch), iso_texts(batch, self._stamps), list(map(encode_basestring_ascii, texts))]
        parts = _fill(template, *columns, *([varying] if varying else []))
        for i, raw in enumerate(texts):
            if raw[:1] == "{":
                parts[i] = self._merged(parts[i], raw)
        return Payload.of_texts(batch, parts)

    @staticmethod
    def _merged(part: str, raw: str) -> str:
        try:
            fields = json.loads(raw)
        except ValueError:
            return part
        if not isinstance(fields, dict):
            return part
        action, doc, _ = part.split("\n")
        fields.update(json.loads(doc))
        return f"{action}\n{json.dumps(fields, separators=(',', ':'))}\n"


def xml_escape_all(texts: list[str]) -> list[str]:
    """XML-escape every text with three replaces over the whole batch (not three per event)."""
    joined = "\x00".join(texts)
    if joined.count("\x00") != max(len(texts) - 1, 0):  # a text holds NUL (invalid in XML anyway)
        return [escape(t.replace("\x00", "")) for t in texts]
    return escape(joined).split("\x00") if texts else []


class ModinputXml:
    """`<event><time>…</time><index>…</index><source>…</source><sourcetype>…</sourcetype><host>…</host>
    <data>…</data></event>` per event (Splunk's modular-input stream, without `<stream>`)."""

    def __init__(self, text: EventText):
        self.text = text

    def __call__(self, batch: EventBatch) -> Payload:
        n = len(batch)
        texts = self.text(batch)
        if n and not any(k in batch.columns for k in XML_META):
            spliced = _spliced(batch, texts, splice.xml_escaped, splice.epoch_stamps)
            if spliced is not None:
                body, stamps = spliced
                meta = "".join(f"<{k}>{escape(batch.meta.get(k, ''))}</{k}>" for k in XML_META)
                middle = f"</time>{meta}<data>".encode()
                return _payload(batch, *splice.splice(body, n, b"<event><time>", stamps, middle, b"</data></event>\n"))
        template, columns = "<event><time>%s</time>", [epoch_texts(batch)]
        for key in XML_META:
            if key in batch.columns:
                template += f"<{key}>%s</{key}>"
                columns.append(xml_escape_all(batch.columns[key]))
            else:
                template += f"<{key}>{escape(batch.meta.get(key, ''))}</{key}>".replace("%", "%%")
        template += "<data>%s</data></event>"
        columns.append(xml_escape_all(texts))
        parts = _fill(template, *columns) if n else []
        return Payload.of_texts(batch, parts, "\n")
