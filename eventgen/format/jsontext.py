"""The `json` formatter's text, fast: each event checked and laid out by msgspec, without parsing it into objects.

`outputFormat = eventjson` (Eventum's `json` formatter) and `jsonbatch` read each event as JSON and write it again,
compactly or indented. Parsing a 1.5 KB template event into Python objects and writing them back costs 7-11 µs
even with orjson, a quarter of the event's whole cost. msgspec's `json.format` checks the text is JSON and lays it
out in one pass over it, with no object made: 2.5-4 µs. It lays the tokens out exactly as the json module does
(`,` and `:` when compact; `indent` as `json.dumps` indents), but keeps each token as it was written, where the
json module writes its own form:
- an escape other than the json module's own (it escapes `"`, `\\` and control characters, as `\\n` or
  `\\u001f`, and writes every other character as is): `\\u00e9`, `\\u0027`, `\\/`, `\\u001F`;
- a number not in Python's form: `1E5` (`100000.0`), `0.10` (`0.1`), `1e-5` (`1e-05`), `1e400` (`Infinity`),
  `-0` (`0`).
Those are found 256 events at a time (numpy over the chunk's bytes for numbers outside strings, a search for
`\\u` and `\\/`) and rewritten in place the json module's way. An event the json module reads otherwise takes
its path: text msgspec refuses and the json module takes (`NaN`, `Infinity`, control characters in strings), an
integer of more digits than Python reads (refused), a lone surrogate. Either way the result is the json module's,
byte for byte, with one choice of ours: an object's keys are written as they come, so a key written twice stays
twice on every path (the json module alone would keep its first place and its last value; RFC 8259 leaves the
meaning of such an object to whoever reads it, and a receiver that refuses it then shows the template's mistake
instead of hiding it).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

import msgspec
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

CHUNK = 256  # events laid out and checked together
_FAILS = (ValueError, TypeError, RecursionError)  # msgspec.DecodeError and UnicodeEncodeError are ValueErrors
_SEPARATOR = "\x00"  # between the events of a chunk: never in msgspec's output (control characters are escaped)
_QUOTE, _BACKSLASH, _MINUS, _ZERO, _NINE, _DOT, _E, _BIG_E = b'"\\-09.eE'
_NUMBER = frozenset(b"0123456789+-.eE")
_ODD_ESCAPE = re.compile(rb"\\(?:/|u(?!00(?:0[0-7bef]|1[0-9a-f])))")  # `\/`, or `\u` other than a control char's
_DIGITS = sys.get_int_max_str_digits()  # the longest integer Python reads from text (0: no limit)
_LONG = re.compile(r"[0-9]{%d}" % (_DIGITS + 1)) if _DIGITS else None


class Pairs(dict[str, Any]):
    """A JSON object with its keys as written: the json module writes `items()`, so a key read twice stays twice."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: list[tuple[str, Any]]):
        super().__init__(pairs)  # never empty when `pairs` is not: the encoder writes an empty dict as `{}`
        self.pairs = pairs

    def items(self) -> list[tuple[str, Any]]:  # type: ignore[override]  # the pairs, repeats included
        return self.pairs


def json_module(indent: int | None) -> Callable[[str], str]:
    """The json module's reading and writing of one event (`strict=False`, non-ASCII as is, keys as written)."""
    loads = json.JSONDecoder(strict=False, object_pairs_hook=Pairs).decode
    if indent:
        encode = json.JSONEncoder(ensure_ascii=False, indent=indent).encode
    else:
        encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def one(text: str) -> str:
        try:
            return encode(loads(text))
        except ValueError as exc:
            raise ValueError(f"an event is not JSON ({exc})") from None

    return one


def laid_out(texts: list[str], slow: Callable[[str], str], indent: int | None = None) -> list[str]:
    """Each text as `slow` (`json_module(indent)`) writes it; `slow` is called for the texts msgspec cannot stand
    in for, and raises for a text that is not JSON."""
    lay = partial(msgspec.json.format, indent=indent or -1)
    done: list[str] = []
    for start in range(0, len(texts), CHUNK):
        done += _chunk(texts[start : start + CHUNK], lay, slow)
    return done


def _chunk(texts: list[str], lay: Callable[[str], str], slow: Callable[[str], str]) -> list[str]:
    try:
        outs = list(map(lay, texts))
    except _FAILS:
        outs = [_one(text, lay, slow) for text in texts]
    for i in settle(outs):
        outs[i] = slow(texts[i])
    return outs


