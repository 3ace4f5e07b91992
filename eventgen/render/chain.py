"""Tokens applied in order, each to the text the earlier ones produced (Splunk Eventgen's chained replacement).

Splunk Eventgen runs a sample's tokens one after another on each event: token 0's replacement may hold text that
token 1 matches (`##a##` → `x-##b##`, then `##b##` → `42` gives `x-42`). Doing that per event is a regex pass per
token per event, so the chain is compiled once per sample text instead:

- a `static` token's replacement is the same for every event, so it is written into the text at compile time and
  the later tokens see it, exactly as they would at run time;
- a token with drawn values leaves a slot (a sentinel character no regex of a later token may take): its values
  are filled per batch by the render plan.

A later token that could match inside or across a drawn value is what compile time cannot settle. `needs_chain`
decides it per text from the values a token can take (every value of a list or file token) and a few drawn
probes: only the texts where the compiled template and the event-by-event chain can differ are rendered the slow
way (`apply_chain`, per event); every other text keeps its template.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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


def as_template(view: str, slots: list[int], slot_of: dict[int, int]) -> tuple[str, tuple[int, ...]]:
    """A compiled text as a `%`-template (literal `%` escaped) and the value column of each `%s`."""
    return view.replace("%", "%%").replace(SLOT, "%s"), tuple(slot_of[k] for k in slots)


def needs_chain(
    text: str,
    view: str,
    slots: list[int],
    tokens: Sequence[TokenSpec],
    choices: dict[int, list[str]],
    probes: list[list[str]],
) -> bool:
    """Whether the template compiled from `text` can render an event differently from the event-by-event chain:
    a later token matches one of the values an earlier drawn token can take (every value of a list or file
    token), or, with probe values (one row per probe, a value per token) filled in, the chain's event differs."""
    if not slots:
        return False
    first = min(slots)
    later = tokens[first + 1 :]
    if not later:
        return False
    for k in set(slots):
        for value in choices.get(k, ()):
            if any(spans(value, spec) for spec in tokens[k + 1 :]):
                return True
    template = view.replace("%", "%%").replace(SLOT, "%s")
    return any(template % tuple(row[k] for k in slots) != apply_chain(text, tokens, row) for row in probes)
