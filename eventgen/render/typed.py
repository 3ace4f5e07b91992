"""pytest-splunk-addon's typed replacements: `src["ipv4"]`, `user["email"]`, `url["full"]`, `src_port`, `file[...]`…

A typed replacement names what a value is (a source address, a user, a URL) rather than how to draw it. Each
compiles once into a provider that fills a whole batch: numbers are drawn with numpy and turned into text by
table lookups; where a replacement lists several kinds (`dvc["fqdn","host"]`) each event takes one of them at
random. `user[...]` and `email` tokens of one event name the same user (the user number is a shared row of the
batch, as the file tokens of one file share a line). Values follow the shapes pytest-splunk-addon documents; see
docs/pytest-splunk-addon.md.
"""

from __future__ import annotations

import ast
import csv
import re
import string
from collections.abc import Callable
from operator import add
from pathlib import Path

import numpy as np

from eventgen.core.settings import SettingError
from eventgen.render.tokens import Provider, RenderContext, take

__all__ = ["HOST_KINDS", "URL_KINDS", "USER_KINDS", "kinds_of", "parse_literal_list", "typed_provider"]

HOST_KINDS = ("host", "ipv4", "ipv6", "fqdn")
USER_KINDS = ("name", "email", "domain_user", "distinquised_name")  # pytest-splunk-addon's spelling
URL_KINDS = ("ip_host", "fqdn_host", "path", "query", "protocol", "full")
FIELD_KINDS: dict[str, tuple[str, ...]] = {"src": HOST_KINDS, "dest": HOST_KINDS, "dvc": HOST_KINDS, "host": HOST_KINDS}
FIELD_KINDS.update(user=USER_KINDS, url=URL_KINDS)

# the address ranges pytest-splunk-addon documents for each field: (first address, how many), IPv6 /64 prefixes
IPV4_RANGES = {"src": (0x0A010000, 1 << 16), "dest": (0x0A640000, 1 << 16), "dvc": (0xAC100000, 51 << 8)}
IPV6_PREFIX = {"src": "fdee:1fe4:2b8c:3261", "dest": "fdee:1fe4:2b8c:3262", "dvc": "fdee:1fe4:2b8c:3263"}
IPV6_PREFIX["host"] = "fdee:1fe4:2b8c:3264"
HOST_POOL = 1000  # host names and user numbers cycle through this many (a bounded cardinality at any volume)
DEST_PORTS = ("80", "443", "25", "22", "21")
TABLE = 512  # pre-drawn URL paths, queries and domain names per replacement

_TYPED = re.compile(r"(src|dest|dvc|host|user|url)\s*(\[.*\])?$|(email|src_port|dest_port)$|file\[(.*)\]$", re.S)
_OCTET = [str(i) for i in range(256)]
_USER_FORMS = dict(
    zip(USER_KINDS, ("user{}", "user{}@email.com", "sample_domain.com\\user{}", "CN=user{}"), strict=True)
)
_WORDS = ("acme", "alpha", "atlas", "beacon", "cobalt", "delta", "ember", "falcon", "granite", "harbor", "helix",
          "ion", "juniper", "kestrel", "lumen", "meridian", "nimbus", "onyx", "orbit", "pioneer", "quartz",
          "raven", "sierra", "summit", "tango", "umbra", "vertex", "willow", "zenith")  # fmt: skip
_SEGMENTS = ("api", "app", "assets", "blog", "cart", "catalog", "docs", "download", "images", "login", "news",
             "posts", "search", "static", "user", "v1", "v2")  # fmt: skip
_PAGES = ("index.html", "about.php", "list.asp", "main.js", "report.pdf", "style.css", "view.jsp")


