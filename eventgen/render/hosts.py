"""The host field's replacement: Splunk Eventgen's `host.token` / `host.replacement` and `hostRegex`.

`host.token` is a regex on the event's host (the stanza's `host`, or a CSV sample's host column); its match is
replaced by a random line of `host.replacement`'s file, per event, after the `_raw` tokens and sharing their row
of that file. `hostRegex` then sets the host of each event whose text it matches to its group 1 (else the match):
what Splunk would extract at index time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path

from eventgen.core.settings import SettingError, parse_regex
from eventgen.core.tokens import TokenSpec
from eventgen.render.chain import SLOT, compile_text
from eventgen.render.tokens import Provider, RenderContext, make_provider


class HostRewrite:
    """Compiled once per sample: per batch, each event's host, or None when the sample rewrites no host."""

    def __init__(
        self,
        token: re.Pattern[str] | None,
        replacement: str | None,
        host_regex: str | None,
        tz: tzinfo,
        resolve: Callable[[str], Path],
    ):
        if (token is None) != (replacement is None):
            raise SettingError("host.token and host.replacement go together: set both, or neither")
        self.spec = None if token is None else TokenSpec(0, token, "file", str(replacement), "")
        self.provider: Provider | None = None if self.spec is None else make_provider(self.spec, tz, resolve)
        self.host_regex = None if host_regex is None else parse_regex(host_regex)
        self._split: dict[str, list[str]] = {}

    def _parts(self, host: str) -> list[str]:
        """`host` split where the host token replaces it (compiled once per distinct host)."""
        parts = self._split.get(host)
        if parts is None:
            view, _ = compile_text(host, [self.spec], {}) if self.spec is not None else (host, [])
            parts = self._split[host] = view.split(SLOT)
        return parts

    @property
    def active(self) -> bool:
        return self.spec is not None or self.host_regex is not None

    def hosts(self, host: str, column: list[str] | None, events: list[str], ctx: RenderContext) -> list[str]:
        """Each event's host: `column` (a CSV host column) or `host`, rewritten by the host token, then by
        `hostRegex` where it matches the event."""
        n = len(events)
        hosts = column if column is not None else [host] * n
        if self.spec is not None and self.provider is not None:
            values = self.provider(ctx)
            if column is None:  # one host: split around the token once, then join each event's value in
                parts = self._parts(host)
                hosts = [value.join(parts) for value in values]
            else:
                hosts = [value.join(self._parts(h)) for h, value in zip(hosts, values, strict=True)]
        if self.host_regex is not None:
            pattern = self.host_regex
            group = 1 if pattern.groups else 0
            found = [pattern.search(event) for event in events]
            hosts = [
                h if m is None or m.group(group) is None else m.group(group) for h, m in zip(hosts, found, strict=True)
            ]
        return hosts
