"""The files and folders a conf names, known from declarations only.

A value is a path when its setting declares one (`Setting.path`, a `PathKind`) or when it is the
replacement of a file token (`replacementType = file | mvfile | seqfile`). No other string is ever taken
for a path, whatever it looks like: template variables such as `"pages": ["/", "/cart"]` stay text.

Declared paths resolve where the run reads them: files (`FILE`, `TLS`) as token files do
(`Sample.resolve`: the working directory, the conf's folder, then the sample folders); folders (`FOLDER`)
against the conf's folder, then the sample folders (`pluginDir`: the conf's folder); what the run writes
(`OUTPUT`) against the working directory.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventgen.conf.sample import Sample
from eventgen.core.settings import PathKind, Setting, SettingError
from eventgen.core.tokens import FILE_TOKEN_TYPES, split_column
from eventgen.resolve.config import RunConfig
from eventgen.resolve.plugins import setting_table


@dataclass(frozen=True)
class NamedPath:
    """One path a conf names: where (stanza, key), what it is, the text as written and where it leads."""

    stanza: str
    key: str
    kind: PathKind
    text: str
    path: Path | None  # the file or folder the run uses (resolved); None when it does not exist (yet)


def named_paths(config: RunConfig) -> list[NamedPath]:
    """Every path the conf's declared path settings and file tokens name, engine settings first."""
    table = setting_table()
    conf_dir = config.path.parent
    found = [
        NamedPath("global", key, kind, text, _folder([conf_dir], text) if kind is PathKind.FOLDER else None)
        for key, kind, text in declared(config.engine.as_dict(), table)
    ]
    for sample in config.samples:
        for member in (sample, *sample.schedules):
            found += sample_paths(member, table)
    return found


def sample_paths(sample: Sample, table: Mapping[str, Setting] | None = None) -> list[NamedPath]:
    """The paths one sample's settings and tokens name, resolved as its run would."""
    table = setting_table() if table is None else table
    found = [
        NamedPath(sample.stanza, key, kind, text, _resolve(sample, kind, text))
        for key, kind, text in declared(sample.settings, table)
    ]
    for token in sample.tokens:
        if token.rtype in FILE_TOKEN_TYPES:
            text, _ = split_column(token.replacement)
            key = f"token.{token.number}.replacement"
            found.append(NamedPath(token.stanza or sample.stanza, key, PathKind.FILE, text, _file(sample, text)))
    return found


def declared(values: Mapping[str, Any], table: Mapping[str, Setting]) -> Iterator[tuple[str, PathKind, str]]:
    """(key, kind, text) of each path in settings values (parsed, or raw JSON entries), by declaration only."""
    for key, value in values.items():
        setting = table.get(key)
        if setting is None or setting.path is None or value is None:
            continue
        if setting.path is PathKind.SETTINGS:  # outputFormatBy: entries whose own keys are declared settings
            for entry in value.values() if isinstance(value, Mapping) else ():
                if isinstance(entry, Mapping):
                    yield from declared(entry, table)
            continue
        for text in _texts(setting, value):
            yield key, setting.path, text


def _texts(setting: Setting, value: Any) -> list[str]:
    if setting.path_keys:
        items = list(_under(value, setting.path_keys))
    elif isinstance(value, str):
        items = value.split(",") if getattr(setting.parse, "__name__", "") == "parse_list" else [value]
    elif isinstance(value, list | tuple):
        items = [item for item in value if isinstance(item, str)]
    else:
        items = []
    return [text.strip() for text in items if text.strip()]


def _under(value: Any, keys: tuple[str, ...]) -> Iterator[str]:
    """Strings held directly by one of `keys`, anywhere in a JSON value."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key in keys and isinstance(item, str):
                yield item
            else:
                yield from _under(item, keys)
    elif isinstance(value, list):
        for item in value:
            yield from _under(item, keys)


def _resolve(sample: Sample, kind: PathKind, text: str) -> Path | None:
    if kind is PathKind.FOLDER:
        return _folder([sample.conf_path.parent, *sample.sample_dirs], text)
    if kind is PathKind.OUTPUT:
        return Path.cwd() / Path(os.path.expandvars(text)).expanduser()
    return _file(sample, text)


def _file(sample: Sample, text: str) -> Path | None:
    try:
        return sample.resolve(text).resolve()
    except (SettingError, OSError, RuntimeError):
        return None


def _folder(bases: list[Path], text: str) -> Path | None:
    candidate = Path(os.path.expandvars(text)).expanduser()
    for place in [candidate] if candidate.is_absolute() else [base / candidate for base in bases]:
        try:
            if place.is_dir():
                return place.resolve()
        except (OSError, RuntimeError):
            continue
    return None
