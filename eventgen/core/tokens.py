"""Token specs: Splunk Eventgen's `token.N.token / replacementType / replacement` triples, as every stage sees them.

The conf layers them, `resolve` checks them against their sample, the render plan compiles them and the replay
plugins read their time formats: this module is what they share. It reads keys and checks their shape only (the
regex compiles, the type is known); what a replacement means is the render plan's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

TOKEN_TYPES = (
    "static",
    "timestamp",
    "replaytimestamp",
    "random",
    "rated",
    "file",
    "mvfile",
    "seqfile",
    "integerid",
    "all",  # pytest-splunk-addon: one event per value (docs/pytest-splunk-addon.md)
)
FILE_TOKEN_TYPES = ("file", "mvfile", "seqfile")  # their replacement names a file: `path` or `path:column`
# `field` is pytest-splunk-addon's: the event field the token's value is (`host` sets the event's host)
TOKEN_KEY = re.compile(r"token\.(\d+)\.(token|replacementType|replacement|field)$")
PARTS = ("token", "replacementType", "replacement")


@dataclass
class TokenSpec:
    """One `token.N.*` triple as written in the conf."""

    number: int
    pattern: re.Pattern[str]
    rtype: str
    replacement: str
    stanza: str = ""
    field: str = ""  # pytest-splunk-addon's `token.N.field`


@dataclass(frozen=True)
class TokenProblem:
    """Why a `token.N.*` triple of a stanza is refused, and the key to name."""

    stanza: str
    key: str
    message: str


def is_token_key(key: str) -> bool:
    return TOKEN_KEY.match(key) is not None


def token_specs(layers: Iterable[tuple[str, dict[str, str]]]) -> tuple[list[TokenSpec], list[TokenProblem]]:
    """The specs of (stanza, `token.N.*` keys) layers, most specific stanza first, each stanza's tokens in number
    order; and a problem for each triple that lacks a part, whose regex does not compile or whose type is unknown."""
    specs: list[TokenSpec] = []
    problems: list[TokenProblem] = []
    for stanza, values in layers:
        parts: dict[int, dict[str, str]] = {}
        for key, value in values.items():
            match = TOKEN_KEY.match(key)
            if match is not None:
                parts.setdefault(int(match.group(1)), {})[match.group(2)] = value
        for number in sorted(parts):
            part = parts[number]
            missing = [p for p in PARTS if p not in part]
            if "replacement" in missing and part.get("replacementType") == "integerid":
                part["replacement"] = "0"
                missing.remove("replacement")
            if missing:
                needed = ", ".join(f"token.{number}.{m}" for m in missing)
                problems.append(TokenProblem(stanza, f"token.{number}", f"token {number} lacks {needed}"))
                continue
            try:
                pattern = re.compile(part["token"])
            except re.error as exc:
                problems.append(TokenProblem(stanza, f"token.{number}.token", f"regex does not compile ({exc})"))
                continue
            rtype = part["replacementType"].strip()
            if rtype not in TOKEN_TYPES:
                message = f"unknown replacementType {rtype!r}; allowed: {', '.join(TOKEN_TYPES)}"
                problems.append(TokenProblem(stanza, f"token.{number}.replacementType", message))
                continue
            specs.append(TokenSpec(number, pattern, rtype, part["replacement"], stanza, part.get("field", "").strip()))
    return specs, problems


def split_column(replacement: str) -> tuple[str, int | None]:
    """A file token's replacement `path` or `path:column` → (path, column or None)."""
    text = replacement.strip()
    match = re.match(r"(.*):(\d+)$", text)
    return (match.group(1), int(match.group(2))) if match else (text, None)


def replaceable(start: int, end: int, grouped: bool) -> bool:
    """Whether a match's span takes a value: group 1 took part (an empty group 1 is replaced too, as in Splunk's
    `"receiver_id":"(\\d*)"`), or a group-less regex matched some text (an empty whole match would put a value
    between every two characters)."""
    return start >= 0 and (grouped or start < end)
