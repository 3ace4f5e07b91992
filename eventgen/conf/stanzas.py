"""A conf's stanzas, layered: files (an app's default/ then local/, or one conf), `[global]`, the stanzas that
match a sample file (least specific first) and the command line's overrides, each value remembering the file and
stanza that set it.

Stanza names are regexes matched against whole file names in the sample folders. This is shape only: which keys
mean something, and to which plugin, is `resolve`'s to say.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from eventgen.core.errors import ConfigError
from eventgen.core.tokens import is_token_key

OVERRIDE_STANZA = "command line"
RESERVED = ("global", "default")  # stanzas that name no sample
# the flag that set each override, named in its errors instead of the key
OVERRIDE_FLAGS = {
    "count": "-c/--count",
    "interval": "-i/--interval",
    "backfill": "-b/--backfill",
    "end": "-e/--end",
    "generatorWorkers": "--generators",
    "rate": "--rate",
}

Sections = dict[str, dict[str, str]]


class Value(NamedTuple):
    """A raw setting as a sample sees it: its text and the stanza that set it (`global`, a sample stanza, or
    OVERRIDE_STANZA)."""

    text: str
    stanza: str


@dataclass
class SampleLayers:
    """The raw settings of one sample: `[global]` ← its stanzas (least specific first) ← overrides, and its
    `token.N.*` layers, most specific stanza first (`[global]`'s last)."""

    stanzas: list[str]  # least specific first; the last is the sample's own stanza
    raw: dict[str, Value]
    tokens: list[tuple[str, dict[str, str]]]

    @property
    def main(self) -> str:
        return self.stanzas[-1]

    def stanza_of(self, key: str, default: str) -> str:
        """The stanza that set `key`, else `default`."""
        value = self.raw.get(key)
        return default if value is None else value.stanza


@dataclass
class Problems:
    """Errors and warnings of one load, each pinned to its file, stanza and key (reported all at once)."""

    stanzas: Stanzas
    errors: list[ConfigError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def error(self, message: str, stanza: str = "", key: str = "") -> None:
        file = self.stanzas.file_of(stanza, key)
        if key in self.stanzas.overrides and stanza in (OVERRIDE_STANZA, "global") and key in OVERRIDE_FLAGS:
            stanza, key = OVERRIDE_STANZA, OVERRIDE_FLAGS[key]
        # one error per stanza and key: a value parsed for every sample it applies to is reported once, and a
        # check that depends on a value that did not parse (a plugin's validate) adds nothing to its error
        if not any(e.stanza == stanza and e.key == key and (key or e.message == message) for e in self.errors):
            self.errors.append(ConfigError(message, file, stanza, key))

    def add(self, exc: ConfigError) -> None:
        """A ConfigError raised by a check, kept unless its stanza and key already have one."""
        if not any(e.stanza == exc.stanza and e.key == exc.key for e in self.errors):
            self.errors.append(exc)

    def warn(self, message: str, stanza: str, key: str) -> None:
        """`file: [stanza] key: message`, the file being the one that set the key."""
        self.note(f"{self.stanzas.file_of(stanza, key)}: [{stanza}] {key}: {message}")

    def note(self, line: str) -> None:
        """A warning line, kept once: a `[global]` key is seen by every sample but warned about once."""
        if line not in self.warnings:
            self.warnings.append(line)


@dataclass
class Stanzas:
    """The stanzas of a conf's layers merged key by key (later files win), with the file each value came from."""

    conf_path: Path
    sections: Sections
    origin: dict[tuple[str, str], str]
    file_label: str  # the last layer's file: what errors without a known origin name
    overrides: dict[str, str] = field(default_factory=dict)
    app: str = ""

    @classmethod
    def layered(
        cls, conf_path: Path, layers: list[tuple[str, Sections]], overrides: dict[str, str], app: str = ""
    ) -> Stanzas:
        merged: Sections = {}
        origin: dict[tuple[str, str], str] = {}
        for label, sections in layers:
            for stanza, values in sections.items():
                merged.setdefault(stanza, {}).update(values)
                for key in values:
                    origin[(stanza, key)] = label
        return cls(conf_path, merged, origin, layers[-1][0], overrides, app)

    @property
    def conf_dir(self) -> Path:
        return self.conf_path.parent if self.conf_path.is_file() else self.conf_path

    @property
    def global_values(self) -> dict[str, str]:
        return self.sections.get("global", {})

    def sample_stanzas(self) -> list[str]:
        return [stanza for stanza in self.sections if stanza not in RESERVED]

    def file_of(self, stanza: str, key: str) -> str:
        """The file that set `key` in `stanza` (the last layer's when unknown)."""
        return self.origin.get((stanza, key), self.file_label)

    def sample_dirs(self, raw_dir: str | None) -> tuple[Path, ...]:
        if raw_dir:
            folder = Path(os.path.expandvars(raw_dir)).expanduser()
            return ((folder if folder.is_absolute() else self.conf_dir / folder).resolve(),)
        if self.app:  # the conf is <app>/default/eventgen.conf: samples are in <app>/samples only
            return ((self.conf_dir / ".." / "samples").resolve(),)
        return ((self.conf_dir / ".." / "samples").resolve(), self.conf_dir)

    def match_files(self, problems: Problems) -> list[tuple[Path | None, list[str]]]:
        """(sample file, stanzas matching it, least specific first) for every file matched, then each stanza that
        matches no file on its own; a stanza name that is not a regex is an error."""
        global_dir = self.global_values.get("sampleDir")
        by_file: dict[Path, list[str]] = {}
        unmatched: list[str] = []
        for stanza in self.sample_stanzas():
            try:
                pattern = re.compile(stanza)
            except re.error as exc:
                problems.error(f"stanza name is not a valid regex ({exc})", stanza)
                continue
            found = False
            for folder in self.sample_dirs(self.sections[stanza].get("sampleDir", global_dir)):
                if not folder.is_dir():
                    continue
                for candidate in sorted(folder.iterdir()):
                    if candidate.is_file() and candidate != self.conf_path and pattern.fullmatch(candidate.name):
                        if stanza not in by_file.setdefault(candidate, []):
                            by_file[candidate].append(stanza)
                        found = True
            if not found:
                unmatched.append(stanza)
        matched = [(path, by_specificity(stanzas, path.name)) for path, stanzas in by_file.items()]
        # a file is one sample even when found in two folders' listings
        return [*matched, *((None, [stanza]) for stanza in unmatched)]

    def sample_layers(self, stanzas: list[str]) -> SampleLayers:
        """A sample's raw settings: `[global]`'s, then its stanzas' (least specific first), then the overrides;
        `token.N.*` keys apart, `[global]`'s being every sample's least specific token layer."""
        raw = {key: Value(value, "global") for key, value in self.global_values.items() if not is_token_key(key)}
        global_tokens = {key: value for key, value in self.global_values.items() if is_token_key(key)}
        token_layers = [("global", global_tokens)] if global_tokens else []
        for stanza in stanzas:
            values = self.sections[stanza]
            tokens = {k: v for k, v in values.items() if is_token_key(k)}
            if tokens:
                token_layers.append((stanza, tokens))
            for key, value in values.items():
                if not is_token_key(key):
                    raw[key] = Value(value, stanza)
        for key, value in self.overrides.items():
            raw[key] = Value(value, OVERRIDE_STANZA)
        return SampleLayers(list(stanzas), raw, token_layers[::-1])


def by_specificity(stanzas: list[str], file_name: str) -> list[str]:
    """Least specific first: regexes before literal names, shorter before longer."""

    def rank(stanza: str) -> tuple[int, int]:
        literal = stanza == file_name or re.escape(file_name) == stanza
        return (1 if literal else 0, len(stanza))

    return sorted(stanzas, key=rank)
