"""The plugin API: the only module plugins import.

Bases (one per kind) and the registry, the job and batch types, declared settings and their parsers,
time helpers and the render toolkit generators build on, and the errors a plugin may raise.
"""

from eventgen.conf.settings import (
    Setting,
    SettingError,
    at_least,
    choice,
    parse_bool,
    parse_float,
    parse_int,
    parse_json,
    parse_list,
    parse_str,
)
from eventgen.errors import ConfigError, EventgenError, TemplateError
from eventgen.plugin.base import (
    Delivery,
    GeneratorPlugin,
    InputPlugin,
    OutputError,
    OutputPlugin,
    RaterPlugin,
    Tick,
    registry,
)
from eventgen.render.batch import EventBatch, GenerationJob
from eventgen.render.tokens import RenderContext, RenderPlan, TokenSpec, make_provider, take
from eventgen.schedule.time import TimeFormatter, parse_time, parse_timezone, per_second

__all__ = [
    "ConfigError", "Delivery", "EventBatch", "EventgenError", "GenerationJob", "GeneratorPlugin", "InputPlugin",
    "OutputError", "OutputPlugin", "RaterPlugin", "RenderContext", "RenderPlan", "Setting", "SettingError",
    "TemplateError", "Tick", "TimeFormatter", "TokenSpec", "at_least", "choice", "make_provider", "parse_bool",
    "parse_float", "parse_int", "parse_json", "parse_list", "parse_str", "parse_time", "parse_timezone",
    "per_second", "registry", "take",
]  # fmt: skip
