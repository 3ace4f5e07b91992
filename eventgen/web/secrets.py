"""Secrets never leave the server: values of secret-looking keys (tokens, passwords, keys) are masked in every
answer, and any such value that turns up in a message is replaced."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from eventgen.resolve.config import RunConfig
from eventgen.run.plan_log import is_secret

MASK = "********"


def masked(value: Any, key: str = "") -> Any:
    """`value` with the values of secret keys masked, JSON text included (`httpeventServers`' "key")."""
    if key and is_secret(key) and value not in (None, ""):
        return MASK
    if isinstance(value, Mapping):
        return {k: masked(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    if isinstance(value, str) and value.lstrip().startswith(("{", "[")):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        hidden = masked(parsed)
        return value if hidden == parsed else json.dumps(hidden)
    return value


def secret_values(value: Any, key: str = "") -> Iterable[str]:
    """Every secret string held in `value` (at secret keys, JSON text included)."""
    if key and is_secret(key) and isinstance(value, str | int) and str(value):
        yield str(value)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from secret_values(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from secret_values(v)
    elif isinstance(value, str) and value.lstrip().startswith(("{", "[")):
        try:
            yield from secret_values(json.loads(value))
        except ValueError:
            return


class Scrubber:
    """Replaces known secret values in text (error messages, notes)."""

    def __init__(self) -> None:
        self.values: set[str] = set()

    def learn(self, value: Any) -> None:
        self.values.update(v for v in secret_values(value) if len(v) >= 4)

    def learn_config(self, config: RunConfig) -> None:
        for sample in config.samples:
            self.learn(dict(sample.settings))

    def __call__(self, text: str) -> str:
        for value in sorted(self.values, key=len, reverse=True):
            text = text.replace(value, MASK)
        return text
