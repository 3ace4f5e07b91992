"""Token replacement compiled into a render plan.

A sample's events are matched against its token regexes once; each event becomes a format
string whose slots name tokens. Per job, each token draws the values for the whole batch at once
(numpy where it pays) and events are assembled with one `str.format` call each. No regex runs
per event.
"""

from __future__ import annotations

import ast
import csv
import json
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from operator import itemgetter
from pathlib import Path

import numpy as np

from eventgen.core.settings import SettingError
from eventgen.core.timeutil import TimeFormatter
from eventgen.core.tokens import TOKEN_TYPES, TokenSpec, split_column
from eventgen.render.chain import (
    apply_chain,
    as_template,
    chain_sources,
    compile_shadowed,
    compile_text,
    probe_differs,
    specialize,
)


@dataclass
class RenderContext:
    """Everything a provider may draw on for one batch."""

    n: int
    rng: np.random.Generator
    times: np.ndarray
    offset: int
    rate_factors: Callable[[], np.ndarray]
    rows: dict[str, np.ndarray] = field(default_factory=dict)  # shared random rows per lookup file
    fields: dict[str, list[str]] = field(default_factory=dict)  # token values that are event fields (host)

    def shared_rows(self, key: str, nrows: int) -> np.ndarray:
        rows = self.rows.get(key)
        if rows is None:
            rows = self.rng.integers(0, nrows, self.n)
            self.rows[key] = rows
        return rows


Provider = Callable[[RenderContext], list[str]]


@dataclass(frozen=True)
class Choices:
    """A provider whose values come from a known list (a `list[...]` or a token file): the render plan reads the
    list to see whether a later token could match one of them (chained tokens)."""

    values: list[str]
    pick: Provider

    def __call__(self, ctx: RenderContext) -> list[str]:
        return self.pick(ctx)


_HEX_UPPER = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
_URL_SAFE = np.frombuffer((string.ascii_letters + string.digits + "-._~").encode(), dtype=np.uint8)
_BYTE_HEX = [f"{i:02x}" for i in range(256)]
_OCTET = [str(i) for i in range(256)]


def take(table: list[str], idx: np.ndarray) -> list[str]:
    if len(idx) == 0:
        return []
    if len(idx) == 1:
        return [table[int(idx[0])]]
    return list(itemgetter(*idx.tolist())(table))


def _chars(ctx: RenderContext, alphabet: np.ndarray, width: int) -> list[str]:
    codes = alphabet[ctx.rng.integers(0, len(alphabet), (ctx.n, width))]
    return np.ascontiguousarray(codes).view(f"S{width}").ravel().astype(f"U{width}").tolist()


_INT_TABLE_LIMIT = 1 << 17


def _ints(ctx: RenderContext, low: int, high: int, rated: bool, table: list[str] | None) -> list[str]:
    values = ctx.rng.integers(low, high + 1, ctx.n)
    if rated:
        values = np.rint(values * ctx.rate_factors()).astype(np.int64)
    elif table is not None:
        return take(table, values - low)
    return list(map(str, values.tolist()))


def _floats(ctx: RenderContext, low: float, high: float, precision: int, rated: bool) -> list[str]:
    values = ctx.rng.uniform(low, high, ctx.n)
    if rated:
        values = values * ctx.rate_factors()
    return list(map(f"%.{precision}f".__mod__, values.tolist()))


def _ipv4(ctx: RenderContext) -> list[str]:
    o = ctx.rng.integers(0, 256, (4, ctx.n))
    a, b, c, d = (take(_OCTET, row) for row in o)
    return list(map(".".join, zip(a, b, c, d, strict=True)))


def _ipv6(ctx: RenderContext) -> list[str]:
    groups = ctx.rng.integers(0, 65536, (ctx.n, 8)).tolist()
    return list(map("{:x}:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}".format, *zip(*groups, strict=True)))


def _mac(ctx: RenderContext) -> list[str]:
    cols = [take(_BYTE_HEX, row) for row in ctx.rng.integers(0, 256, (6, ctx.n))]
    return list(map(":".join, zip(*cols, strict=True)))


