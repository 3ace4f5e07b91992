"""Splunk apps loaded into a RunConfig: one app folder (`default/` then `local/`), or every enabled app of a folder
of apps (`etc/apps`), and what the command line's CONF / --apps-dir name.

`disabled = true` in an app's eventgen.conf `[global]` turns off every stanza (stanzas may turn themselves back
on). Several apps run in one RunConfig: each sample is labelled `app:sample`, and the engine settings (`[global]`
threading, workers, queues…) are the first enabled app's, in name order, with command-line overrides on top.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from eventgen.conf.apps import CONF_NAME, App, find_apps, is_app
from eventgen.conf.stanzas import Sections
from eventgen.core.errors import ConfigError, ConfigErrors
from eventgen.resolve.config import RunConfig
from eventgen.resolve.loader import load

log = logging.getLogger(__name__)


def load_app(
    app_dir: str | Path,
    overrides: Mapping[str, str] | None = None,
    only: str | None = None,
    base_layers: Sequence[tuple[str, Sections]] = (),
    now: float | None = None,
    require_samples: bool = True,
) -> RunConfig:
    """Load one app: `base_layers`, then default/eventgen.conf, then local/eventgen.conf."""
    app = App(Path(app_dir).resolve())
    files = app.conf_files()
    if not files:
        raise ConfigErrors(
            [
                ConfigError(
                    f"not an app folder: no default/{CONF_NAME} or local/{CONF_NAME} "
                    "(give --apps-dir for a folder of apps)",
                    str(app_dir),
                )
            ]
        )
    # the conf's folder is <app>/default (or <app>/local): `../samples` is the app's samples/
    return load(
        files[0],
        overrides,
        only,
        layers=[*base_layers, *app.layers()],
        app=app.name,
        now=now,
        require_samples=require_samples,
    )


def load_apps(
    apps_dir: str | Path,
    overrides: Mapping[str, str] | None = None,
    only: str | None = None,
    base_layers: Sequence[tuple[str, Sections]] = (),
    exclude: Iterable[str] = (),
    now: float | None = None,
) -> RunConfig:
    """Load every enabled app under `apps_dir` into one RunConfig; errors of all apps are raised together."""
    apps = find_apps(apps_dir, exclude)
    if not apps:
        raise ConfigErrors(
            [ConfigError(f"no app with default/{CONF_NAME} or local/{CONF_NAME} in this folder", str(apps_dir))]
        )
    configs: list[RunConfig] = []
    errors: list[ConfigError] = []
    for app in apps:
        if app.disabled:
            log.info("app %s is disabled (app.conf [install] state = disabled): skipped", app.name)
            continue
        try:
            # in a folder of apps, one whose eventgen.conf has no sample stanza adds nothing (not an error)
            configs.append(load_app(app.path, overrides, None, base_layers, now, require_samples=False))
        except ConfigErrors as exc:
            errors.extend(exc.errors)
    if errors:
        raise ConfigErrors(errors)
    root = Path(apps_dir).resolve()
    if configs:
        engine = configs[0].engine
    else:
        globals_only = [(label, {"global": s.get("global", {})}) for label, s in base_layers]
        engine = load(root, overrides, layers=globals_only or [("(defaults)", {})], require_samples=False).engine
    samples = [sample for config in configs for sample in config.samples]
    warnings = [w for config in configs for w in config.warnings]
    for config in configs[1:]:
        if config.engine != engine:
            warnings.append(
                f"{config.path}: [global] engine settings differ from the first app's and are "
                f"ignored; those of {configs[0].path} apply"
            )
            log.warning("%s", warnings[-1])
    if only:
        samples = _only(samples, only, str(root))
    return RunConfig(root, engine, samples, warnings)


def _only(samples: list, only: str, where: str) -> list:
    try:
        wanted = re.compile(only)
    except re.error as exc:
        raise ConfigErrors([ConfigError(f"--sample regex does not compile ({exc})")]) from None
    kept = [s for s in samples if wanted.fullmatch(s.name) or wanted.fullmatch(s.stanza) or wanted.fullmatch(s.label)]
    if not kept:
        raise ConfigErrors([ConfigError(f"no sample matches --sample {only!r}", where)])
    return kept


def load_target(
    conf: str | None,
    apps_dir: str | None,
    overrides: Mapping[str, str] | None = None,
    only: str | None = None,
    now: float | None = None,
) -> RunConfig:
    """What the CLI's CONF / --apps-dir name: a conf file, an app folder, an app name under
    `$SPLUNK_HOME/etc/apps`, or (with --apps-dir) every app in a folder."""
    if apps_dir:
        if conf:
            raise ConfigErrors([ConfigError("give either CONF or --apps-dir, not both")])
        return load_apps(apps_dir, overrides, only, now=now)
    if not conf:
        raise ConfigErrors([ConfigError("give an eventgen.conf, an app folder, or --apps-dir DIR")])
    path = Path(conf)
    splunk_home = os.environ.get("SPLUNK_HOME")
    if not path.exists() and splunk_home and os.sep not in conf and is_app(Path(splunk_home, "etc", "apps", conf)):
        path = Path(splunk_home, "etc", "apps", conf)
    if path.is_dir():
        if not is_app(path) and (path / CONF_NAME).is_file():
            return load(path / CONF_NAME, overrides, only, now=now)
        return load_app(path, overrides, only, now=now)
    return load(path, overrides, only, now=now)