def _one(text: str, lay: Callable[[str], str], slow: Callable[[str], str]) -> str:
    try:
        return lay(text)
    except _FAILS:
        return slow(text)


def settle(outs: list[str]) -> list[int]:
    """Rewrites in place, the json module's way, the numbers and escapes of `outs` (valid JSON texts as msgspec
    lays them out) it writes otherwise; returns the texts left to the json module itself (an integer longer than
    Python reads, a lone surrogate)."""
    left: set[int] = set()
    if _LONG is not None and max(map(len, outs), default=0) > _DIGITS:
        left.update(i for i, text in enumerate(outs) if len(text) > _DIGITS and _LONG.search(text))
    data = _SEPARATOR.join(outs).encode(errors="surrogatepass")  # a lone surrogate the json module wrote
    codes = np.frombuffer(data, np.uint8)
    numbers = odd_numbers(data, codes)
    escapes = odd_escapes(data, codes) if b"\\" in data else numbers[:0]
    if not len(numbers) and not len(escapes):
        return sorted(left)
    ends = np.flatnonzero(codes == 0)
    starts = np.concatenate(([0], ends + 1))
    events = np.searchsorted(ends, numbers)
    for i in np.unique(events).tolist():
        start = int(starts[i])
        text = bytearray(data[start : start + len(outs[i].encode(errors="surrogatepass"))])
        for at in numbers[events == i][::-1].tolist():  # from the end: earlier positions stay right
            token = _token(data, at)
            text[at - start : at - start + len(token)] = _python_number(token)
        outs[i] = text.decode(errors="surrogatepass")
    for i in np.unique(np.searchsorted(ends, escapes)).tolist():
        fixed = json_escapes(outs[i])
        if fixed is None:
            left.add(i)
        else:
            outs[i] = fixed
    return sorted(left)


def _start(data: bytes, at: int) -> int:
    """Where the number holding the byte at `at` starts."""
    while at > 0 and data[at - 1] in _NUMBER:
        at -= 1
    return at


def _token(data: bytes, at: int) -> bytes:
    """The number starting at `at`."""
    end = at
    while end < len(data) and data[end] in _NUMBER:
        end += 1
    return data[at:end]


def _python_number(token: bytes) -> bytes:
    """`token` as the json module writes what it reads: an integer as Python writes it (`-0` is `0`), a number
    with a fraction or an exponent as its float's repr (`Infinity` beyond the largest)."""
    if not any(c in token for c in b".eE"):
        return str(int(token)).encode()
    value = float(token)
    if value in (_INF, -_INF):
        return b"Infinity" if value > 0 else b"-Infinity"
    return repr(value).encode()


_INF = float("inf")


