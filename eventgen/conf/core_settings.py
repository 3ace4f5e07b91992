"""The core's own eventgen.conf keys (plugins declare theirs on the plugin class)."""

from __future__ import annotations

from eventgen.conf.psa_settings import PSA
from eventgen.conf.splunk_settings import SPLUNK
from eventgen.core.config import config_type
from eventgen.core.settings import (
    PathKind,
    Setting,
    SettingGroup,
    at_least,
    choice,
    parse_bool,
    parse_count,
    parse_encoding,
    parse_end,
    parse_float,
    parse_int,
    parse_json,
    parse_list,
    parse_names,
    parse_regex,
    parse_str,
)
from eventgen.core.shapes import FORMS, parse_shape
from eventgen.core.timeutil import parse_timezone_name

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\"}


def parse_separator(text: str) -> str:
    """A separator as written in a conf: `\\n`, `\\r`, `\\t` and `\\\\` read as escapes, the rest as it is."""
    out, chars = [], iter(text)
    for char in chars:
        out.append(_ESCAPES.get(next(chars, ""), "\\") if char == "\\" else char)
    return "".join(out)


# core keys read only by the schedule (input) and rater plugins that name them in `uses_core`: a stanza setting one
# that its input and rater do not read is warned about
SCHEDULE_KEYS = ("count", "interval", "randomizeCount", "earliest", "latest")

