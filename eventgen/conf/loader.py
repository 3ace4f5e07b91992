"""eventgen.conf → typed, flattened samples.

Layering: declared defaults ← `[global]` ← matching sample stanzas (least specific first) ←
command-line overrides. Stanza names are regexes matched against whole file names in the
sample folders. Every error names file, stanza and key; all errors are reported at once.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from eventgen.conf.checks import output_problems
from eventgen.conf.core_settings import CORE_GROUPS, GLOBAL, SCHEDULE_KEYS, EngineConfig
from eventgen.conf.files import path_problem
from eventgen.conf.sample import Sample
from eventgen.conf.syntax import parse_conf, read_conf
from eventgen.conf.token_scan import LIMIT as REGEX_LIMIT
from eventgen.conf.token_scan import RegexTimeout, tokens_found
from eventgen.core.config import Config
from eventgen.core.errors import ConfigError, ConfigErrors
from eventgen.core.settings import Setting, SettingError, SettingGroup, Settings, index
from eventgen.core.timeutil import parse_time
from eventgen.plugin.base import registry
from eventgen.render.tokens import TOKEN_KEY, TOKEN_TYPES, TokenSpec, make_provider

log = logging.getLogger(__name__)

__all__ = ["RunConfig", "load", "parse_conf", "read_conf"]

OVERRIDE_STANZA = "command line"
MAX_SCHEDULES = 255  # a job names each event's schedule in one byte
# the flag that set each override, named in its errors instead of the key
OVERRIDE_FLAGS = {
    "count": "-c/--count",
    "interval": "-i/--interval",
    "backfill": "-b/--backfill",
    "end": "-e/--end",
    "generatorWorkers": "--generators",
    "rate": "--rate",
}


@dataclass
class Layer:
    """Raw settings of one stanza with where they came from."""

    stanza: str
    values: dict[str, str]
    file: str


@dataclass
class RunConfig:
    """A validated conf: engine settings and the enabled samples."""

    path: Path
    engine: Config  # EngineConfig (conf/core_settings.py): the [global] settings, typed and frozen
    samples: list[Sample]
    warnings: list[str] = field(default_factory=list)
    project: dict[str, Any] | None = None  # an Eventum project's params, secrets and files (`load_translated`)


def all_groups() -> list[SettingGroup]:
    """The core's setting groups followed by one group per plugin that declares settings."""
    groups = list(CORE_GROUPS)
    for plugin in registry.all():
        if plugin.settings:
            groups.append(SettingGroup(f"{plugin.kind} `{plugin.name}`", plugin.settings))
    return groups


def load(
    path: str | Path,
    overrides: Mapping[str, str] | None = None,
    only: str | None = None,
    layers: list[tuple[str, dict[str, dict[str, str]]]] | None = None,
    app: str = "",
    now: float | None = None,
    require_samples: bool = True,
) -> RunConfig:
    """Load and validate a conf; raise ConfigErrors listing every problem.

    `overrides` apply to every stanza; `only` keeps the samples whose name matches it.
    `layers` (file label, sections) replaces reading `path` (used for app default/local layering).
    `now` is the run's reference time (its `--now`, else the clock): given, the time settings are also checked
    against each other at it (earliest after latest, a future backfill, an end before the start); a worker
    loading a controller's bundle gives none. `require_samples` refuses a conf without any sample stanza.
    """
    problem = path_problem(path)
    if problem:  # a symlink loop, a name too long: one line, not a traceback from resolve()
        raise ConfigErrors([ConfigError(problem, str(path))])
    conf_path = Path(path).resolve()
    if layers is None:
        try:
            layers = [(str(path), read_conf(conf_path))]
        except ConfigError as exc:
            exc.file = str(path)
            raise ConfigErrors([exc]) from None
    loader = _Loader(conf_path, layers, dict(overrides or {}), app, now)
    return loader.run(only, require_samples)


OWN_SCHEDULE_KEYS = (*SCHEDULE_KEYS, "input", "backfill", "end", "delay", "maxEvents")


