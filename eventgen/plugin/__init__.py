"""The plugin API: the only module plugins import.

Bases (one per kind) and the registry, the job and batch types, declared settings and their parsers,
time helpers and the render toolkit generators build on, the formatters outputs choose from (and
the `Payload` they make), and the errors a plugin may raise.
"""

from eventgen.conf.files import read_text, writable_dir_problem, writable_file_problem
from eventgen.core.batch import EventBatch, GenerationJob
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
from eventgen.format.envelopes import BulkDocuments, HecEvent, HecRaw, ModinputXml
from eventgen.format.payload import Payload
from eventgen.format.syslog import SyslogFrames, SyslogHeaders
from eventgen.format.text import EventText
from eventgen.plugin.base import GeneratorPlugin, InputPlugin, LiveRun, RaterPlugin, Tick, registry
from eventgen.plugin.generator_helpers import META_KEYS, SampleProblem, event_meta, sorted_job_times
from eventgen.plugin.output import Delivery, LineFrames, OutputError, OutputPlugin
from eventgen.plugin.typed_config import plugin_config
from eventgen.render.tokens import RenderContext, RenderPlan, TokenSpec, make_provider, take

__all__ = [
    "META_KEYS", "BulkDocuments", "ConfigError", "Delivery", "EventBatch", "EventText", "EventgenError",
    "GenerationJob", "GeneratorPlugin", "HecEvent", "HecRaw", "InputPlugin", "LineFrames", "LiveRun", "ModinputXml",
    "OutputError", "OutputPlugin", "PathKind", "Payload", "RaterPlugin", "RenderContext", "RenderPlan",
    "SampleProblem", "Setting", "SettingError", "SyslogFrames", "SyslogHeaders", "TemplateError", "Tick",
    "TimeFormatter", "TokenSpec", "at_least", "choice", "event_meta", "host_port", "host_port_list", "host_problem",
    "http_url", "make_provider", "micros", "parse_bool", "parse_float", "parse_host", "parse_int", "parse_json",
    "parse_list", "parse_str", "parse_time", "parse_timezone", "per_second", "plugin_config", "port", "read_text",
    "registry", "sorted_job_times", "split_time", "take", "url_list", "url_port", "writable_dir_problem",
    "writable_file_problem",
]  # fmt: skip
