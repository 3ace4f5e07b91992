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
from functools import cache, partial
from typing import Any

import msgspec
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

CHUNK = 256  # events laid out and checked together
_FAILS = (ValueError, TypeError, RecursionError)  # msgspec.DecodeError and UnicodeEncodeError are ValueErrors
_SEPARATOR = "\x00"  # between the events of a chunk: never in msgspec's output (control characters are escaped)
_QUOTE, _BACKSLASH, _MINUS, _ZERO, _NINE, _DOT, _E, _BIG_E = b'"\\-09.eE'
_NUMBER = frozenset(b"0123456789+-.eE")
_INTEGER_BYTES = frozenset(b"0123456789-")
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


@cache
def json_module(indent: int | None) -> Callable[[str], str]:
    """The json module's reading and writing of one event (`strict=False`, non-ASCII as is, keys as written),
    compact when `indent` is None or 0; made once per indent."""
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


def laid_out(texts: list[str], indent: int | None = None) -> list[str]:
    """Each text as `json_module(indent)` writes it, which is called for the texts msgspec cannot stand in for
    (and raises for a text that is not JSON)."""
    lay, slow = partial(msgspec.json.format, indent=indent or -1), json_module(indent or None)
    done: list[str] = []
    for start in range(0, len(texts), CHUNK):
        done += _chunk(texts[start : start + CHUNK], lay, slow, bool(indent))
    return done


def _chunk(texts: list[str], lay: Callable[[str], str], slow: Callable[[str], str], indented: bool) -> list[str]:
    try:
        outs = list(map(lay, texts))
    except _FAILS:
        outs = [_one(text, lay, slow) for text in texts]
    for i in settle(outs, indented):
        outs[i] = slow(texts[i])
    return outs


def _one(text: str, lay: Callable[[str], str], slow: Callable[[str], str]) -> str:
    try:
        return lay(text)
    except _FAILS:
        return slow(text)


def settle(outs: list[str], indented: bool = False) -> list[int]:
    """Rewrites in place, the json module's way, the numbers and escapes of `outs` (valid JSON texts as msgspec
    lays them out) it writes otherwise; returns the texts left to the json module itself (an integer longer than
    Python reads, a lone surrogate)."""
    left: set[int] = set()
    if _LONG is not None and max(map(len, outs), default=0) > _DIGITS:
        left.update(i for i, text in enumerate(outs) if len(text) > _DIGITS and _LONG.search(text))
    data = _SEPARATOR.join(outs).encode(errors="surrogatepass")  # a lone surrogate the json module wrote
    codes = np.frombuffer(data, np.uint8)
    numbers = odd_numbers(data, codes, indented)
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
            token = _number_at(data, at)
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
    """Where the digits (and `-`) up to the byte at `at` start."""
    while at > 0 and data[at - 1] in _INTEGER_BYTES:
        at -= 1
    return at


def _number_at(data: bytes, at: int) -> bytes:
    """The bytes of a number from `at` on (b"" when none starts there)."""
    found = _TOKEN.match(data, at)
    return found.group() if found else b""


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


def in_string(data: bytes, at: int) -> bool:
    """Whether the byte at `at` is inside a string: an odd number of quotes before it in its event once the event's
    escapes are blanked (outside strings valid JSON has no backslash, so escapes pair up from the event's start)."""
    before = data[data.rfind(b"\0", 0, at) + 1 : at]
    if b"\\" in before:
        before = _ESCAPE.sub(b"__", before)
    return before.count(b'"') % 2 == 1


