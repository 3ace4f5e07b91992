"""A token's batch value provider, for every dialect: pytest-splunk-addon's typed replacements (`src["ipv4"]`,
`user[...]`, `url[...]`, `file[...]`…, render/typed.py) first, then Splunk Eventgen's token types
(render/tokens.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path

from eventgen.core.tokens import TokenSpec
from eventgen.render import tokens
from eventgen.render.typed import typed_provider

__all__ = ["make_provider"]


def make_provider(spec: TokenSpec, tz: tzinfo, resolve: Callable[[str], Path]) -> tokens.Provider:
    """Compile one token into a batch value provider; SettingError when its replacement is malformed."""
    if spec.rtype in ("random", "all"):
        typed = typed_provider(spec.replacement, resolve)
        if typed is not None:
            return typed
    return tokens.make_provider(spec, tz, resolve)
