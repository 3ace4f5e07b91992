"""`replacementType = all` (pytest-splunk-addon): each event that holds such a token becomes one event per value.

The sample's events are expanded once, when the sample is compiled, so a batch renders the expanded events like
any others. As pytest-splunk-addon does, `all` tokens are applied before the other tokens, in token order (two of
them in one event give every combination); every match of the token in an event takes the same value; the values
are those of `integer[a:b]` (a up to b, b excluded, as that tool counts), `list[...]` and `file[...]` (every
line or cell). Any other replacement under `all` is drawn at random, as there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from eventgen.core.settings import SettingError
from eventgen.core.tokens import TokenSpec, replaceable
from eventgen.render.typed import file_values, parse_literal_list

__all__ = ["Expanded", "all_values", "expand_all", "expanded_size"]

ALL_LIMIT = 100_000  # expanded events per sample: beyond it, a typo (integer[0:10000000]) is refused


@dataclass(frozen=True)
class Expanded:
    """A sample's events after its `all` tokens: the texts, the original event each came from, and the tokens
    left to replace per batch."""

    texts: list[str]
    origin: list[int]
    tokens: list[TokenSpec]


def all_values(replacement: str, resolve: Callable[[str], Path]) -> list[str] | None:
    """Every value of an `all` replacement, or None when it has no list of values (drawn at random instead)."""
    text = replacement.strip()
    match = re.match(r"[Ii]nteger\[\s*(-?\d+)\s*:\s*(-?\d+)\s*\]$", text)
    if match:
        low, high = int(match.group(1)), int(match.group(2))
        if high - low > ALL_LIMIT:
            raise SettingError(f"{text}: over {ALL_LIMIT} values; replacementType = all makes an event for each")
        return [str(i) for i in range(low, high)]
    if re.match(r"[Ll]ist\[", text):
        return parse_literal_list(text[4:], "list[...]")
    if text.startswith("file[") and text.endswith("]"):
        return file_values(text[5:-1], resolve)[1]
    return None


def expand_all(texts: list[str], tokens: list[TokenSpec], resolve: Callable[[str], Path]) -> Expanded:
    """`texts` with each `all` token's events multiplied by its values; `all` tokens without values become
    `random` ones."""
    origin = list(range(len(texts)))
    rest: list[TokenSpec] = []
    for spec in tokens:
        values = all_values(spec.replacement, resolve) if spec.rtype == "all" else None
        if values is None:
            rest.append(replace(spec, rtype="random") if spec.rtype == "all" else spec)
            continue
        expanded: list[str] = []
        sources: list[int] = []
        for text, source in zip(texts, origin, strict=True):
            spans = _spans(text, spec.pattern)
            variants = [_fill(text, spans, value) for value in values] if spans else [text]
            expanded += variants
            sources += [source] * len(variants)
            if len(expanded) > ALL_LIMIT:
                raise SettingError(f"replacementType = all makes over {ALL_LIMIT} events of this sample")
        texts, origin = expanded, sources
    return Expanded(texts, origin, rest)


def expanded_size(sample: Any) -> int:
    """How many events a sample has once its `all` tokens are expanded (a conf.Sample)."""
    texts = sample.data.texts
    if not any(spec.rtype == "all" for spec in sample.tokens):
        return len(texts)
    return len(expand_all(texts, sample.tokens, sample.resolve).texts)


def _spans(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    grouped = pattern.groups > 0
    spans = [match.span(1) if grouped else match.span() for match in pattern.finditer(text)]
    return [(start, end) for start, end in spans if replaceable(start, end, grouped)]


def _fill(text: str, spans: list[tuple[int, int]], value: str) -> str:
    pieces, pos = [], 0
    for start, end in spans:
        pieces += [text[pos:start], value]
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)