SAMPLE = SettingGroup(
    "Sample stanzas",
    (
        Setting("disabled", parse_bool, "false", "Skip this stanza."),
        Setting(
            "mode",
            choice("sample", "replay"),
            "sample",
            "`sample` draws events from the sample; `replay` replays it keeping its own timing "
            "(selects `generator = replay`).",
        ),
        Setting("generator", parse_str, "default", "Generator plugin that renders events."),
        Setting("rater", parse_str, "config", "Rater plugin that scales `count` per interval."),
        Setting(
            "input", parse_str, "interval", "Schedule plugin deciding when events happen (`interval` is Eventgen's)."
        ),
        Setting(
            "outputMode",
            parse_names,
            "stdout",
            "Output plugin(s), comma-separated: every event goes to each. The reference defaults "
            "to modinput; eventgen defaults to stdout. An empty list, an empty entry (`file,,stdout`) or an "
            "output named twice is refused (a second output of one kind is `name#label`; `devnull` discards).",
        ),
        Setting(
            "count",
            parse_count,
            "-1",
            "Events per interval. -1 or 0: the whole sample once (Splunk Eventgen documents -1); more than the "
            "sample cycles through it. Other negative numbers are refused.",
        ),
        Setting("interval", at_least(parse_float, 0), "60", "Seconds between intervals."),
        Setting(
            "delay",
            at_least(parse_float, 0),
            "0",
            "Seconds to wait before the first interval (live runs without `end`).",
        ),
        Setting(
            "earliest",
            parse_str,
            "now",
            "Earliest event time, relative to the interval (`now`, `-15m`, `-1d@d`, ISO date).",
        ),
        Setting(
            "latest",
            parse_str,
            "now",
            "Latest event time, relative to the interval. `earliest` after `latest` (at load time) is refused.",
        ),
        Setting(
            "backfill",
            parse_str,
            None,
            "Start this far in the past (`-1h`, `-7d@d`): intervals up to now are generated at once. A backfill "
            "in the future is refused.",
        ),
        Setting(
            "skipPast",
            parse_bool,
            "false",
            "Live runs: drop the event times an input gives before the run's start instead of making them at once "
            "(Eventum's `skip_past`, on for its projects; `--skip-past` / `--no-skip-past`).",
        ),
        Setting(
            "end",
            parse_end,
            None,
            "Stop after this many intervals (an integer; -1 = never, 0 = none, as Splunk Eventgen documents) or "
            "at this time; the run exits when every event is written. Intervals in the past are made at once, "
            "later ones when due. Other negative integers, and an end time before the start (`backfill`, else "
            "now), are refused; `end = 0` makes nothing and says so in a warning.",
        ),
        Setting(
            "maxEvents",
            at_least(parse_int, 0),
            None,
            "Stop the sample after this many events, whatever its schedule says (the last job is cut there); "
            "for datasets of an exact size. Eventum's replay `repeat: false` sets it to the file's line count.",
        ),
        Setting(
            "scheduleGroup",
            parse_str,
            None,
            "Stanzas naming the same group are one sample with several schedules (Eventum's several inputs): "
            "each stanza's schedule settings (`input`, `count`, `interval`, `backfill`, `end`…) make times, "
            "which are merged in time order and rendered by the group's first stanza (its generator, tokens "
            "and outputs); templates see the `tags` of the schedule each time came from.",
        ),
        Setting(
            "timeMode",
            choice("live", "sample"),
            "live",
            "`live`: no event is written before its timestamp (future intervals are released when due, "
            "as Splunk Eventgen does). `sample`: make every event at once, future timestamps included "
            "(Eventum's sample mode; `--no-wait` sets it for every stanza).",
        ),
        Setting(
            "randomizeCount",
            at_least(parse_float, 0),
            None,
            "Vary each interval's count by ± half this fraction (0.2 → ±10%).",
        ),
        Setting("randomizeEvents", parse_bool, "false", "Pick sample events at random instead of in order."),
        Setting("bundlelines", parse_bool, "false", "Emit `count` copies of the whole sample per interval, in order."),
        Setting(
            "breaker",
            parse_regex,
            r"[^\r\n\s]+",
            "A sample line matching this regex at its start begins a new event; other lines continue "
            "the current one (multi-line events). Blank lines are skipped with the default.",
        ),
        Setting(
            "sampletype",
            choice("raw", "csv"),
            "raw",
            "`csv`: the sample is a CSV with `_raw` and optional host/source/sourcetype/index columns.",
        ),
        Setting(
            "sampleDir",
            parse_str,
            None,
            "Folder of sample files, relative to the conf. Default: `../samples` and the conf's folder.",
            path=PathKind.FOLDER,
        ),
        Setting(
            "sampleEncoding",
            parse_encoding,
            "utf-8",
            "Text encoding of the sample file (`utf-8`, `latin-1`, `cp1252`, ...). Bytes that do not decode are "
            "refused, naming the file and byte offset; a UTF-8 BOM is dropped.",
        ),
        Setting("host", parse_str, "127.0.0.1", "Event host."),
        Setting("source", parse_str, None, "Event source (default: the sample file name)."),
        Setting("sourcetype", parse_str, "eventgen", "Event sourcetype."),
        Setting("index", parse_str, "main", "Event index."),
        Setting(
            "extendIndexes",
            parse_list,
            None,
            "Extra indexes, `prefix:N` expands to prefix0..prefixN-1; one is drawn per job.",
        ),
        Setting(
            "timezone",
            parse_timezone_name,
            "local",
            "Zone for formatting timestamps: `local`, `utc`, an IANA name, or an offset as Splunk Eventgen "
            "takes it: an integer hhmm, signed or not (`0000` is UTC, `-500` is -05:00, `530` is +05:30), or "
            "`±hh:mm`. Offsets beyond ±2359 or with minutes of 60 or more are refused.",
        ),
        Setting(
            "sequentialTimestamp",
            parse_bool,
            "false",
            "Spread timestamps evenly over [earliest, latest] instead of at random.",
        ),
        Setting("timeMultiple", at_least(parse_float, 0), "1", "Replay: scale the gaps between events."),
        Setting("timeField", parse_str, "_raw", "Replay: field holding the event time (`_raw` or a CSV column)."),
        Setting(
            "jobSize",
            at_least(parse_int, 1),
            "10000",
            "Largest number of events in one generation job (one batch, one write per output).",
        ),
        Setting(
            "splitSample", parse_int, "0", "Accepted for compatibility: jobs are always split into `jobSize` chunks."
        ),
        Setting(
            "outputFormat",
            choice("raw", "json", "template", "eventjson", "jsonbatch", "jinja", "jinjabatch"),
            "raw",
            "Each event's text as outputs send it: `raw` (the event), `json` (one JSON object per event: "
            "_time, host, source, sourcetype, index, _raw) or `template` (`outputTemplate`). Outputs with an "
            "envelope (HEC, syslog, OpenSearch, modinput, Kafka) wrap this text. Eventum's formatters: "
            "`eventjson` (each event is JSON, written again compactly or with `outputJsonIndent`, byte for byte as "
            "Python's json module writes it but with an object's keys as written: a key written twice stays twice), "
            "`jsonbatch` "
            "(one JSON array per batch), `jinja` (`outputTemplate` is Jinja over `event`), `jinjabatch` (Jinja "
            "over `events`, one text per batch); the batch forms suit stdout, file, tcpout and http.",
        ),
        Setting(
            "outputJsonIndent",
            at_least(parse_int, 0),
            None,
            "With `outputFormat = eventjson` or `jsonbatch`: indent the JSON by this many spaces (default: compact).",
        ),
        Setting(
            "outputSeparator",
            parse_separator,
            None,
            "What follows each event on stdout, file and tcpout, and ends each udpout datagram (Eventum's "
            "`separator`); `\\n`, `\\r`, `\\t` and `\\\\` are read as escapes, e.g. `|` or `\\r\\n`. "
            "Default: a newline (udpout: nothing).",
        ),
        Setting(
            "outputEncoding",
            parse_encoding,
            None,
            "Character encoding stdout, file, tcpout and udpout write events in (Eventum's `encoding`), e.g. "
            "`latin-1`, `utf-16`. Default: UTF-8.",
        ),
        Setting(
            "outputFormatBy",
            parse_json,
            None,
            'Per-output format, a JSON object by output name: `{"stdout": {"outputFormat": "raw"}, "http": '
            '{"outputFormat": "jsonbatch"}}` (keys outputFormat, outputTemplate, outputTemplateFile, '
            "outputJsonIndent, outputSeparator, outputEncoding); outputs not named use the sample's. A name that is "
            "not an entry of outputMode is refused. A second instance of an output is named "
            "`name#label` in outputMode (`file, file#archive`); its entry may also set that output's own settings "
            '(`{"file#archive": {"fileName": "archive.log"}}`), those it leaves out taking their defaults. '
            "Eventum projects use it for each output's "
            "`formatter` and for a second output of one kind.",
            path=PathKind.SETTINGS,
        ),
        Setting(
            "outputTemplate",
            parse_str,
            None,
            "With `outputFormat = template`: the text per event, fields in braces: {_raw}, {_time}, {host}, "
            "{source}, {sourcetype}, {index}, {sample} (a CSV sample's host, source, sourcetype and index "
            "columns fill those fields); filters {_raw|json}, {_time|iso}, {_time|ms}; {{ and }} for braces. "
            "Any other field is refused at load. With `jinja`/`jinjabatch`: a Jinja template over `event`/"
            "`events`, its syntax checked at load.",
        ),
        Setting(
            "outputTemplateFile",
            parse_str,
            None,
            "With `outputFormat = template`: read the template from this file (one line; relative to the "
            "working directory).",
            path=PathKind.FILE,
        ),
        Setting(
            "spoolFailedTo",
            parse_str,
            None,
            "File to append events that an output failed to deliver after its retries (JSON lines); "
            "`eventgen replay-spool FILE CONF` sends them again.",
            path=PathKind.OUTPUT,
        ),
        Setting(
            "outputRetries",
            at_least(parse_int, 0),
            "10",
            "Every output's retry budget: a batch that failed for a reason that may pass is tried again at most "
            "this many times (waits 0.25 s, 0.5 s, 1 s, then 2 s, jittered), while the output has been failing "
            "for less than outputGiveUpSeconds. `<output>Retries` (e.g. httpeventRetries) overrides it for one "
            "output.",
        ),
        Setting(
            "outputGiveUpBatches",
            at_least(parse_int, 1),
            "5",
            "An output that fails this many batches in a row (after their retries) is given up on: later "
            "batches fail at once, counted and spooled, with one attempt every 10 s to see if it is back.",
        ),
        Setting(
            "outputGiveUpSeconds",
            at_least(parse_float, 0.1),
            "10",
            "Every output's give-up bound: retries stop, and the output is given up on, once it has been failing "
            "for this many seconds (from the start of its first failed attempt). An outage shorter than this "
            "loses nothing.",
        ),
    ),
)

