"""Pieces of Eventum's clickhouse output that need more than a key rename: its `dsn`, and strings (header, footer,
separator) that may hold newlines, which eventgen.conf values write as backslash escapes."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from eventgen.core.errors import ConfigError

_ESCAPES = (("\\", "\\\\"), ("\n", "\\n"), ("\t", "\\t"), ("\r", "\\r"), ("\0", "\\0"))


def escaped_setting(text: str) -> str:
    """`text` as the clickhouse output's header/footer/separator settings read it (backslash escapes)."""
    for char, escape in _ESCAPES:
        text = text.replace(char, escape)
    return text


def dsn_parameters(dsn: str | None, where: str) -> tuple[dict[str, Any], list[str]]:
    """(parameters, notes) of a `clickhouse://user:password@host:port/database` DSN: host, protocol, port,
    username, password and database, as far as it gives them (`clickhouses://` or `https://`: https)."""
    if not dsn:
        return {}, []
    parts = urlsplit(str(dsn))
    scheme = parts.scheme.lower()
    if not (scheme.startswith("clickhouse") or scheme in ("http", "https")) or not parts.hostname:
        raise ConfigError(f"{where}: expected clickhouse://user:password@host:port/database, got {dsn!r}")
    out: dict[str, Any] = {"host": parts.hostname}
    out["protocol"] = "https" if scheme.endswith("https") or scheme == "clickhouses" else "http"
    try:
        if parts.port:
            out["port"] = parts.port
    except ValueError:
        raise ConfigError(f"{where}: bad port in {dsn!r}") from None
    if parts.username:
        out["username"] = unquote(parts.username)
    if parts.password is not None:
        out["password"] = unquote(parts.password)
    if parts.path.strip("/"):
        out["database"] = unquote(parts.path.strip("/"))
    notes = [f"{where}: query parameters ?{parts.query}: no equivalent (ignored)"] if parts.query else []
    return out, notes
