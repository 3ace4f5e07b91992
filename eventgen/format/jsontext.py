"""Compact JSON of events that are JSON text, fast: orjson where it writes exactly what the json module writes.

`outputFormat = eventjson` (Eventum's `json` formatter) parses each event and writes it back compactly. The json
module does that in about 25 µs per 1.5 KB event, a quarter of a template event's whole cost; orjson parses and
writes it in a third of that. Both keep key order (a repeated key keeps its first place and its last value), both
write non-ASCII as is and escape the same characters (`"`, `\\`, and control characters as `\\n`, `\\u001f`, ...),
and both read numbers to the same value. They differ only where orjson cannot stand in:
- text orjson refuses and the json module takes (`NaN`, `Infinity`, raw control characters in strings, lone
  surrogates, numbers beyond a double) and values orjson cannot write (nesting over 254 levels);
- floats the json module writes with an exponent or orjson writes in a form of its own (`1e+16` / `1e16`,
  `1e-05` / `0.00001`), and integers beyond 64 bits, which orjson reads as floats.
Those events take the json module's path. Which ones they are is checked once per chunk of a batch on orjson's
output with numpy (an exponent, or `0.0000`, outside strings means a number that might be written differently),
then per event only in a chunk where the check fired. The result is byte for byte the json module's.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import orjson

_loads = orjson.loads
_dumps = orjson.dumps
_E, _ZERO, _NINE, _QUOTE, _MINUS, _DOT = b'e09"-.'
_ENDS = np.frombuffer(b",}]\n", np.uint8)  # what follows a number in compact JSON
_TAIL = 5  # bytes looked at after an `e`: `-`, up to three digits, an end
CHUNK = 256  # events parsed, written and checked together
_FEW = 64  # candidates checked one by one; more: counted for the whole batch
_ESCAPE = re.compile(rb"\\.")
_FAILS = (ValueError, TypeError)  # orjson.JSONDecodeError is a ValueError, orjson.JSONEncodeError a TypeError


def plain_numbers(data: bytes) -> bool:
    """Whether every number in orjson's compact `data` (one JSON text or several, joined by newlines) is written
    as the json module would: no exponent and no `0.0000` outside strings. numpy finds the candidates over the
    whole batch: an `e` after a digit followed by what orjson writes after one (`-`, one to three digits, then
    `,`, `}`, `]` or a newline), and a `.` between `0` and `0000` (hex ids and times in strings rarely look like
    that); the quotes before each candidate on its line then tell whether it is in a string."""
    codes = np.frombuffer(data, np.uint8)
    suspects = _candidates(codes)
    if len(suspects) > _FEW:
        return _outside_strings(data, suspects)
    for at in suspects:
        line = data.rfind(b"\n", 0, at) + 1
        if _ESCAPE.sub(b"", data[line:at]).count(b'"') % 2 == 0:  # escapes dropped: each `"` opens or closes one
            return False
    return True


def _candidates(codes: np.ndarray) -> list[int]:
    """Where a number orjson may write differently could start its exponent (`e`) or its `0.0000` (the `0`)."""
    found = np.flatnonzero(codes == _E)
    found = found[(found > 0) & (found < len(codes) - _TAIL)]
    before = codes[found - 1]
    found = found[(before >= _ZERO) & (before <= _NINE)]  # an `e` after a digit
    after = codes[found[:, None] + np.arange(1, _TAIL + 1)]  # the bytes after each (rows)
    digit = (after >= _ZERO) & (after <= _NINE)
    ends = np.isin(after, _ENDS)
    plain = digit[:, 0] & (ends[:, 1] | (digit[:, 1] & (ends[:, 2] | (digit[:, 2] & ends[:, 3]))))
    minus = (
        (after[:, 0] == _MINUS) & digit[:, 1] & (ends[:, 2] | (digit[:, 2] & (ends[:, 3] | (digit[:, 3] & ends[:, 4]))))
    )
    exponents = found[plain | minus]
    dots = np.flatnonzero(codes == _DOT)
    dots = dots[(dots > 0) & (dots < len(codes) - 4)]
    dots = dots[(codes[dots - 1] == _ZERO) & (codes[dots + 1] == _ZERO)]  # `0.0` first: few are left to look at
    tiny = dots[np.all(codes[dots[:, None] + np.arange(2, 5)] == _ZERO, axis=1)] - 1
    near_end = [i for i in range(max(0, len(codes) - _TAIL), len(codes)) if codes[i] == _E]  # too near to look after
    return sorted({*exponents.tolist(), *tiny.tolist(), *near_end})


def _outside_strings(data: bytes, suspects: list[int]) -> bool:
    """Many candidates: the quotes before each counted for the whole batch at once (escapes dropped first)."""
    if b"\\" in data:
        kept = np.frombuffer(data, np.uint8) != 0
        for found in _ESCAPE.finditer(data):
            kept[found.start() : found.end()] = False
        quotes = np.flatnonzero((np.frombuffer(data, np.uint8) == _QUOTE) & kept)
    else:
        quotes = np.flatnonzero(np.frombuffer(data, np.uint8) == _QUOTE)
    return not np.any(np.searchsorted(quotes, suspects) % 2 == 0)  # an even number of quotes before: outside


def _one(text: str, slow: Callable[[str], str]) -> str:
    try:
        data = _dumps(_loads(text))
    except _FAILS:
        return slow(text)
    return data.decode() if plain_numbers(data) else slow(text)


def compact(texts: list[str], slow: Callable[[str], str]) -> list[str]:
    """Each text's compact JSON, byte for byte what `slow` (the json module's path) makes, which it calls for the
    events orjson cannot stand in for (and which raises for an event that is not JSON). A long batch is done
    CHUNK events at a time: what orjson reads and writes for them stays in the CPU's cache (a batch of 1,000
    template events is megabytes of text, objects and bytes; in chunks the formatter costs a quarter to a third
    less per event)."""
    if len(texts) <= CHUNK:
        return _compact(texts, slow)
    done: list[str] = []
    for start in range(0, len(texts), CHUNK):
        done += _compact(texts[start : start + CHUNK], slow)
    return done


def _compact(texts: list[str], slow: Callable[[str], str]) -> list[str]:
    if not texts:
        return []
    try:
        outs = list(map(_dumps, map(_loads, texts)))
    except _FAILS:
        return [_one(text, slow) for text in texts]
    if plain_numbers(b"\n".join(outs)):  # compact JSON has no raw newline: the chunk checked at once
        return list(map(bytes.decode, outs))
    return [_one(text, slow) for text in texts]