def _guid(ctx: RenderContext) -> list[str]:
    raw = ctx.rng.integers(0, 256, (ctx.n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    hexes = [bytes(row).hex() for row in raw]
    return [f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" for h in hexes]


_RANDOM_FORMS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"integer\[\s*(-?\d+)\s*:\s*(-?\d+)\s*\]$"), "integer"),
    (re.compile(r"float\[\s*(-?\d+(?:\.(\d*))?)\s*:\s*(-?\d+(?:\.\d*)?)\s*\]$"), "float"),
    (re.compile(r"hex\((\d+)\)$"), "hex"),
    (re.compile(r"string\((\d+)\)$"), "string"),
    (re.compile(r"list(\[.*\])$", re.S), "list"),
    (re.compile(r"(ipv4|ipv6|mac|guid)$"), "simple"),
]


def _uniform_choice(values: list[str]) -> Choices:
    return Choices(values, lambda ctx: take(values, ctx.rng.integers(0, len(values), ctx.n)))


def _random_provider(replacement: str, rated: bool) -> Provider:
    text = replacement.strip()
    for pattern, form in _RANDOM_FORMS:
        match = pattern.match(text)
        if not match:
            continue
        if form == "integer":
            low, high = int(match.group(1)), int(match.group(2))
            if low > high:
                raise SettingError(f"integer[{low}:{high}]: the lower bound is above the upper")
            table = [str(i) for i in range(low, high + 1)] if high - low < _INT_TABLE_LIMIT and not rated else None
            return lambda ctx: _ints(ctx, low, high, rated, table)
        if form == "float":
            low_f, high_f = float(match.group(1)), float(match.group(3))
            if low_f > high_f:
                raise SettingError(f"float[{low_f}:{high_f}]: the lower bound is above the upper")
            precision = len(match.group(2) or "")
            return lambda ctx: _floats(ctx, low_f, high_f, precision, rated)
        if form == "hex":
            width = int(match.group(1))
            return lambda ctx: _chars(ctx, _HEX_UPPER, width) if width else [""] * ctx.n
        if form == "string":
            width = int(match.group(1))
            return lambda ctx: _chars(ctx, _URL_SAFE, width) if width else [""] * ctx.n
        if form == "list":
            try:
                options = json.loads(match.group(1))
            except json.JSONDecodeError as exc:
                try:  # pytest-splunk-addon's confs also write Python lists: ['a','b']
                    options = ast.literal_eval(match.group(1))
                except (ValueError, SyntaxError):
                    raise SettingError(f"list[...] is not a JSON list ({exc.msg})") from None
            if not isinstance(options, list) or not options:
                raise SettingError("list[...] must be a non-empty JSON list")
            return _uniform_choice([str(o) for o in options])
        return {"ipv4": _ipv4, "ipv6": _ipv6, "mac": _mac, "guid": _guid}[match.group(1)]
    raise SettingError(
        f"unknown random replacement {replacement!r}; allowed: integer[a:b], float[a.b:c.d], ipv4, ipv6, "
        'mac, guid, hex(n), string(n), list["a","b"]; pytest-splunk-addon\'s src[...], dest[...], dvc[...], '
        "host[...], user[...], url[...], email, src_port, dest_port, file[path]"
    )


def _file_column(replacement: str, resolve: Callable[[str], Path]) -> tuple[str, list[str]]:
    """Read `path` or `path:column` (1-based; `:0` is refused) → (key shared by tokens on that file, values)."""
    text, column = split_column(replacement)
    if column == 0:
        raise SettingError(f"{replacement.strip()!r}: columns are numbered from 1 (path:1 is the first column)")
    path = resolve(text)
    data = path.read_bytes()
    try:
        decoded = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SettingError(
            f"token file {path}: byte 0x{data[exc.start]:02x} at byte offset {exc.start} is not UTF-8 text "
            "(token files are read as UTF-8)"
        ) from None
    lines = [line.rstrip("\r\n") for line in decoded.splitlines()]
    lines = [line for line in lines if line.strip()]
    if not lines:
        raise SettingError(f"token file {path} is empty")
    if column is None:
        return str(path), [line.strip() for line in lines]
    rows = list(csv.reader(lines))
    values = []
    for number, row in enumerate(rows, 1):
        if column > len(row):
            raise SettingError(f"{path} line {number} has {len(row)} columns, token wants column {column}")
        values.append(row[column - 1].strip())
    return str(path), values