def _members_inherit(sections: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """A `scheduleGroup` member stanza takes what it does not set from its group's first stanza, but the first's
    schedule (so a member needs only its own schedule keys)."""
    first: dict[str, str] = {}
    out = {}
    for stanza, values in sections.items():
        group = values.get("scheduleGroup", "").strip()
        if group and first.setdefault(group, stanza) != stanza:
            leader = sections[first[group]]
            kind = leader.get("input", "interval")
            own = (
                {s.name for s in getattr(registry.get("input", kind), "settings", ())}
                if registry.has("input", kind)
                else set()
            )
            own |= {s.name for g in all_groups() for s in g.settings if s.scope == "schedule"}
            values = {**{k: v for k, v in leader.items() if k not in OWN_SCHEDULE_KEYS and k not in own}, **values}
        out[stanza] = values
    return out


class _Loader:
    def __init__(self, conf_path: Path, layers, overrides: dict[str, str], app: str, now: float | None):
        self.now = now
        self.conf_path = conf_path
        self.conf_dir = conf_path.parent if conf_path.is_file() else conf_path
        self.overrides = overrides
        self.app = app
        self.errors: list[ConfigError] = []
        self.warnings: list[str] = []
        self.checked: dict = {}  # output instance checks by config: samples sharing an instance are checked once
        self.file_label = layers[-1][0]
        merged: dict[str, dict[str, str]] = {}
        self.origin: dict[tuple[str, str], str] = {}
        for label, sections in layers:
            for stanza, values in sections.items():
                merged.setdefault(stanza, {}).update(values)
                for key in values:
                    self.origin[(stanza, key)] = label
        self.sections = _members_inherit(merged)
        engine_plugins = self.sections.get("global", {}).get("pluginDir")
        if engine_plugins:
            registry.load(self.conf_dir / p.strip() for p in engine_plugins.split(",") if p.strip())
        self.table = index(all_groups())

    def error(self, message: str, stanza: str = "", key: str = "") -> None:
        file = self.origin.get((stanza, key), self.file_label)
        if key in self.overrides and stanza in (OVERRIDE_STANZA, "global") and key in OVERRIDE_FLAGS:
            stanza, key = OVERRIDE_STANZA, OVERRIDE_FLAGS[key]
        # one error per stanza and key: a value parsed for every sample it applies to is reported once, and a
        # check that depends on a value that did not parse (a plugin's validate) adds nothing to its error
        if not any(e.stanza == stanza and e.key == key and (key or e.message == message) for e in self.errors):
            self.errors.append(ConfigError(message, file, stanza, key))

    def run(self, only: str | None, require_samples: bool = True) -> RunConfig:
        global_raw = Layer("global", self.sections.get("global", {}), self.file_label)
        if self.sections.get("default"):
            self.warnings.append(f"{self.file_label}: [default] is reserved; its settings are ignored")
        if require_samples and not any(stanza not in ("global", "default") for stanza in self.sections):
            self.error("no sample stanza: nothing to generate (add a [stanza] naming a sample file)")
        engine = self.engine_settings(global_raw)
        samples: list[Sample] = []
        for file_path, stanzas in self.match_files():
            sample = self.build_sample(file_path, stanzas, global_raw)
            if sample is not None and not sample.settings["disabled"]:
                samples.append(sample)
        samples = self.fold_schedule_groups(samples)
        if only:
            try:
                wanted = re.compile(only)
            except re.error as exc:
                raise ConfigErrors([ConfigError(f"--sample regex does not compile ({exc})")]) from None
            samples = [s for s in samples if wanted.fullmatch(s.name) or wanted.fullmatch(s.stanza)]
            if not samples and not self.errors:
                self.errors.append(ConfigError(f"no sample matches --sample {only!r}", self.file_label))
        for warning in self.warnings:  # also when there are errors: an unknown key is often their cause
            log.warning("%s", warning)
        if self.errors:
            raise ConfigErrors(self.errors)
        return RunConfig(self.conf_path, engine, samples, self.warnings)

    def fold_schedule_groups(self, samples: list[Sample]) -> list[Sample]:
        """Each `scheduleGroup` becomes its first sample, carrying every member's schedule (in stanza order)."""
        members: dict[str, list[Sample]] = {}
        for sample in samples:
            group = sample.settings.get("scheduleGroup")
            if group:
                members.setdefault(group, []).append(sample)
        folded = []
        for sample in samples:
            group = members.get(sample.settings.get("scheduleGroup") or "")
            if group is None or len(group) == 1:
                folded.append(sample)
            elif group[0] is sample:
                for member in group:
                    if getattr(registry.get("input", member.settings["input"]), "on_demand", False):
                        message = f"input = {member.settings['input']} takes its times from outside the plan and "
                        message += "cannot share a schedule group: give it a sample of its own"
                        self.error(message, member.stanza, "input")
                if len(group) > MAX_SCHEDULES:
                    message = f"at most {MAX_SCHEDULES} stanzas can share a schedule group"
                    self.error(message, sample.stanza, "scheduleGroup")
                folded.append(replace(sample, schedules=tuple(group)))
        return folded

    def engine_settings(self, global_raw: Layer) -> Config:
        values: dict[str, Any] = {}
        for setting in GLOBAL.settings:
            raw = self.overrides.get(setting.name, global_raw.values.get(setting.name, setting.default))
            values[setting.name] = self.parse(setting, raw, "global")
        return EngineConfig.of(values)

    def parse(self, setting: Setting, raw: str | None, stanza: str) -> Any:
        if raw is None:
            return None
        try:
            return setting.parse(raw)
        except SettingError as exc:
            self.error(str(exc), stanza, setting.name)
            return None

    def sample_dirs(self, raw_dir: str | None) -> tuple[Path, ...]:
        if raw_dir:
            folder = Path(os.path.expandvars(raw_dir)).expanduser()
            return ((folder if folder.is_absolute() else self.conf_dir / folder).resolve(),)
        if self.app:  # the conf is <app>/default/eventgen.conf: samples are in <app>/samples only
            return ((self.conf_dir / ".." / "samples").resolve(),)
        return ((self.conf_dir / ".." / "samples").resolve(), self.conf_dir)

    def match_files(self) -> list[tuple[Path | None, list[str]]]:
        """(sample file, stanzas matching it) for every file matched, then file-less stanzas."""
        global_dir = self.sections.get("global", {}).get("sampleDir")
        by_file: dict[Path, list[str]] = {}
        unmatched: list[str] = []
        for stanza, values in self.sections.items():
            if stanza in ("global", "default"):
                continue
            try:
                pattern = re.compile(stanza)
            except re.error as exc:
                self.error(f"stanza name is not a valid regex ({exc})", stanza)
                continue
            found = False
            for folder in self.sample_dirs(values.get("sampleDir", global_dir)):
                if not folder.is_dir():
                    continue
                for candidate in sorted(folder.iterdir()):
                    if candidate.is_file() and candidate != self.conf_path and pattern.fullmatch(candidate.name):
                        if stanza not in by_file.setdefault(candidate, []):
                            by_file[candidate].append(stanza)
                        found = True
            if not found:
                unmatched.append(stanza)
        matched = [(path, _by_specificity(stanzas, path.name)) for path, stanzas in by_file.items()]
        # a file is one sample even when found in two folders' listings
        return [*matched, *((None, [stanza]) for stanza in unmatched)]

    def build_sample(self, file_path: Path | None, stanzas: list[str], global_raw: Layer) -> Sample | None:
        main = stanzas[-1]
        raw: dict[str, tuple[str, str]] = {}
        for key, value in global_raw.values.items():
            raw[key] = (value, "global")
        token_layers = self.global_tokens(raw)
        for stanza in stanzas:
            values = self.sections[stanza]
            tokens = {k: v for k, v in values.items() if TOKEN_KEY.match(k)}
            if tokens:
                token_layers.append((stanza, tokens))
            for key, value in values.items():
                if not TOKEN_KEY.match(key):
                    raw[key] = (value, stanza)
        for key, value in self.overrides.items():
            raw[key] = (value, OVERRIDE_STANZA)

        settings: dict[str, Any] = {}
        for name, setting in self.table.items():
            if setting.scope == "global":
                continue
            value, stanza = raw.get(name, (setting.default, main))
            settings[name] = self.parse(setting, value, stanza)
        for key, (_, stanza) in raw.items():
            if key not in self.table and stanza != OVERRIDE_STANZA:
                self.warnings.append(
                    f"{self.origin.get((stanza, key), self.file_label)}: [{stanza}] {key}: unknown setting, ignored"
                )
            elif key in self.table and self.table[key].scope == "global" and stanza not in ("global", OVERRIDE_STANZA):
                self.warnings.append(f"{self.file_label}: [{stanza}] {key}: only read from [global]")
        self.choose_plugins(settings, raw, main)
        if file_path is not None and not settings.get("source"):
            settings["source"] = file_path.name
        elif not settings.get("source"):
            settings["source"] = main

        sample = Sample(
            name=file_path.name if file_path else main,
            stanza=main,
            settings=Settings(settings),
            tokens=self.tokens(token_layers[::-1]),
            conf_path=self.conf_path,
            path=file_path,
            sample_dirs=self.sample_dirs(raw.get("sampleDir", (None, ""))[0]),
            app=self.app,
        )
        if not settings.get("disabled"):
            self.check_plugins(sample, raw, file_path)
            self.warn_ignored(sample, stanzas, raw)
        return sample

    def global_tokens(self, raw: dict[str, tuple[str, str]]) -> list[tuple[str, dict[str, str]]]:
        """`token.N.*` keys of `[global]`, moved out of `raw`: every sample inherits them as its least specific
        token layer (after the tokens of its own stanzas)."""
        tokens = {key: value for key, (value, _) in raw.items() if TOKEN_KEY.match(key)}
        for key in tokens:
            del raw[key]
        return [("global", tokens)] if tokens else []

    def warn_ignored(self, sample: Sample, stanzas: list[str], raw: dict[str, tuple[str, str]]) -> None:
        """A warning for each setting the sample's stanzas set that its generator, input and rater ignore
        (keys from `[global]` and the command line are left alone: they apply to every stanza)."""
        if raw.get("input", ("", ""))[1] == OVERRIDE_STANZA:
            return  # `--rate` chose the schedule for every stanza
        from eventgen.conf.ignored import ignored_settings

        keys = {key: stanza for stanza in stanzas for key in self.sections[stanza] if not TOKEN_KEY.match(key)}
        for key, reason in ignored_settings(sample, keys):
            stanza = keys[key]
            self.warnings.append(
                f"{self.origin.get((stanza, key), self.file_label)}: [{stanza}] {key}: ignored: {reason}"
            )

    def choose_plugins(self, settings: dict[str, Any], raw: dict[str, tuple[str, str]], stanza: str) -> None:
        """A plugin chosen by other settings (its `chosen_by`) when the stanza names none of its kind, and the
        defaults it `implies` for settings the stanza leaves unset (e.g. `mode = replay` → the replay generator)."""
        for kind in ("generator", "rater", "input"):
            if kind in raw:
                continue
            for cls in registry.all():
                if (
                    cls.kind != kind
                    or not cls.chosen_by
                    or not all(
                        settings.get(key) is not None if value is None else settings.get(key) == value
                        for key, value in cls.chosen_by.items()
                    )
                ):
                    continue
                settings[kind] = cls.name
                for key, value in cls.implies.items():
                    if key not in raw and key in self.table:
                        settings[key] = self.parse(self.table[key], value, stanza)
                        raw[key] = (value, stanza)
                break

    def tokens(self, token_layers: Iterable[tuple[str, dict[str, str]]]) -> list[TokenSpec]:
        """Tokens of the most specific stanza first, then the others' appended, each in number order."""
        specs: list[TokenSpec] = []
        for stanza, values in token_layers:
            parts: dict[int, dict[str, str]] = {}
            for key, value in values.items():
                match = TOKEN_KEY.match(key)
                assert match is not None
                parts.setdefault(int(match.group(1)), {})[match.group(2)] = value
            for number in sorted(parts):
                part = parts[number]
                missing = [p for p in ("token", "replacementType", "replacement") if p not in part]
                if "replacement" in missing and part.get("replacementType") == "integerid":
                    part["replacement"] = "0"
                    missing.remove("replacement")
                if missing:
                    self.error(
                        f"token {number} lacks {', '.join('token.%d.%s' % (number, m) for m in missing)}",
                        stanza,
                        f"token.{number}",
                    )
                    continue
                try:
                    pattern = re.compile(part["token"])
                except re.error as exc:
                    self.error(f"regex does not compile ({exc})", stanza, f"token.{number}.token")
                    continue
                rtype = part["replacementType"].strip()
                if rtype not in TOKEN_TYPES:
                    self.error(
                        f"unknown replacementType {rtype!r}; allowed: {', '.join(TOKEN_TYPES)}",
                        stanza,
                        f"token.{number}.replacementType",
                    )
                    continue
                specs.append(TokenSpec(number, pattern, rtype, part["replacement"], stanza))
        return specs

    def check_plugins(self, sample: Sample, raw: dict[str, tuple[str, str]], file_path: Path | None) -> None:
        """Every check of a sample that needs its plugins, all made (one problem does not hide the others)."""
        settings = sample.settings

        def report(problems: Iterable[tuple[str, str]]) -> None:
            for key, message in problems:
                self.error(message, raw.get(key, ("", sample.stanza))[1], key)

        for kind in ("generator", "rater", "input"):
            name = settings.get(kind)
            if name and not registry.has(kind, name):
                report([(kind, f"unknown {kind} {name!r}; allowed: {', '.join(registry.names(kind))}")])
        report(output_problems(settings, raw.get("outputMode", ("", ""))[1] == OVERRIDE_STANZA, self.checked))
        for spec in sample.tokens:
            try:
                make_provider(spec, sample.tz, sample.resolve)
            except SettingError as exc:
                self.error(str(exc), spec.stanza, f"token.{spec.number}.replacement")
            except OSError as exc:
                self.error(f"cannot read token file: {exc}", spec.stanza, f"token.{spec.number}.replacement")
        report(_time_problems(sample, self.now))
        if str(settings.get("end") or "").strip() == "0":
            self.warnings.append(
                f"{self.origin.get((raw['end'][1], 'end'), self.file_label)}: [{raw['end'][1]}] end: "
                "0 intervals: this sample makes no events (end = -1 never ends)"
            )
        generator_name = settings.get("generator")
        generator = registry.get("generator", generator_name) if registry.has("generator", generator_name) else None
        if generator is not None and getattr(generator, "needs_sample_file", True) and file_path is None:
            dirs = ", ".join(str(d) for d in sample.sample_dirs)
            self.error(f"no sample file matches this stanza in {dirs}", sample.stanza)
            return
        needs_file = file_path is not None and getattr(generator, "needs_sample_file", False)
        if needs_file and self.check_events(sample, raw) and sample.tokens:  # events read (and checked) first
            self.check_token_matches(sample, file_path)
        for plugin_check in _plugin_validators(settings):
            try:
                report(plugin_check(sample))
            except ConfigError as exc:  # raised, not returned: kept, unless it is the events check_events named
                if exc is not sample.read_error and not any(
                    e.stanza == exc.stanza and e.key == exc.key for e in self.errors
                ):
                    self.errors.append(exc)

    def check_events(self, sample: Sample, raw: dict[str, tuple[str, str]]) -> bool:
        """Read the sample's events (decoding, CSV columns, the breaker under its time bound): False, with the
        error recorded, when it cannot be read or has none."""
        try:
            texts = sample.data.texts
        except ConfigError as exc:
            if exc.key == "breaker":  # a setting of the conf: named where it was set
                self.error(exc.message, raw.get("breaker", ("", sample.stanza))[1], "breaker")
            elif not any(e.stanza == exc.stanza and e.key == exc.key for e in self.errors):
                self.errors.append(exc)
            return False
        if not texts:
            what = "no rows under its header" if sample.settings.get("sampletype") == "csv" else "no events"
            self.errors.append(
                ConfigError(f"sample file has {what} (empty or blank lines only)", str(sample.path), sample.stanza)
            )
            return False
        return True

    def check_token_matches(self, sample: Sample, file_path: Path) -> None:
        """Run every token regex on the sample's events, as the render plan will, under a time bound: a regex
        that backtracks catastrophically is an error, one that matches no event a warning."""
        try:
            texts = sample.data.texts
        except ConfigError as exc:
            self.errors.append(exc)
            return
        if not texts:
            return
        try:
            found = tokens_found(texts, sample.tokens, REGEX_LIMIT)
        except RegexTimeout as exc:
            spec = sample.tokens[exc.token]
            self.error(
                f"regex {spec.pattern.pattern!r} takes over {REGEX_LIMIT:g}s on event {exc.event + 1} "
                f"of {file_path}: catastrophic backtracking (nested repeats like (a+)+?); refused",
                spec.stanza,
                f"token.{spec.number}.token",
            )
            return
        for spec, hit in zip(sample.tokens, found, strict=True):
            if not hit and spec.stanza != "global":  # [global] tokens are for every sample, not each
                key = f"token.{spec.number}.token"
                self.warnings.append(
                    f"{self.origin.get((spec.stanza, key), self.file_label)}: [{spec.stanza}] "
                    f"{key}: regex {spec.pattern.pattern!r} matches no event of {file_path}; "
                    "nothing is replaced"
                )


def _time_problems(sample: Sample, now: float | None) -> list[tuple[str, str]]:
    """(key, message) for each time setting that cannot be read and, with a reference time `now`, each that
    contradicts another at it: earliest after latest, a backfill in the future, an end time before the start."""
    problems = []
    times: dict[str, float] = {}
    checked_at = time.time() if now is None else now
    for key in ("backfill", "end", "earliest", "latest"):
        value = sample.settings.get(key)
        if value is None or (key == "end" and str(value).strip().lstrip("-").isdigit()):
            continue
        try:
            times[key] = parse_time(str(value), checked_at, sample.tz)
        except SettingError as exc:
            problems.append((key, str(exc)))
    if now is None:
        return problems
    settings = sample.settings
    if "earliest" in times and "latest" in times and times["earliest"] > times["latest"]:
        problems.append(
            (
                "earliest",
                f"earliest = {settings['earliest']} ({_shown(times['earliest'])}) is after latest = "
                f"{settings['latest']} ({_shown(times['latest'])}): earliest must not be later than latest",
            )
        )
    if "backfill" in times and times["backfill"] > now:
        problems.append(
            (
                "backfill",
                f"backfill = {settings['backfill']} ({_shown(times['backfill'])}) is in the future: backfill "
                "starts the run in the past (e.g. -1h, -7d@d)",
            )
        )
    start = min(times.get("backfill", now), now)
    if "end" in times and times["end"] < start:
        since = f"backfill = {settings['backfill']}" if "backfill" in times else "now"
        problems.append(
            (
                "end",
                f"end = {settings['end']} ({_shown(times['end'])}) is before the start ({since}, "
                f"{_shown(start)}): nothing would be made; give a later end, an earlier backfill, or a "
                "number of intervals",
            )
        )
    return problems


def _shown(epoch: float) -> str:
    """An epoch as a short local ISO time for messages."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(epoch))


def _plugin_validators(settings: Settings):
    """`validate(sample)` hooks of the plugins a sample uses: yield (key, message) pairs."""
    names = [
        ("generator", settings.get("generator")),
        ("rater", settings.get("rater")),
        ("input", settings.get("input")),
    ]
    names += [("output", name) for name in settings.get("outputMode") or []]
    for kind, name in names:
        if name and registry.has(kind, name):
            check = getattr(registry.get(kind, name), "validate", None)
            if check is not None:
                yield check


def _by_specificity(stanzas: list[str], file_name: str) -> list[str]:
    """Least specific first: regexes before literal names, shorter before longer."""

    def rank(stanza: str) -> tuple[int, int]:
        literal = stanza == file_name or re.escape(file_name) == stanza
        return (1 if literal else 0, len(stanza))

    return sorted(stanzas, key=rank)
