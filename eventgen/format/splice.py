"""Whole-batch envelopes without a Python step per event.

Most batches share their metadata, so each event's envelope is `head + stamp + middle + text + tail`
where only the fixed-width stamp and the text vary. The texts are joined, encoded and escaped once
(a few C-speed passes over the bytes); the newline between two texts is replaced, in one pass, by
`tail + head + <blank stamp> + middle`; then numpy writes every stamp into its slot. Batches this does
not fit (texts holding a newline or control characters, per-event metadata) take the general path.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np

from eventgen.core.timeutil import micros


def joined(texts: list[str]) -> bytearray | None:
    """`\\n` + each text + `\\n` as UTF-8 (a newline before, between and after the texts), or None when a
    text holds a newline or a control character other than tab and carriage return."""
    data = bytearray("\n".join(["", *texts, ""]), "utf-8")
    if b"\x7f" in data:
        return None
    octets = np.frombuffer(data, dtype=np.uint8)
    controls = int(np.count_nonzero(octets < 32))
    if controls == len(texts) + 1:  # the separators only: one pass over the bytes decides
        return data
    newlines = int(np.count_nonzero(octets == 10))
    if newlines != len(texts) + 1 or controls != newlines + int(np.count_nonzero((octets == 9) | (octets == 13))):
        return None
    return data


def json_escaped(data: bytearray) -> bytearray | None:
    """`data` (newline-separated texts) with each text escaped as the inside of a JSON string, or None
    when it is not ASCII (the general path writes \\u escapes, and both paths write the same bytes)."""
    if not data.isascii():
        return None
    for raw, escaped in ((b"\\", b"\\\\"), (b'"', b'\\"'), (b"\t", b"\\t"), (b"\r", b"\\r")):
        if raw in data:
            data = data.replace(raw, escaped)
    return data


def xml_escaped(data: bytearray) -> bytearray:
    for raw, escaped in ((b"&", b"&amp;"), (b"<", b"&lt;"), (b">", b"&gt;")):
        if raw in data:
            data = data.replace(raw, escaped)
    return data


def epoch_stamps(times: np.ndarray) -> np.ndarray | None:
    """`1700000000.123` per event (epoch seconds with milliseconds, by the one rounding rule)."""
    return per_second_stamps(times, "{}.000".format, -3, 3)


def iso_stamps(times: np.ndarray) -> np.ndarray | None:
    """`2023-11-14T22:13:20.123Z` per event."""
    return per_second_stamps(times, lambda s: datetime.fromtimestamp(s, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"), -4, 3)


def per_second_stamps(
    times: np.ndarray, make: Callable[[int], str], fraction_at: int = -1, digits: int = 0
) -> np.ndarray | None:
    """Fixed-width stamps made once per second of the batch's span by `make(second)` and gathered per
    event, as an (n, width) uint8 array; with `digits`, the event's fraction (by the one rounding rule) is
    written at `fraction_at`. None when the seconds' texts differ in width (a zone change, a tenth digit
    of epoch seconds): the general path then makes them."""
    us = micros(times)
    secs = us // 1_000_000
    if not len(secs):
        return None
    first, span = int(secs.min()), int(secs.max() - secs.min()) + 1
    if span <= len(secs):  # a batch spans few seconds: each second of the span once, no sort
        seconds: list[int] | range = range(first, first + span)
        index = secs - first
    else:  # seconds far apart: each distinct one once
        unique, inverse = np.unique(secs, return_inverse=True)
        seconds, index = unique.tolist(), inverse.reshape(-1)
    texts = [make(s) for s in seconds]
    width = len(texts[0])
    if any(len(t) != width for t in texts) or not all(t.isascii() for t in texts):
        return None
    table = np.frombuffer("".join(texts).encode(), dtype=np.uint8).reshape(len(texts), width)
    out = table[index]
    if digits:
        frac = (us - secs * 1_000_000) // 10 ** (6 - digits)
        for k in range(digits):
            out[:, fraction_at + k] = frac // 10 ** (digits - 1 - k) % 10 + 48
    return out


def splice(body: bytearray, count: int, head: bytes, stamps: np.ndarray, middle: bytes, tail: bytes):
    """`head + stamps[i] + middle + text_i + tail` for each of the `count` texts in `body` (framed by
    newlines, as `joined` makes it): (the bytes, a view into one buffer, and each record's start offset
    plus the end, int64).

    One replace turns every newline into `tail + head + <blank stamp> + middle`; the view leaves out the
    `tail` before the first record and the `head + stamp + middle` after the last, so nothing is copied
    again; then the stamps are written into their slots.
    """
    width = stamps.shape[1]
    opening = head + b"\0" * width + middle
    joint = tail + opening
    inner = body.replace(b"\n", joint)  # a bytearray: writable, allocated once
    seps = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == 10)  # count + 1 of them
    starts = seps + np.arange(count + 1, dtype=np.int64) * (len(joint) - 1)  # in the view's coordinates
    starts[count] = len(inner) - len(opening) - len(tail)
    grid = np.frombuffer(inner, dtype=np.uint8)
    grid[(starts[:count] + len(tail) + len(head))[:, None] + np.arange(width)] = stamps
    return memoryview(inner)[len(tail) : len(inner) - len(opening)], starts