def make_provider(spec: TokenSpec, tz: tzinfo, resolve: Callable[[str], Path]) -> Provider:
    """Compile one token into a batch value provider; raise SettingError when malformed."""
    rtype, replacement = spec.rtype, spec.replacement
    if rtype == "static":
        return lambda ctx: [replacement] * ctx.n
    if rtype in ("timestamp", "replaytimestamp"):
        pattern = replacement
        if rtype == "replaytimestamp" and replacement.strip().startswith("["):
            try:
                formats = json.loads(replacement)
                pattern = str(formats[0])
            except (json.JSONDecodeError, IndexError, KeyError):
                raise SettingError("replaytimestamp: expected a strftime format or a JSON list of them") from None
        formatter = TimeFormatter(pattern, tz)
        return lambda ctx: formatter.format_many(ctx.times)
    if rtype in ("random", "rated", "all"):  # `all`: pytest-splunk-addon's, expanded before (render/expand.py)
        return _random_provider(replacement, rated=rtype == "rated")
    if rtype in ("file", "mvfile"):
        key, values = _file_column(replacement, resolve)
        return Choices(values, lambda ctx: take(values, ctx.shared_rows(key, len(values))))
    if rtype == "seqfile":
        _, values = _file_column(replacement, resolve)
        count = len(values)
        return Choices(values, lambda ctx: take(values, (ctx.offset + np.arange(ctx.n)) % count))
    if rtype == "integerid":
        try:
            start = int(replacement.strip() or 0)
        except ValueError:
            raise SettingError(f"integerid needs a start integer, got {replacement!r}") from None
        return lambda ctx: list(map(str, range(start + ctx.offset, start + ctx.offset + ctx.n)))
    raise SettingError(f"unknown replacementType {rtype!r}; allowed: {', '.join(TOKEN_TYPES)}")


PROBES = 3  # drawn values per token tried against the chain when a plan is compiled


def probe_rows(providers: list[Provider], rows: int = PROBES) -> list[list[str]]:
    """A few values of every token (row r: each token's r-th value), drawn with a fixed seed over the last year."""
    times = np.linspace(1.7e9, 1.7e9 + 365 * 86400, rows)
    ctx = RenderContext(rows, np.random.default_rng(0x5EED), times, 0, lambda: np.ones(rows))
    columns = [provider(ctx) for provider in providers]
    return [list(row) for row in zip(*columns, strict=True)] if columns else []