def _escaped(codes: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Which of the bytes at `at` follow an odd run of backslashes (they are escaped)."""
    run = np.zeros(len(at), np.int64)
    going = np.ones(len(at), bool)
    while going.any():
        back = at - run - 1
        going &= (back >= 0) & (codes[np.maximum(back, 0)] == _BACKSLASH)
        run += going
    return run % 2 == 1


def odd_escapes(data: bytes, codes: np.ndarray) -> np.ndarray:
    """Where an escape the json module writes otherwise starts: `\\/`, or `\\u` for a character other than one of
    the control characters it writes that way (a backslash that is itself escaped starts none)."""
    starts = np.fromiter((m.start() for m in _ODD_ESCAPE.finditer(data)), np.int64)
    return starts[~_escaped(codes, starts)] if len(starts) else starts


def _quotes(data: bytes, codes: np.ndarray) -> np.ndarray:
    """The positions of the quotes that open or close a string (not the escaped ones)."""
    marks = codes == _QUOTE
    if b"\\" in data:
        after = np.flatnonzero(marks[1:] & (codes[:-1] == _BACKSLASH)) + 1  # a quote after a backslash
        marks[after[_escaped(codes, after)]] = False
    return np.flatnonzero(marks)


def odd_numbers(data: bytes, codes: np.ndarray) -> np.ndarray:
    """Where each number outside strings starts that Python writes otherwise: `-0`, or a number with a fraction or
    an exponent that is not its float's repr (`1E5`, `0.10`, `1e-5`, `1e400`). The candidates (a `.`, `e` or `E`
    after a digit; a `-0` alone) are found with numpy over the chunk, kept when an even number of quotes comes
    before them (outside strings), and read as numbers in a window each side."""
    size = len(codes)
    if size < 2:
        return np.zeros(0, np.int64)
    digit = (codes >= _ZERO) & (codes <= _NINE)
    marks = (codes[1:] == _DOT) | (codes[1:] == _E) | (codes[1:] == _BIG_E)
    marks &= digit[:-1]  # a `.`, `e` or `E` after a digit (`true` and `false` have none before their `e`)
    found = np.flatnonzero(marks) + 1
    alone = ~digit[2:] & (codes[2:] != _DOT) & (codes[2:] != _E) & (codes[2:] != _BIG_E)  # nothing of a number
    zeros = np.flatnonzero((codes[:-2] == _MINUS) & (codes[1:-1] == _ZERO) & alone)
    if codes[-2] == _MINUS and codes[-1] == _ZERO:
        zeros = np.append(zeros, size - 2)
    if not len(found) and not len(zeros):
        return zeros
    quotes = _quotes(data, codes)
    zeros = zeros[np.searchsorted(quotes, zeros) % 2 == 0]  # `-0`, which the json module writes `0`
    found = found[np.searchsorted(quotes, found) % 2 == 0]
    if not len(found):
        return zeros
    windows = sliding_window_view(np.concatenate((_GAP, codes, _GAP)), _WIDTH)  # [i]: the bytes before i - WIDTH
    before = _IN_NUMBER[windows[found]][:, ::-1]  # [k, j]: whether the byte at found[k]-1-j is a number's
    after = _IN_NUMBER[windows[found + _WIDTH]]  # [k, j]: the byte at found[k]+j
    starts = found - np.argmin(before, axis=1)
    ends = found + np.argmin(after, axis=1)
    long = before.all(axis=1) | after.all(axis=1)
    if long.any():  # a number longer than the window: read byte by byte
        starts[long] = [_start(data, at) for at in found[long].tolist()]
        ends[long] = [at + len(_token(data, at)) for at in starts[long].tolist()]
    tokens = map(data.__getitem__, map(slice, starts.tolist(), ends.tolist()))
    plain = np.fromiter(map(_plain_float, tokens), bool, len(found))
    return np.array(sorted({*zeros.tolist(), *starts[~plain].tolist()}), np.int64)  # once each (`1.5e9`: twice)


_WIDTH = 24
_GAP = np.zeros(_WIDTH, np.uint8)
_IN_NUMBER = np.zeros(256, bool)
_IN_NUMBER[list(_NUMBER)] = True
_PLAIN: dict[bytes, bool] = {}


def _plain_float(token: bytes) -> bool:
    """Whether `token` (a JSON number with a fraction or an exponent) is what Python writes for its float."""
    known = _PLAIN.get(token)
    if known is None:
        if len(_PLAIN) > 65536:
            _PLAIN.clear()
        known = _PLAIN[token] = repr(float(token)).encode() == token
    return known


def json_escapes(text: str) -> str | None:
    """`text` with each escape the json module writes otherwise written its way (`\\u0026` as `&`, `\\u0022` as
    `\\"`, `\\ud83d\\ude00` as the character), or None when one is a lone surrogate (left to the json module)."""
    lone = False

    def fix(found: re.Match[str]) -> str:
        nonlocal lone
        escape = found.group()
        at = found.start()
        if (at - len(text[:at].rstrip("\\"))) % 2:
            return escape  # the backslash before is escaped: this one is text
        written = _WRITTEN.get(escape)
        if written is None:
            char = json.loads(f'"{escape}"')
            written = "" if len(char) == 1 and 0xD800 <= ord(char) <= 0xDFFF else _encode_string(char)[1:-1]
            if len(_WRITTEN) < 4096:
                _WRITTEN[escape] = written
        lone = lone or not written
        return written or escape

    fixed = _ESCAPE_TEXT.sub(fix, text)
    return None if lone else fixed


_WRITTEN: dict[str, str] = {}  # an escape → what the json module writes for its character ("" for a lone surrogate)
_ESCAPE_TEXT = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\/")
_encode_string = json.encoder.py_encode_basestring  # the json module's strings when ensure_ascii is off
