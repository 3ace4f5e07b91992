"""Load-time checks of a sample's tokens: each replacement compiles (a token file can be read), and each regex is
tried on the sample's events as the render plan will, under a time bound per event.

A regex that backtracks catastrophically is an error; one that matches no event is a warning (`[global]` tokens
are for every sample, so they are not warned about).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from eventgen.conf.regex_bound import LIMIT, RegexTimeout, Watch, bounded
from eventgen.conf.sample import Sample
from eventgen.conf.stanzas import Problems
from eventgen.core.errors import ConfigError
from eventgen.core.settings import SettingError, parse_regex
from eventgen.core.tokens import TokenSpec
from eventgen.render.chain import compile_shadowed, compile_text
from eventgen.render.hosts import HostRewrite
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
    settings = sample.settings
    try:
        HostRewrite(settings.get("host.token"), settings.get("host.replacement"), None, sample.tz, sample.resolve)
    except SettingError as exc:
        problems.error(str(exc), sample.stanza, "host.replacement")
    except OSError as exc:
        problems.error(f"cannot read host file: {exc}", sample.stanza, "host.replacement")
    host_regex = settings.get("hostRegex")  # declared by the splunkstream output; every event's host uses it too
    if host_regex is not None:
        try:
            parse_regex(host_regex)
        except SettingError as exc:
            problems.error(str(exc), sample.stanza, "hostRegex")


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
    """For each token, whether it replaces something in any of `texts`, the tokens running in order as when a
    render plan is compiled (`render.chain`); RegexTimeout when one regex runs longer than `limit` seconds on one
    event."""
    if not tokens or not texts:
        return [False] * len(tokens)
    found = bounded(lambda watch: _scan(texts, tokens, watch), limit)
    return [True] * len(tokens) if found is None else [bool(hit) for hit in found]


def _scan(texts: list[str], tokens: list[TokenSpec], watch: Watch | None) -> list[bool]:
    """Which tokens replace something when the tokens run in order on each event (`render.chain`): a token may
    match only text an earlier token's replacement wrote."""
    statics = {k: spec.replacement for k, spec in enumerate(tokens) if spec.rtype == "static"}
    applied: set[int] = set()
    for i, text in enumerate(texts):
        start = None if watch is None else partial(_start, watch, i)
        compile_text(text, tokens, statics, start, applied)
        if len(applied) < len(tokens):  # a later token may match across a drawn value, as the render plan allows
            compile_shadowed(text, tokens, statics, start, applied)
    return [k in applied for k in range(len(tokens))]


def _start(watch: Watch, event: int, token: int) -> None:
    watch.start(token, event)
