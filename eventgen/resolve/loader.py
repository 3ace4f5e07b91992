"""A conf → RunConfig: its stanzas layered (`conf.stanzas`), resolved against the plugins and checked.

Layering: declared defaults ← `[global]` ← matching sample stanzas (least specific first) ←
command-line overrides. Every error names file, stanza and key; all errors are reported at once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eventgen.conf import splunk_spec as spec
from eventgen.conf.core_settings import GLOBAL, EngineConfig
from eventgen.conf.files import path_problem
from eventgen.conf.sample import Sample
from eventgen.conf.stanzas import OVERRIDE_STANZA, Problems, SampleLayers, Sections, Stanzas
from eventgen.conf.syntax import read_conf
from eventgen.core.config import Config
from eventgen.core.errors import ConfigError, ConfigErrors
from eventgen.core.settings import Setting, SettingError, Settings
from eventgen.core.tokens import is_token_key, token_specs
from eventgen.plugin.registry import registry
from eventgen.resolve.autotimestamp import auto_tokens
from eventgen.resolve.checks import check_sample, missing_file
from eventgen.resolve.config import RunConfig
from eventgen.resolve.groups import fold_schedule_groups, members_inherit
from eventgen.resolve.ignored import ignored_settings
from eventgen.resolve.plugins import choose_plugins, chosen_classes, setting_table

log = logging.getLogger(__name__)

__all__ = ["RunConfig", "load"]


def load(
    path: str | Path,
    overrides: Mapping[str, str] | None = None,
    only: str | None = None,
    layers: list[tuple[str, Sections]] | None = None,
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
    stanzas = Stanzas.layered(conf_path, layers, dict(overrides or {}), app)
    return _Resolver(stanzas, now).run(only, require_samples)


class _Resolver:
    def __init__(self, stanzas: Stanzas, now: float | None):
        self.stanzas = stanzas
        self.now = now
        self.problems = Problems(stanzas)
        self.checked: dict = {}  # output instance checks by config: samples sharing an instance are checked once
        plugin_dirs = stanzas.global_values.get("pluginDir")
        if plugin_dirs:
            registry.add_dirs(stanzas.conf_dir / p.strip() for p in plugin_dirs.split(",") if p.strip())
        stanzas.sections = members_inherit(stanzas.sections)
        self.table = setting_table()

    def run(self, only: str | None, require_samples: bool = True) -> RunConfig:
        stanzas, problems = self.stanzas, self.problems
        if stanzas.sections.get("default"):
            problems.warnings.append(f"{stanzas.file_label}: [default] is reserved; its settings are ignored")
        if require_samples and not stanzas.sample_stanzas():
            problems.error("no sample stanza: nothing to generate (add a [stanza] naming a sample file)")
        engine = self.engine_settings()
        samples: list[Sample] = []
        missing: list[tuple[Sample, str]] = []
        for file_path, names in self.selected(stanzas.match_files(problems), only):
            sample = self.build_sample(file_path, names)
            why = missing_file(sample)
            if why is not None and not sample.settings["disabled"]:
                missing.append((sample, why))
            elif not sample.settings["disabled"]:
                samples.append(sample)
        # Splunk Eventgen skips such a stanza and runs the rest; with no rest, refused (but in a folder of apps, the
        # other apps are the rest: `require_samples` is False there)
        for sample, why in missing:
            if samples or not require_samples:
                problems.note(
                    f"{stanzas.file_of(sample.stanza, '')}: [{sample.stanza}]: no matching files: {why}; "
                    "this stanza is skipped, the others run"
                )
            else:
                problems.error(why, sample.stanza)
        samples = fold_schedule_groups(samples, problems)
        if only:
            samples = self.only(samples, only)
        for warning in problems.warnings:  # also when there are errors: an unknown key is often their cause
            log.warning("%s", warning)
        if problems.errors:
            raise ConfigErrors(problems.errors)
        return RunConfig(stanzas.conf_path, engine, samples, problems.warnings)

    def selected(
        self, found: list[tuple[Path | None, list[str]]], only: str | None
    ) -> list[tuple[Path | None, list[str]]]:
        """The (file, stanzas) that `--sample` keeps, chosen before they are built and checked (so a stanza left
        out is not checked); those in a `scheduleGroup` are kept for `only` to choose once the groups are folded."""
        if not only:
            return found
        try:
            wanted = re.compile(only)
        except re.error:
            return found  # `only` reports it
        sections = self.stanzas.sections

        def keep(path: Path | None, names: list[str]) -> bool:
            name = path.name if path is not None else names[-1]
            grouped = any("scheduleGroup" in sections.get(stanza, {}) for stanza in names)
            return grouped or bool(wanted.fullmatch(name) or wanted.fullmatch(names[-1]))

        return [(path, names) for path, names in found if keep(path, names)]

    def only(self, samples: list[Sample], only: str) -> list[Sample]:
        try:
            wanted = re.compile(only)
        except re.error as exc:
            raise ConfigErrors([ConfigError(f"--sample regex does not compile ({exc})")]) from None
        kept = [s for s in samples if wanted.fullmatch(s.name) or wanted.fullmatch(s.stanza)]
        if not kept and not self.problems.errors:
            self.problems.errors.append(ConfigError(f"no sample matches --sample {only!r}", self.stanzas.file_label))
        return kept

    def engine_settings(self) -> Config:
        values: dict[str, Any] = {}
        given = self.stanzas.global_values
        for setting in GLOBAL.settings:
            raw = self.stanzas.overrides.get(setting.name, given.get(setting.name, setting.default))
            values[setting.name] = self.parse(setting, raw, "global")
        return EngineConfig.of(values)

    def parse(self, setting: Setting, raw: str | None, stanza: str) -> Any:
        if raw is None:
            return None
        try:
            return setting.parse(raw)
        except SettingError as exc:
            self.problems.error(str(exc) + spec.explain_value(setting.name, raw), stanza, setting.name)
            return None

    def build_sample(self, file_path: Path | None, names: list[str]) -> Sample:
        layers = self.stanzas.sample_layers(names)
        raw, main = layers.raw, layers.main
        settings: dict[str, Any] = {}
        for name, setting in self.table.items():
            if setting.scope == "global":
                continue
            value, stanza = raw.get(name, (setting.default, main))
            settings[name] = self.parse(setting, value, stanza)
        self.warn_unknown(layers)
        choose_plugins(settings, raw, main, self.table, self.parse)
        if not settings.get("source"):
            settings["source"] = file_path.name if file_path is not None else main
        tokens, token_problems = token_specs(layers.tokens)
        for problem in token_problems:
            self.problems.error(problem.message, problem.stanza, problem.key)
        sample = Sample(
            name=file_path.name if file_path else main,
            stanza=main,
            settings=Settings(settings),
            tokens=tokens,
            conf_path=self.stanzas.conf_path,
            path=file_path,
            sample_dirs=self.stanzas.sample_dirs(raw["sampleDir"].text if "sampleDir" in raw else None),
            app=self.stanzas.app,
            plugins=chosen_classes(settings),
        )
        if not settings.get("disabled"):
            check_sample(sample, layers, file_path, self.problems, self.now, self.checked)
            if file_path is not None and sample.read_error is None and settings.get("autotimestamp"):
                sample.tokens += auto_tokens(sample, layers.stanza_of("autotimestamp", main))
            self.warn_ignored(sample, layers)
        return sample

    def warn_unknown(self, layers: SampleLayers) -> None:
        """A warning for each key no declaration knows, and for each global-only key a sample stanza sets."""
        for key, (_, stanza) in layers.raw.items():
            if key not in self.table and stanza != OVERRIDE_STANZA:
                self.spec_setting(key, stanza)
            elif key in self.table and self.table[key].scope == "global" and stanza not in ("global", OVERRIDE_STANZA):
                self.problems.note(f"{self.stanzas.file_label}: [{stanza}] {key}: only read from [global]")

    def spec_setting(self, key: str, stanza: str) -> None:
        """A key no declaration knows: explained from Splunk Eventgen's spec (`conf.splunk_spec`), else unknown."""
        entry = spec.BY_NAME.get(key)
        if entry is None:
            self.problems.warn("unknown setting, ignored", stanza, key)
        elif entry.status is spec.Status.REFUSED:
            self.problems.error(f"Splunk Eventgen's {key} is not supported: {entry.reason}", stanza, key)
        elif entry.status is spec.Status.SUPPORTED:  # its owner plugin is not installed
            self.problems.warn(f"ignored: {entry.reason}", stanza, key)
        else:
            self.problems.warn(f"ignored (Splunk Eventgen setting): {entry.reason}", stanza, key)

    def warn_ignored(self, sample: Sample, layers: SampleLayers) -> None:
        """A warning for each setting the sample's stanzas set that its generator, input and rater ignore
        (keys from `[global]` and the command line are left alone: they apply to every stanza)."""
        if layers.stanza_of("input", "") == OVERRIDE_STANZA:
            return  # `--rate` chose the schedule for every stanza
        sections = self.stanzas.sections
        keys = {key: stanza for stanza in layers.stanzas for key in sections[stanza] if not is_token_key(key)}
        for key, reason in ignored_settings(sample, keys):
            self.problems.warn(f"ignored: {reason}", keys[key], key)
