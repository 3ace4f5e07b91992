"""Load-time checks of a sample's tokens: each replacement compiles (a token file can be read), and each regex is
tried on the sample's events as the render plan will, under a time bound per event.

A regex that backtracks catastrophically is an error; one that matches no event is a warning (`[global]` tokens
are for every sample, so they are not warned about).
"""

from __future__ import annotations

from pathlib import Path

from eventgen.conf.regex_bound import LIMIT, RegexTimeout, Watch, bounded
from eventgen.conf.sample import Sample
from eventgen.conf.stanzas import Problems
from eventgen.core.errors import ConfigError
from eventgen.core.settings import SettingError
from eventgen.core.tokens import TokenSpec, replaceable
from eventgen.render.providers import make_provider


def check_providers(sample: Sample, problems: Problems) -> None:
    """Each token's replacement builds a provider (a malformed one, a token file that cannot be read: errors)."""
    for spec in sample.tokens:
        try:
            make_provider(spec, sample.tz, sample.resolve)
        except SettingError as exc:
            problems.error(str(exc), spec.stanza, f"token.{spec.number}.replacement")
        except OSError as exc:
            problems.error(f"cannot read token file: {exc}", spec.stanza, f"token.{spec.number}.replacement")


def check_matches(sample: Sample, file_path: Path, problems: Problems) -> None:
    """Run every token regex on the sample's events, as the render plan will, under a time bound: a regex
    that backtracks catastrophically is an error, one that matches no event a warning."""
    try:
        texts = sample.data.texts
    except ConfigError as exc:
        problems.errors.append(exc)
        return
    if not texts:
        return
    try:
        found = tokens_found(texts, sample.tokens, LIMIT)
    except RegexTimeout as exc:
        spec = sample.tokens[exc.token]
        problems.error(
            f"regex {spec.pattern.pattern!r} takes over {LIMIT:g}s on event {exc.event + 1} "
            f"of {file_path}: catastrophic backtracking (nested repeats like (a+)+?); refused",
            spec.stanza,
            f"token.{spec.number}.token",
        )
        return
    for spec, hit in zip(sample.tokens, found, strict=True):
        if not hit and spec.stanza != "global":  # [global] tokens are for every sample, not each
            message = f"regex {spec.pattern.pattern!r} matches no event of {file_path}; nothing is replaced"
            problems.warn(message, spec.stanza, f"token.{spec.number}.token")


def tokens_found(texts: list[str], tokens: list[TokenSpec], limit: float = LIMIT) -> list[bool]:
    """For each token, whether it has a span to replace in any of `texts` (what `token_spans` would replace,
    before overlaps). Every token runs on every event, as when a render plan is compiled; RegexTimeout when
    one regex runs longer than `limit` seconds on one event."""
    if not tokens or not texts:
        return [False] * len(tokens)
    found = bounded(lambda watch: _scan(texts, tokens, watch), limit)
    return [True] * len(tokens) if found is None else [bool(hit) for hit in found]


def _scan(texts: list[str], tokens: list[TokenSpec], watch: Watch | None) -> list[bool]:
    found = []
    for k, spec in enumerate(tokens):
        grouped = spec.pattern.groups > 0
        hit = False
        for i, text in enumerate(texts):
            if watch is not None:
                watch.start(k, i)
            for match in spec.pattern.finditer(text):
                hit = hit or replaceable(*(match.span(1) if grouped else match.span()), grouped)
        found.append(hit)
    return found