class RenderPlan:
    """A sample's events compiled against its tokens; renders a batch from drawn values.

    Tokens apply in order, each to the text the earlier ones made (`render.chain`): static replacements are
    written into the templates, drawn ones are slots. Events that share a template are rendered together: their
    token values are gathered with C-level slicing (sequential picks) or one gather per template (random picks)
    and formatted by `map(template.__mod__, zip(*columns))`. Only texts where a later token may match a drawn
    value (`chained`) are rendered event by event.
    """

    def __init__(self, texts: list[str], tokens: list[TokenSpec], providers: list[Provider]):
        statics = {k: spec.replacement for k, spec in enumerate(tokens) if spec.rtype == "static"}
        compiled = [compile_text(text, tokens, statics) for text in texts]
        self.used = sorted({k for _, slots in compiled for k in slots})
        self.chained: set[int] = set()  # texts rendered event by event
        special: dict[int, tuple[list[int], dict[tuple[str, ...], tuple[str, list[int]]]]] = {}
        if self.used and len(tokens) > 1:
            choices = {k: p.values for k, p in enumerate(providers) if isinstance(p, Choices)}
            sources = chain_sources(tokens, choices)
            probes = probe_rows(providers)
            for i, (text, (view, slots)) in enumerate(zip(texts, compiled, strict=True)):
                triggers = sorted(sources.intersection(slots))
                if triggers:
                    found = specialize(text, tokens, statics, choices, probes, triggers, sources)
                    if found is None:
                        self.chained.add(i)
                    else:
                        special[i] = (triggers, found)
                elif probe_differs(text, view, slots, tokens, probes):
                    shadowed = compile_shadowed(text, tokens, statics)
                    if probe_differs(text, *shadowed, tokens, probes):
                        self.chained.add(i)
                    else:  # later tokens match across drawn values as the sample's text: one template still
                        compiled[i] = shadowed
            self.used = sorted({k for _, slots in compiled for k in slots})
        if self.chained or special:
            self.used = list(range(len(tokens)))  # a chained text may take any token's value
        slot = {k: i for i, k in enumerate(self.used)}
        self.templates = [as_template(view, slots, slot) for view, slots in compiled]
        # texts compiled once per combination of the list/file values that chain: (those tokens, values → template)
        self.special = {
            i: (triggers, {key: as_template(view, slots, slot) for key, (view, slots) in found.items()})
            for i, (triggers, found) in special.items()
        }
        self._providers = [providers[k] for k in self.used]
        self._texts = texts
        self._tokens = tokens

    def render(self, picks: np.ndarray, ctx: RenderContext) -> list[str]:
        """Events for sample indices `picks` (one per event)."""
        n = len(picks)
        if n == 0:
            return []
        values = [provider(ctx) for provider in self._providers]
        out = self._render(picks, values, n)
        for i, (triggers, templates) in self.special.items():
            _fill_special(out, np.flatnonzero(picks == i), [values[k] for k in triggers], templates, values)
        if self.chained:
            for i in np.flatnonzero(np.isin(picks, list(self.chained))).tolist():
                row = [column[i] for column in values]
                out[i] = apply_chain(self._texts[int(picks[i])], self._tokens, row)
        return out

    def _render(self, picks: np.ndarray, values: list[list[str]], n: int) -> list[str]:
        size = len(self.templates)
        if size == 1:
            return _fill(self.templates[0], values, n)
        out: list[str] = [""] * n
        first = int(picks[0])
        if n < size or np.array_equal(picks, (first + np.arange(n)) % size):
            # sequential picks: template (first + i) % size at position i, so each template's events are a stride
            for position in range(min(n, size)):
                template = self.templates[(first + position) % size]
                columns = [v[position::size] for v in values]
                out[position::size] = _fill(template, columns, len(range(position, n, size)))
            return out
        order = np.argsort(picks, kind="stable")
        sorted_picks = picks[order]
        starts = np.flatnonzero(np.r_[True, sorted_picks[1:] != sorted_picks[:-1]]).tolist()
        for start, end in zip(starts, [*starts[1:], n], strict=True):
            where = order[start:end]
            template = self.templates[int(sorted_picks[start])]
            columns = [take(v, where) for v in values]
            for position, event in zip(where.tolist(), _fill(template, columns, end - start), strict=True):
                out[position] = event
        return out


def _fill_special(
    out: list[str],
    where: np.ndarray,
    keys: list[list[str]],
    templates: dict[tuple[str, ...], tuple[str, tuple[int, ...]]],
    values: list[list[str]],
) -> None:
    """Events at `where` of a text compiled per combination of chaining values: grouped by their values of those
    tokens (`keys`, a column per token), each group rendered with its template."""
    if len(where) == 0:
        return
    groups: dict[tuple[str, ...], list[int]] = {}
    for position, key in zip(where.tolist(), zip(*(take(column, where) for column in keys), strict=True), strict=True):
        groups.setdefault(key, []).append(position)
    for key, positions in groups.items():
        idx = np.asarray(positions)
        columns = [take(column, idx) for column in values]
        for position, event in zip(positions, _fill(templates[key], columns, len(positions)), strict=True):
            out[position] = event


def _fill(template: tuple[str, tuple[int, ...]], columns: list[list[str]], n: int) -> list[str]:
    """Render one template `n` times from per-token value columns."""
    text, slots = template
    if not slots:
        return [text % ()] * n
    return list(map(text.__mod__, zip(*(columns[k] for k in slots), strict=True)))