def parse_literal_list(text: str, what: str) -> list[str]:
    """`["a","b"]` or `['a','b']` (pytest-splunk-addon reads Python list literals) → its items as text."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise SettingError(f'{what}: {text!r} is not a list like ["a", "b"]') from None
    if not isinstance(value, list | tuple) or not value:
        raise SettingError(f"{what}: {text!r} must be a non-empty list")
    return [str(v) for v in value]


def kinds_of(field: str, listed: str | None) -> tuple[str, ...]:
    """The kinds a `field[...]` replacement lists (all of the field's kinds when it lists none); unknown kinds
    are refused naming the allowed ones."""
    allowed = FIELD_KINDS[field]
    if not listed:
        return ("full",) if field == "url" else allowed
    kinds = parse_literal_list(listed, f"{field}[...]")
    unknown = [k for k in kinds if k not in allowed]
    if unknown:
        raise SettingError(f"{field}[...]: unknown {', '.join(map(repr, unknown))}; allowed: {', '.join(allowed)}")
    return tuple(dict.fromkeys(kinds))


def typed_provider(replacement: str, resolve: Callable[[str], Path]) -> Provider | None:
    """A provider for a typed replacement, None when `replacement` is not one; SettingError when malformed."""
    match = _TYPED.match(replacement.strip())
    if match is None:
        return None
    field, listed, simple, path = match.groups()
    if simple == "email":
        return lambda ctx: _users(ctx, "email")
    if simple == "src_port":
        return lambda ctx: list(map(str, ctx.rng.integers(4000, 5001, ctx.n).tolist()))
    if simple == "dest_port":
        return lambda ctx: take(list(DEST_PORTS), ctx.rng.integers(0, len(DEST_PORTS), ctx.n))
    if path is not None:
        key, values = file_values(path, resolve)
        return lambda ctx: take(values, ctx.shared_rows(key, len(values)))
    kinds = kinds_of(field, listed)
    if field == "url":
        return _url_provider(kinds)
    if field == "user":
        return _choose([_user_maker(kind) for kind in kinds])
    return _choose([_host_maker(field, kind) for kind in kinds])


def file_values(text: str, resolve: Callable[[str], Path]) -> tuple[str, list[str]]:
    """`file[path]`, `file[path:N]` (1-based column) or `file[path:header]` → (the file's key, its values)."""
    match = re.match(r"(.*?)(?::([^:/\\]+))?$", text.strip())
    name, column = (match.group(1), match.group(2)) if match else (text.strip(), None)
    if column is not None and len(name) == 1:  # `C:\...`: a drive letter, not a column
        name, column = text.strip(), None
    path = resolve(name)
    lines = [line for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
    if not lines:
        raise SettingError(f"token file {path} is empty")
    if column is None:
        return str(path), [line.strip() for line in lines]
    rows = list(csv.reader(lines))
    if column.isdigit():
        index = int(column) - 1
        if index < 0:
            raise SettingError(f"{text!r}: columns are numbered from 1")
    else:
        header, rows = [h.strip() for h in rows[0]], rows[1:]
        if column not in header:
            raise SettingError(f"{path}: no column {column!r} in its header ({', '.join(header)})")
        index = header.index(column)
    short = [number for number, row in enumerate(rows, 1) if len(row) <= index]
    if short or not rows:
        raise SettingError(f"{path}: row {short[0] if short else 1} has no column {column}")
    return f"{path}:{index}", [row[index].strip() for row in rows]


def _choose(makers: list[Provider]) -> Provider:
    """One kind for every event, or each event one of several kinds at random."""
    if len(makers) == 1:
        return makers[0]

    def provide(ctx: RenderContext) -> list[str]:
        columns = np.array([maker(ctx) for maker in makers], dtype=object)
        return columns[ctx.rng.integers(0, len(makers), ctx.n), np.arange(ctx.n)].tolist()

    return provide


def _numbers(ctx: RenderContext) -> np.ndarray:
    """Sequential host indexes (0…HOST_POOL-1, continuing across batches)."""
    return (ctx.offset + np.arange(ctx.n)) % HOST_POOL


def _host_maker(field: str, kind: str) -> Provider:
    if kind in ("host", "fqdn"):
        form = f"{field}_sample_host_{{}}" if kind == "host" else f"{field}_sample_host.sample_domain{{}}.com"
        names = [form.format(k) for k in range(1, HOST_POOL + 1)]  # made once: a batch only looks them up
        return lambda ctx: take(names, _numbers(ctx))
    if kind == "ipv6":
        prefix = IPV6_PREFIX[field] + ":"
        return lambda ctx: list(map(prefix.__add__, ipv6_tails(ctx)))
    first, size = IPV4_RANGES.get(field, (0, 0))
    return (lambda ctx: ipv4_in(ctx, first, size)) if size else public_ipv4


def ipv4_in(ctx: RenderContext, first: int, size: int) -> list[str]:
    """Addresses in [first + 1, first + size - 1): no network or broadcast address of the range."""
    values = first + ctx.rng.integers(1, size - 1, ctx.n)
    octets = [take(_OCTET, (values >> shift) & 0xFF) for shift in (24, 16, 8, 0)]
    return list(map(".".join, zip(*octets, strict=True)))


def public_ipv4(ctx: RenderContext) -> list[str]:
    """Unicast addresses: first octet 1-223 but not 127, host part never 0 or 255."""
    first = ctx.rng.integers(1, 223, ctx.n)
    first = first + (first >= 127)
    rest = ctx.rng.integers(0, 256, (2, ctx.n))
    last = ctx.rng.integers(1, 255, ctx.n)
    octets = [take(_OCTET, first), take(_OCTET, rest[0]), take(_OCTET, rest[1]), take(_OCTET, last)]
    return list(map(".".join, zip(*octets, strict=True)))


def ipv6_tails(ctx: RenderContext) -> list[str]:
    """The last four groups of an address, the prefix being the caller's."""
    table = _table("group", lambda: [f"{i:x}" for i in range(1 << 16)])
    groups = [take(table, row) for row in ctx.rng.integers(0, 1 << 16, (4, ctx.n))]
    return list(map(":".join, zip(*groups, strict=True)))


def _user_maker(kind: str) -> Provider:
    return lambda ctx: _users(ctx, kind)


def _users(ctx: RenderContext, kind: str) -> list[str]:
    """The event's user (one per event, shared by every user and email token) shown as `kind`."""
    form = _USER_FORMS[kind]
    names = _table(kind, lambda: [form.format(i) for i in range(1, HOST_POOL + 1)])
    return take(names, ctx.shared_rows("typed:user", HOST_POOL))


def _url_provider(kinds: tuple[str, ...]) -> Provider:
    """URLs from the parts `kinds` name (`full`: all of them): protocol, an IP or FQDN host, a path, a query."""
    wanted = set(URL_KINDS) - {"full"} if "full" in kinds else set(kinds)
    tables = _url_tables()
    hosts: list[Provider] = []
    if "ip_host" in wanted:
        hosts.append(public_ipv4)
    if "fqdn_host" in wanted:
        hosts.append(lambda ctx: _pick(ctx, tables["domain"]))
    bare = wanted in ({"path"}, {"query"})  # a path or query alone is not prefixed by a whole URL

    def provide(ctx: RenderContext) -> list[str]:
        if hosts:
            out = _choose(hosts)(ctx)
            if "protocol" in wanted:
                out = list(map(add, _pick(ctx, ["http://", "https://"]), out))
        elif bare:
            out = [""] * ctx.n
        else:
            out = list(map(add, _pick(ctx, ["http://", "https://"]), _pick(ctx, tables["domain"])))
        for part in ("path", "query"):
            if part in wanted:
                out = list(map(add, out, _pick(ctx, tables[part])))
        return out

    return provide


def _pick(ctx: RenderContext, table: list[str]) -> list[str]:
    return take(table, ctx.rng.integers(0, len(table), ctx.n))


_TABLES: dict[str, list[str]] = {}


def _table(name: str, make: Callable[[], list[str]]) -> list[str]:
    """A lookup table made on first use (not at import: most runs use none)."""
    table = _TABLES.get(name)
    if table is None:
        table = _TABLES[name] = make()
    return table


def _url_tables() -> dict[str, list[str]]:
    """Domains, paths and queries drawn once from a fixed seed (the same in every process and run)."""
    if "domain" not in _TABLES:
        rng = np.random.default_rng(24)
        words, segments, pages = np.array(_WORDS), np.array(_SEGMENTS), np.array(_PAGES)
        tlds = np.array(["com", "net", "org", "io"])
        _TABLES["domain"] = [
            f"www.{a}{b}.{t}"
            for a, b, t in zip(rng.choice(words, TABLE), rng.choice(words, TABLE), rng.choice(tlds, TABLE), strict=True)
        ]
        depth = rng.integers(1, 4, TABLE)
        _TABLES["path"] = [
            "/" + "/".join([*rng.choice(segments, d - 1), rng.choice([*segments, *pages])]) for d in depth.tolist()
        ]
        letters = np.array(list(string.ascii_lowercase))
        alnum = np.array(list(string.ascii_lowercase + string.digits))
        _TABLES["query"] = [
            "?"
            + "&".join(
                "".join(rng.choice(letters, rng.integers(2, 6))) + "=" + "".join(rng.choice(alnum, rng.integers(2, 6)))
                for _ in range(int(rng.integers(1, 5)))
            )
            for _ in range(TABLE)
        ]
    return {name: _TABLES[name] for name in ("domain", "path", "query")}
