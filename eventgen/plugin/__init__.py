"""The plugin API: the only module plugins import.

Bases (one per kind) and the registry, the job and batch types, declared settings and their parsers,
time helpers and the render toolkit generators build on, the formatters outputs choose from (and
the `Payload` they make), the errors a plugin may raise, and the helpers built-in plugins share (so that no
plugin imports another): `SampleGenerator` (sample events with tokens), `TableRater` (rate tables), the
schedules' `base_count` / `tick_window` / `moment`, and replay's `event_times`.
"""

from eventgen.conf.files import read_text, writable_dir_problem, writable_file_problem
from eventgen.core.batch import EventBatch, GenerationJob
from eventgen.core.config import Config
from eventgen.core.errors import ConfigError, EventgenError, TemplateError
from eventgen.core.settings import (
    PathKind,
    Setting,
    SettingError,
    at_least,
    choice,
    host_port,
    host_port_list,
    host_problem,
    http_url,
    parse_bool,
    parse_float,
    parse_host,
    parse_int,
    parse_json,
    parse_list,
    parse_str,
    port,
    url_list,
    url_port,
)
from eventgen.core.timeutil import TimeFormatter, micros, parse_time, parse_timezone, per_second, split_time
from eventgen.core.tokens import TokenSpec
from eventgen.format.envelopes import BulkDocuments, HecEvent, HecRaw, ModinputXml
from eventgen.format.hec_metric import HecMetric
from eventgen.format.payload import Payload
from eventgen.format.syslog import SyslogFrames, SyslogHeaders
from eventgen.format.text import EventText
from eventgen.plugin.base import GeneratorPlugin, InputPlugin, RaterPlugin, generator_class, generator_of
from eventgen.plugin.framing import Framed, TextFrames
from eventgen.plugin.generator_helpers import META_KEYS, SampleProblem, event_meta, sorted_job_times
from eventgen.plugin.inputs import base_count, moment, tick_window
from eventgen.plugin.output import Delivery, LineFrames, OutputConfig, OutputError, OutputPlugin, WriteResult
from eventgen.plugin.rate_tables import TABLES, TableRater, rate_table
from eventgen.plugin.registry import registry
from eventgen.plugin.replay_times import TIME_TOKENS, event_times, matched, parse_stamp, token_formats
from eventgen.plugin.retry import Action, RetryLogic
from eventgen.plugin.sample_generator import SampleGenerator, expand_indexes
from eventgen.plugin.state import GLOBALS, LockedState, State
from eventgen.render.providers import make_provider
from eventgen.render.tokens import RenderContext, RenderPlan, take
from eventgen.schedule.tick import LiveRun, Tick

__all__ = [
    "GLOBALS", "META_KEYS", "TABLES", "TIME_TOKENS", "Action", "BulkDocuments", "Config", "ConfigError", "Delivery",
    "EventBatch", "EventText", "EventgenError", "Framed", "GenerationJob", "GeneratorPlugin", "HecEvent", "HecMetric",
    "HecRaw", "InputPlugin", "LineFrames", "LiveRun", "LockedState", "ModinputXml", "OutputConfig", "OutputError",
    "OutputPlugin", "PathKind", "Payload", "RaterPlugin", "RenderContext", "RenderPlan", "RetryLogic",
    "SampleGenerator", "SampleProblem", "Setting", "SettingError", "State", "SyslogFrames", "SyslogHeaders",
    "TableRater", "TemplateError", "TextFrames", "Tick", "TimeFormatter", "TokenSpec", "WriteResult", "at_least",
    "base_count", "choice", "event_meta", "event_times", "expand_indexes", "generator_class", "generator_of",
    "host_port", "host_port_list", "host_problem", "http_url", "make_provider", "matched", "micros", "moment",
    "parse_bool", "parse_float", "parse_host", "parse_int", "parse_json", "parse_list", "parse_stamp", "parse_str",
    "parse_time", "parse_timezone", "per_second", "port", "rate_table", "read_text", "registry", "sorted_job_times",
    "split_time", "take", "tick_window", "token_formats", "url_list", "url_port", "writable_dir_problem",
    "writable_file_problem",
]  # fmt: skip
