"""The conf as the studio shows it: raw stanzas, each sample's effective settings (and which differ from their
defaults), its schedule keys and window, errors, warnings and the files it may edit."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from eventgen.conf.sample import Sample
from eventgen.conf.syntax import parse_conf
from eventgen.core.errors import ConfigError, ConfigErrors, EventgenError
from eventgen.core.settings import SettingError, index
from eventgen.plugin.registry import registry
from eventgen.resolve.plugins import all_groups
from eventgen.schedule.plan import window_for
from eventgen.tools.studio.convert import jsonable
from eventgen.tools.studio.errors import error_dict
from eventgen.tools.studio.files import Files
from eventgen.tools.studio.schedule_keys import schedule_settings

if TYPE_CHECKING:
    from eventgen.tools.studio.workspace import Workspace


def parse_stanzas(text: str) -> dict[str, dict[str, str]]:
    """Raw stanzas of conf text, read as `eventgen.conf.syntax.read_conf` reads a file (Splunk syntax:
    BOM, backslash continuation); a parse error is a ConfigError naming the line."""
    return parse_conf(text, "")


def config_view(workspace: Workspace, conf_text: str | None = None) -> dict[str, Any]:
    """Raw stanzas, effective settings per sample, errors and warnings, editable files."""
    text = workspace.conf_text() if conf_text is None else conf_text
    view: dict[str, Any] = {
        "conf": str(workspace.conf),
        "text": text,
        "stanzas": {},
        "samples": [],
        "errors": [],
        "warnings": [],
        "files": [str(workspace.conf)],
        "plugins": {kind: registry.names(kind) for kind in ("generator", "input", "rater")},
        "seed": workspace.seed,
        "seed_source": "--seed" if workspace.seed is not None else "unset",
        "project": workspace.project,  # stanzas are then the translation's: shown, not edited
    }
    try:
        if not workspace.project:
            view["stanzas"] = parse_stanzas(text)
    except ConfigError as exc:
        view["errors"] = [{"file": str(workspace.conf), "stanza": "", "key": "", "message": exc.message}]
        return view
    try:
        with workspace.loaded(conf_text) as config:
            if workspace.project and config.project is not None:
                view["stanzas"] = config.project["sections"]
            view["samples"] = [describe(sample) for sample in config.samples]
            view["seed"], view["seed_source"] = workspace.effective_seed(None, config)
            view["warnings"] = list(config.warnings)
            view["files"] = [str(p) for p in Files(workspace).listing(config)]
    except ConfigErrors as exc:
        view["errors"] = [error_dict(e) for e in exc.errors]
    except EventgenError as exc:
        view["errors"] = [{"file": str(workspace.conf), "stanza": "", "key": "", "message": str(exc)}]
    return view


def describe(sample: Sample) -> dict[str, Any]:
    """One sample: its plugins, effective settings, the settings changed from their defaults, tokens, the
    settings that shape its schedule, its schedules and the histogram's default window."""
    ordered = sorted(sample.settings.items(), key=lambda kv: kv[0].lower())
    settings = {key: jsonable(value) for key, value in ordered}
    return {
        "label": sample.label,
        "name": sample.name,
        "stanza": sample.stanza,
        "path": str(sample.path) if sample.path else None,
        "generator": sample.settings["generator"],
        "input": sample.settings["input"],
        "rater": sample.settings["rater"],
        "settings": settings,
        "changed": changed_settings(sample),
        "tokens": [
            {
                "number": t.number,
                "token": t.pattern.pattern,
                "replacementType": t.rtype,
                "replacement": t.replacement,
                "stanza": t.stanza,
            }
            for t in sample.tokens
        ],
        "schedule_keys": [k for k in schedule_settings(sample) if k in settings],
        "schedules": [{"stanza": m.stanza, "input": m.settings["input"]} for m in sample.schedules],
        "window": default_window(sample),
    }


def changed_settings(sample: Sample) -> list[str]:
    """The sample's settings whose value is not their declared default, sorted."""
    table = index(all_groups())
    changed = []
    for key, value in sample.settings.items():
        declared = table.get(key)
        try:
            default = declared.default_value() if declared else None
        except SettingError:
            default = None
        if jsonable(value) != jsonable(default):
            changed.append(key)
    return sorted(changed)


def default_window(sample: Sample) -> dict[str, Any]:
    """The histogram's window for the sample: its backfill (or the last day) to its end (or now)."""
    end = sample.settings.get("end")
    end_text = str(end).strip() if end is not None else ""
    return {
        "start": sample.settings.get("backfill") or "-24h@h",
        "end": end_text if end_text and not re.fullmatch(r"-?\d+", end_text) else "now",
        "historical": window_for(sample, time.time()).bounded,
    }
