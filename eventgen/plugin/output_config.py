"""An output instance's config: frozen and typed, built once from the output's declarations, the core keys every
output reads (`SHARED_OUTPUT_KEYS`) and the core settings it names (`core_settings`), plus the instance it
configures (`file`, or `file#archive` for a second file output of one `outputMode`).

Two samples share an output instance exactly when their configs are equal, so a setting can never be read from one
sample and silently applied to another: reading a name the output did not declare raises AttributeError.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, cast

from eventgen.conf.core_settings import SAMPLE
from eventgen.conf.files import read_text
from eventgen.core.config import Config
from eventgen.core.settings import SettingError
from eventgen.format.text import EventText
from eventgen.plugin.configs import plugin_config_type

# core keys every output reads: spooling, the retry budget, giving up, and what each event's text is
SHARED_OUTPUT_KEYS = (
    "spoolFailedTo",
    "outputRetries",
    "outputGiveUpBatches",
    "outputGiveUpSeconds",
    "outputFormat",
    "outputTemplate",
    "outputTemplateFile",
    "outputJsonIndent",
)
# outputFormatBy's keys: what each event's text is, and how text outputs separate and encode it (plugin.framing)
FORMAT_KEYS = (
    "outputFormat",
    "outputTemplate",
    "outputTemplateFile",
    "outputJsonIndent",
    "outputSeparator",
    "outputEncoding",
)


class OutputConfig(Config):
    """Base of every output's config type: its settings as attributes, and `instance`, the `outputMode` entry it
    configures (part of its identity: `file` and `file#archive` never share an instance)."""

    __slots__ = ("instance",)
    output: ClassVar[str] = ""  # the output's name

    @classmethod
    def of(cls, values: Mapping[str, Any] | None = None, /, instance: str = "", **more: Any) -> OutputConfig:
        config = object.__new__(cls)
        object.__setattr__(config, "instance", instance or cls.output)
        config._fill(values or {}, more)
        return config

    def _key(self) -> tuple[Any, ...]:
        return (*super()._key(), self.instance)

    def replace(self, **changes: Any) -> OutputConfig:
        unknown = set(changes) - self._names
        if unknown:
            raise AttributeError(f"{self.title} declares no setting {', '.join(sorted(unknown))}")
        return type(self).of({**self.as_dict(), **changes}, instance=self.instance)


# `plugin` below is an output class (OutputPlugin, which imports this module): its name, settings and core keys


def output_config_type(plugin: Any) -> type[OutputConfig]:
    return cast("type[OutputConfig]", plugin_config_type(plugin, OutputConfig, output=plugin.name))


def output_config(plugin: Any, settings: Mapping[str, Any], instance: str = "") -> OutputConfig:
    """The config of `instance` (an outputMode entry: the output's name, or `name#label`): the sample's settings,
    then its `outputFormatBy` entry (format keys, those it leaves out taking their defaults; for `name#label` also
    the output's own settings, those it leaves out taking their declared defaults, never the first instance's
    values). A SettingError names the entry's key that is not the output's or does not parse."""
    instance = instance or plugin.name
    by = settings.get("outputFormatBy")
    own = by.get(instance) if isinstance(by, dict) else None
    values: Mapping[str, Any] = settings
    if isinstance(own, dict):
        layered = format_settings(own)
        if instance != plugin.name:
            layered.update({s.name: s.default_value() for s in plugin.settings})
            layered.update(instance_settings(plugin, own))
        values = _Layered(settings, layered)
    elif instance != plugin.name:  # a second instance without an entry: its own settings are the defaults
        values = _Layered(settings, {s.name: s.default_value() for s in plugin.settings})
    return output_config_type(plugin).of(values, instance=instance)


class _Layered(Mapping[str, Any]):
    """`top` over `base`, read by name only (a sample's settings are never copied)."""

    def __init__(self, base: Mapping[str, Any], top: Mapping[str, Any]):
        self.base, self.top = base, top

    def __getitem__(self, key: str) -> Any:
        return self.top[key] if key in self.top else self.base[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.top[key] if key in self.top else self.base.get(key, default)

    def __iter__(self):
        return iter({**dict.fromkeys(self.base), **dict.fromkeys(self.top)})

    def __len__(self) -> int:
        return len(set(self.base) | set(self.top))


def instance_settings(plugin: Any, own: Mapping[str, Any]) -> dict[str, Any]:
    """An output instance's own settings from its `outputFormatBy` entry, parsed by their declarations; a
    SettingError names the first key that is not the output's or does not parse."""
    declared = {s.name: s for s in plugin.settings}
    values: dict[str, Any] = {}
    for key, raw in own.items():
        if key in FORMAT_KEYS:
            continue
        setting = declared.get(key)
        if setting is None:
            raise SettingError(f"{key}: not a setting of output {plugin.name}")
        text = raw if isinstance(raw, str) else json.dumps(raw)
        try:
            values[key] = setting.parse(text)
        except SettingError as exc:
            raise SettingError(f"{key}: {exc}") from None
    return values


def format_settings(own: Mapping[str, Any]) -> dict[str, Any]:
    """The format keys of an `outputFormatBy` entry (those it leaves out are None), parsed by their declarations;
    a SettingError names the key that does not parse."""
    declared = {s.name: s for s in SAMPLE.settings if s.name in FORMAT_KEYS}
    values: dict[str, Any] = {}
    for key in FORMAT_KEYS:
        raw = own.get(key)
        try:
            values[key] = None if raw is None else declared[key].parse(raw if isinstance(raw, str) else json.dumps(raw))
        except SettingError as exc:
            raise SettingError(f"{key}: {exc}") from None
    return values


def event_text_of(config: Config) -> EventText:
    """The `outputFormat` of an output's config, compiled (templates from a file read once)."""
    template = config.outputTemplate
    path = config.outputTemplateFile
    if config.outputFormat in ("template", "jinja", "jinjabatch") and not template and path:
        text = read_text(path)  # a brace template is one line; a Jinja file loses its last newline, as Jinja's do
        template = text.rstrip("\n") if config.outputFormat == "template" else text.removesuffix("\n")
    return EventText(config.outputFormat, template, config.outputJsonIndent)
