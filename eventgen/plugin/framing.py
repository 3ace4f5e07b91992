"""Events framed with a chosen separator and encoded in a chosen encoding (Eventum's `separator` and `encoding`
of its stdout, file, tcp and udp outputs): `outputSeparator` and `outputEncoding`. Without either, outputs keep
their own framing (LineFrames: UTF-8 lines, the batch's text shared by every raw output)."""

from __future__ import annotations

from itertools import accumulate
from typing import ClassVar

import numpy as np

from eventgen.core.batch import EventBatch
from eventgen.format.payload import Payload
from eventgen.format.text import EventText

FRAMING_KEYS = ("outputSeparator", "outputEncoding")


class TextFrames:
    """Each event's text + `separator`, encoded once per batch in `encoding` (a per-batch text: once in all)."""

    def __init__(self, text: EventText, separator: str, encoding: str):
        self.text, self.separator, self.encoding = text, separator, encoding
        self.utf8 = encoding == "utf-8"

    def __call__(self, batch: EventBatch) -> Payload:
        if not len(batch):
            return Payload(batch.sample, batch.seq, b"", 0, batch, {}, 0, np.zeros(1, dtype=np.int64), [], 0)
        sep = self.separator
        texts = batch.events if self.text.raw else self.text(batch)
        if self.text.per_batch:  # one text for the whole batch
            data = (texts[0] + sep).encode(self.encoding)
            bounds = np.array([0] + [len(data)] * len(batch), dtype=np.int64)
            return Payload(batch.sample, batch.seq, data, len(batch), batch, {}, 0, bounds, None, 0)
        if self.utf8:
            return Payload.of_texts(batch, list(texts), sep) if sep else Payload.of_texts(batch, list(texts))
        data = (sep.join(texts) + sep).encode(self.encoding)  # one encode per batch
        frame = len(sep.encode(self.encoding)) if sep else 0
        texts = list(texts)
        if len(data) == sum(map(len, texts)) + frame * len(texts):  # a byte per character: bounds when asked
            return Payload(batch.sample, batch.seq, data, len(texts), batch, {}, 0, None, texts, frame)
        sizes = (len(t.encode(self.encoding)) + frame for t in texts)  # utf-16 and the like: counted now
        bounds = np.fromiter(accumulate(sizes, initial=0), dtype=np.int64, count=len(texts) + 1)
        return Payload(batch.sample, batch.seq, data, len(texts), batch, {}, 0, bounds, None, 0)


class Framed:
    """For an output whose events are separated text (stdout, file, tcpout, udpout): reads `outputSeparator` and
    `outputEncoding` and frames with them when either is set; `default_separator` otherwise."""

    core_settings: ClassVar[tuple[str, ...]] = FRAMING_KEYS
    default_separator: ClassVar[str] = "\n"

    def formatter(self):  # the output's own (LineFrames) unless outputSeparator or outputEncoding is set
        framing = self.framing()
        if framing is None:
            return super().formatter()
        return TextFrames(self.event_text(), *framing)

    def framing(self) -> tuple[str, str] | None:
        """(separator, encoding) when the config asks for other than the output's own framing, else None."""
        cfg = self.config  # type: ignore[attr-defined]  # a mixin: the output class it is mixed into has config
        separator, encoding = cfg.outputSeparator, cfg.outputEncoding
        if separator is None and encoding in (None, "utf-8"):
            return None
        return (self.default_separator if separator is None else separator), (encoding or "utf-8")