GLOBAL = SettingGroup(
    "Engine ([global] only)",
    (
        Setting(
            "threading",
            choice("thread", "process"),
            "thread",
            "Run generator workers as threads or as processes.",
            scope="global",
        ),
        Setting(
            "queueing",
            choice("python", "zeromq"),
            "python",
            "Job queue: Python queues, or ZeroMQ PUSH/PULL.",
            scope="global",
        ),
        Setting("generatorWorkers", at_least(parse_int, 1), "1", "Number of generator workers.", scope="global"),
        Setting(
            "outputWorkers",
            at_least(parse_int, 1),
            "1",
            "Output threads writing queued batches: with `useOutputQueue`, and in process mode for outputs "
            "that need a single writer (stdout, modinput).",
            scope="global",
        ),
        Setting(
            "useOutputQueue",
            parse_bool,
            "false",
            "Queue every batch to the output workers instead of writing it from the generator worker (in "
            "process mode: event text goes back to the main process).",
            scope="global",
        ),
        Setting(
            "generatorQueueSize",
            at_least(parse_int, 1),
            "64",
            "Most jobs waiting in the job queue (backpressure beyond it).",
            scope="global",
        ),
        Setting(
            "maxQueueLength",
            parse_int,
            "0",
            "Compatibility: when > 0 it caps events per batch like `jobSize`.",
            scope="global",
        ),
        Setting("seed", parse_int, None, "Seed: the same conf and seed give byte-identical output.", scope="global"),
        Setting(
            "pluginDir",
            parse_list,
            None,
            "Extra plugin directories, relative to the conf.",
            scope="global",
            path=PathKind.FOLDER,
        ),
        Setting(
            "shape",
            parse_shape,
            None,
            f"A load shape the run's total rate follows from its start: {FORMS}. Like `--rate`, every sample runs "
            "`input = rate` (an equal share of the shape's first rate), and the run ends when the shape does "
            "unless `--duration` says otherwise (see docs/rate.md).",
            scope="global",
        ),
        Setting(
            "statusInterval",
            at_least(parse_float, 0),
            "5",
            "Seconds between status lines on stderr (0 = none); on a terminal one progress line redrawn at "
            "least every 0.5 s (see Watching a run in docs/scheduling.md).",
            scope="global",
        ),
    ),
)

CORE_GROUPS = (SAMPLE, SPLUNK, GLOBAL, PSA)

# the run's engine settings as one frozen, typed value (`RunConfig.engine.generatorWorkers`): defaults only above
EngineConfig = config_type("[global] engine settings", GLOBAL.settings)