def odd_numbers(data: bytes, codes: np.ndarray, indented: bool = False) -> np.ndarray:
    """Where each number outside strings starts that Python writes otherwise: `-0`, or a number with a fraction or
    an exponent that is not its float's repr (`1E5`, `0.10`, `1e-5`, `1e400`). Candidates are found with numpy
    over the chunk: a `.`, `e` or `E` after a digit, and a `-0` alone. Most of them are in strings and are told
    apart by the byte before their digits, which comes before no number (`10.1.2.3`, `v8.11.0`, `3e5f`; a number
    with both a fraction and an exponent is read from its `.`); the rest are read as numbers, and those Python
    writes otherwise are looked at in their event (in a string or not)."""
    lead = _INDENTED if indented else _COMPACT
    size = len(codes)
    digit = (codes - _ZERO) <= 9  # uint8 wraps below '0'
    marks = (codes[1:] == _DOT) | ((codes[1:] | 0x20) == _E)  # `.`, `e` or `E`...
    marks &= digit[:-1]  # ...after a digit (`true` and `false` have none before their `e`)
    found = np.flatnonzero(marks) + 1
    zeros = np.flatnonzero((codes[:-1] == _MINUS) & (codes[1:] == _ZERO))
    if len(zeros):
        nxt = codes[np.minimum(zeros + 2, size - 1)]
        alone = (zeros + 2 >= size) | ~(((nxt - _ZERO) <= 9) | (nxt == _DOT) | ((nxt | 0x20) == _E))
        zeros = zeros[alone & ((zeros == 0) | lead[codes[np.maximum(zeros - 1, 0)]])]
    odd = [at for at in zeros.tolist() if not in_string(data, at)]  # `-0`, which the json module writes `0`
    found = found[(found >= _WIDTH) & (found <= size - _WIDTH)]  # the few at the very ends: read byte by byte below
    edges = [at for at in {*range(1, min(_WIDTH, size)), *range(max(size - _WIDTH + 1, 1), size)} if marks[at - 1]]
    if len(found) or edges:
        windows = sliding_window_view(codes, min(_WIDTH, size))
        back = _INTEGER[windows[found - _WIDTH]][:, ::-1]  # [k, j]: whether the byte at found[k]-1-j is a digit or `-`
        run = np.argmin(back, axis=1)
        long = back.all(axis=1)
        kept = long | lead[codes[found - run - 1]]  # after what may come before a number: read on
        found, run, long = found[kept], run[kept], long[kept]
        ahead = _IN_NUMBER[windows[found]]  # [k, j]: whether the byte at found[k]+j is a number's
        step = np.argmin(ahead, axis=1)
        whole = ahead.all(axis=1)
        kept = whole | _AFTER[codes[found + step]]  # before what may follow a number: read it
        whole = (whole | long)[kept]  # longer than a window: read byte by byte
        starts, ends = (found - run)[kept], (found + step)[kept]
        tokens = list(map(data.__getitem__, map(slice, starts[~whole].tolist(), ends[~whole].tolist())))
        plain = map(_plain_float, tokens)  # (a `.` after a digit starts no number: `1.5e9` is read from its `.`)
        odd += [at for at, ok in zip(starts[~whole].tolist(), plain, strict=True) if not ok and not in_string(data, at)]
        read: set[int] = set()
        for at in (*starts[whole].tolist(), *edges):
            start = _start(data, at)
            if start in read or (start and not lead[data[start - 1]]):
                continue  # found twice (`1.5e9`), or after what comes before no number
            read.add(start)
            token = _number_at(data, start)
            if token and not _plain_float(token) and not in_string(data, start):
                odd.append(start)
    return np.array(sorted(odd), np.int64)


_WIDTH = 8  # bytes looked at before each candidate (more: read byte by byte)
_INTEGER = np.zeros(256, bool)  # the bytes of a number before its fraction or exponent
_INTEGER[list(b"-0123456789")] = True
_COMPACT = np.zeros(256, bool)  # what comes before a number outside strings (0: a separator, or the start)
_COMPACT[list(b":,[\x00")] = True
_INDENTED = _COMPACT.copy()  # and, indented, a space or a newline
_INDENTED[list(b" \n")] = True
_IN_NUMBER = np.zeros(256, bool)
_IN_NUMBER[list(_NUMBER)] = True
_AFTER = np.zeros(256, bool)  # what follows a number outside strings, compact or indented
_AFTER[list(b",}]\n\x00")] = True
_TOKEN = re.compile(rb"[-+.0-9eE]+")
_ESCAPE = re.compile(rb"\\.", re.S)  # one escape: two bytes
_PLAIN: dict[bytes, bool] = {}


def _plain_float(token: bytes) -> bool:
    """Whether `token` (with a fraction or an exponent) is what Python writes for its float, or no number at all."""
    known = _PLAIN.get(token)
    if known is None:
        if len(_PLAIN) > 65536:
            _PLAIN.clear()
        try:
            known = repr(float(token)).encode() == token
        except ValueError:  # not a number: in a string (every number outside one is read by float)
            known = True
        _PLAIN[token] = known
    return known


def json_escapes(text: str) -> str | None:
    """`text` with each escape the json module writes otherwise written its way (`\\u0026` as `&`, `\\u0022` as
    `\\"`, `\\ud83d\\ude00` as the character), or None when one is a lone surrogate (left to the json module)."""
    lone = False

    def fix(found: re.Match[str]) -> str:
        nonlocal lone
        escape = found.group()
        at = run = found.start()
        while run and text[run - 1] == "\\":
            run -= 1
        if (at - run) % 2:
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
