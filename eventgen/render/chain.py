"""Tokens applied in order, each to the text the earlier ones produced (Splunk Eventgen's chained replacement).

Splunk Eventgen runs a sample's tokens one after another on each event: token 0's replacement may hold text that
token 1 matches (`##a##` → `x-##b##`, then `##b##` → `42` gives `x-42`). Doing that per event is a regex pass per
token per event, so the chain is compiled once per sample text instead:

- a `static` token's replacement is the same for every event, so it is written into the text at compile time and
  the later tokens see it, exactly as they would at run time;
- a token with drawn values leaves a slot (a sentinel character no regex of a later token may take): its values
  are filled per batch by the render plan.

A later token that could match inside or across a drawn value is what compile time cannot settle; it is decided
per text from the values a token can take (every value of a list or file token: `chain_sources`) and a few
drawn probes (`probe_differs`). A text whose chain comes from list or file values is compiled once per
combination of them (`specialize`), and the render plan picks each event's template by its values; only texts
where neither settles it are rendered the slow way (`apply_chain`, per event). Every other text keeps its one
template.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import product
from math import prod

from eventgen.core.tokens import TokenSpec, replaceable

SLOT = "\uffff"  # a Unicode noncharacter: stands for a drawn value while later tokens are matched

Watch = Callable[[int], None]  # called with a token's index before its regex runs (a load-time time bound)


def spans(text: str, spec: TokenSpec) -> list[tuple[int, int]]:
    """The spans `spec` replaces in `text`, left to right: group 1 where the regex has groups, else the match."""
    grouped = spec.pattern.groups > 0
    found = []
    for match in spec.pattern.finditer(text):
        start, end = match.span(1) if grouped else match.span()
        if replaceable(start, end, grouped):
            found.append((start, end))
    return found


def apply_chain(text: str, tokens: Sequence[TokenSpec], values: Sequence[str]) -> str:
    """One event as Splunk Eventgen makes it: each token in order replaces its spans in the current text with its
    value for this event (one value per token per event)."""
    for spec, value in zip(tokens, values, strict=True):
        found = spans(text, spec)
        if not found:
            continue
        pieces = []
        pos = 0
        for start, end in found:
            pieces.append(text[pos:start])
            pieces.append(value)
            pos = end
        pieces.append(text[pos:])
        text = "".join(pieces)
    return text


def compile_text(
    text: str,
    tokens: Sequence[TokenSpec],
    statics: dict[int, str],
    watch: Watch | None = None,
    applied: set[int] | None = None,
) -> tuple[str, list[int]]:
    """`text` after every token in order: static tokens' replacements written in, drawn tokens' spans as SLOT
    characters; and the token index of each slot, in text order. A span that would take part of a slot is left
    alone (the earlier token's value stands, as when spans overlap). `applied` collects the tokens that replaced
    something."""
    view = text
    slots: list[int] = []
    for k, spec in enumerate(tokens):
        if watch is not None:
            watch(k)
        found = [(s, e) for s, e in spans(view, spec) if SLOT not in view[s:e]]
        if not found:
            continue
        if applied is not None:
            applied.add(k)
        static = statics.get(k)
        pieces: list[str] = []
        kept: list[int] = []
        pos = seen = 0
        for start, end in found:
            before = view[pos:start]
            count = before.count(SLOT)
            kept += slots[seen : seen + count]
            seen += count
            pieces.append(before)
            if static is None:
                pieces.append(SLOT)
                kept.append(k)
            else:
                pieces.append(static)
            pos = end
        pieces.append(view[pos:])
        view = "".join(pieces)
        slots = kept + slots[seen:]
    return view, slots


def compile_shadowed(
    text: str,
    tokens: Sequence[TokenSpec],
    statics: dict[int, str],
    watch: Watch | None = None,
    applied: set[int] | None = None,
) -> tuple[str, list[int]]:
    """As `compile_text`, but a later token matches a drawn value's slot as the sample's own text there (its
    shadow): the common published pattern, `"[A-Z]+ (\\S+) HTTP` after a token that draws the method, matches
    across the method and replaces only the path. Its spans still may not take part of a slot. Right only where
    the drawn values keep the later matches where they were: the caller checks that with probes."""
    parts: list[tuple[str, int | None]] = [(text, None)]  # (text, the drawing token) in order; None: literal
    for k, spec in enumerate(tokens):
        if watch is not None:
            watch(k)
        shadow = "".join(part for part, _ in parts)
        edges = []
        pos = 0
        for part, drawn in parts:
            edges.append((pos, pos + len(part), drawn))
            pos += len(part)
        found = [
            (start, end)
            for start, end in spans(shadow, spec)
            if not any(d is not None and ((a < end and start < b) or a < start < b) for a, b, d in edges)
        ]
        if not found:
            continue
        if applied is not None:
            applied.add(k)
        static = statics.get(k)
        out: list[tuple[str, int | None]] = []
        taken = 0
        for (a, b, drawn), (part, _) in zip(edges, parts, strict=True):
            if drawn is not None:
                out.append((part, drawn))
                continue
            pos = a
            while taken < len(found) and found[taken][0] < b:
                start, end = found[taken]
                out.append((shadow[pos:start], None))
                out.append((shadow[start:end], k) if static is None else (static, None))
                pos = end
                taken += 1
            out.append((shadow[pos:b], None))
        merged: list[tuple[str, int | None]] = []
        for part, drawn in out:
            if drawn is None and merged and merged[-1][1] is None:
                merged[-1] = (merged[-1][0] + part, None)
            elif part or drawn is not None:
                merged.append((part, drawn))
        parts = merged
    view = "".join(SLOT if drawn is not None else part for part, drawn in parts)
    return view, [drawn for _, drawn in parts if drawn is not None]


def as_template(view: str, slots: list[int], slot_of: dict[int, int]) -> tuple[str, tuple[int, ...]]:
    """A compiled text as a `%`-template (literal `%` escaped) and the value column of each `%s`."""
    return view.replace("%", "%%").replace(SLOT, "%s"), tuple(slot_of[k] for k in slots)


def chain_sources(tokens: Sequence[TokenSpec], choices: dict[int, list[str]]) -> frozenset[int]:
    """The list and file tokens one of whose values a later token matches (their slots chain)."""
    return frozenset(
        k for k, values in choices.items() if any(spans(value, spec) for value in values for spec in tokens[k + 1 :])
    )


def probe_differs(text: str, view: str, slots: list[int], tokens: Sequence[TokenSpec], probes: list[list[str]]) -> bool:
    """Whether, with probe values (one row per probe, a value per token) filled in, the template compiled from
    `text` renders other than the event-by-event chain (a later token matching inside or across a drawn value)."""
    if not slots or min(slots) == len(tokens) - 1:
        return False
    later = tokens[min(slots) + 1 :]
    template = view.replace("%", "%%").replace(SLOT, "%s")
    rendered = [template % tuple(row[k] for k in slots) for row in probes]
    # a later token that finds nothing in the rendered events did not take part of a drawn value in the chain either
    # (cheap: placeholders like `##key##` are gone once replaced); else run the chain to compare
    if not any(spec.pattern.search(event) for event in rendered for spec in later):
        return False
    return any(event != apply_chain(text, tokens, row) for event, row in zip(rendered, probes, strict=True))


SPECIAL_LIMIT = 64  # most templates one text is compiled into, one per combination of chaining values


def specialize(
    text: str,
    tokens: Sequence[TokenSpec],
    statics: dict[int, str],
    choices: dict[int, list[str]],
    probes: list[list[str]],
    triggers: list[int],
    sources: frozenset[int],
) -> dict[tuple[str, ...], tuple[str, list[int]]] | None:
    """`text` compiled once per combination of the values of `triggers` (tokens whose values a later token
    matches), each value written in as a static one: (their values) → (view, slots). None when there are more
    than SPECIAL_LIMIT combinations or a compiled text may still differ from the chain (rendered per event)."""
    options = [sorted(set(choices[k])) for k in triggers]
    if prod(len(values) for values in options) > SPECIAL_LIMIT:
        return None
    out = {}
    for combo in product(*options):
        fixed = dict(zip(triggers, combo, strict=True))
        view, slots = compile_text(text, tokens, {**statics, **fixed})
        rows = [[fixed.get(k, value) for k, value in enumerate(row)] for row in probes]
        if sources.intersection(slots) or probe_differs(text, view, slots, tokens, rows):
            return None
        out[combo] = (view, slots)
    return out
