"""Every setting of Splunk Eventgen 7.2's `eventgen.conf.spec` (and the values of it that name plugins), with what
eventgen does with it: one table, read by the loader (a key no plugin declares is explained from here, not called
unknown) and by the doc generator (the support table).

Statuses:
- `supported`: applied (declared by the core or by `owner`, the plugin that reads it);
- `refused`: the conf is refused with the reason, which says what to use instead;
- `not-applicable`: accepted and ignored with a warning: it tunes machinery eventgen does not have;
- `ignored-with-warning`: accepted and ignored with a warning: the feature is outside eventgen (reason says why).

A `supported` setting whose `owner` plugin is not installed is ignored with its reason (what to use instead) as the
warning. `tools.peer_settings` reads this table for docs/compatibility.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    SUPPORTED = "supported"
    REFUSED = "refused"
    NOT_APPLICABLE = "not-applicable"
    IGNORED = "ignored-with-warning"


@dataclass(frozen=True)
class SpecSetting:
    """One key of Splunk Eventgen's spec; `owner` is the plugin (`kind name`) that reads a supported one."""

    name: str
    status: Status
    reason: str
    owner: str = ""


@dataclass(frozen=True)
class SpecValue:
    """A value of a spec setting that names a plugin or a mode, and what eventgen does with it."""

    setting: str
    value: str
    status: Status
    reason: str


S, R, NA, IG = Status.SUPPORTED, Status.REFUSED, Status.NOT_APPLICABLE, Status.IGNORED


def alike(names: tuple[str, ...], status: Status, reason: str, owner: str = "") -> tuple[SpecSetting, ...]:
    """Settings that share their status, reason and owner."""
    return tuple(SpecSetting(name, status, reason, owner) for name in names)


_OWN = "as the spec describes"
_STREAM = "read by the splunkstream output; without it, send to HEC (`outputMode = httpevent`) instead"
_S3 = "read by the awss3 output; without it, write files (`outputMode = file`) and upload them"
_SCS = (
    "Splunk Cloud Services' ingest API, which Splunk retired; send to a Splunk Cloud HEC endpoint with "
    "`outputMode = httpevent`"
)
_CW = "the AWS CloudWatch outputs (`awscwe`, `awscwl`) are not eventgen outputs; use `http` to a collector"

SETTINGS: tuple[SpecSetting, ...] = (
    # stanza layout and metadata
    SpecSetting("disabled", S, _OWN),
    SpecSetting("sampleDir", S, "relative to the conf's folder; default `../samples` and the conf's folder"),
    SpecSetting("index", S, "every output that carries metadata sends it (the spec says splunkstream only)"),
    SpecSetting("source", S, "default: the sample file's name"),
    SpecSetting("sourcetype", S, _OWN),
    SpecSetting("host", S, _OWN),
    SpecSetting(
        "hostRegex",
        S,
        "splunkstream sends it as `host_regex`; for other outputs each event's host is set from it when made",
        "output splunkstream",
    ),
    SpecSetting("host.token", S, "rewrites the host field per event (not `_raw`)"),
    SpecSetting("host.replacement", S, "a file or `file:column`; shares its random row with file/mvfile tokens"),
    SpecSetting("extendIndexes", S, "one index drawn per job, as the reference does"),
    SpecSetting("debug", NA, "logging is set on the command line: `eventgen -v`"),
    SpecSetting("verbosity", NA, "logging is set on the command line: `eventgen -v`"),
    # engine
    SpecSetting("threading", S, "thread or process; `--multiprocess` on the command line"),
    SpecSetting("generatorWorkers", S, "worker threads or processes; `--generators`"),
    SpecSetting("outputWorkers", S, "threads writing batches queued for single-writer outputs"),
    SpecSetting("useOutputQueue", S, _OWN),
    SpecSetting("maxQueueLength", S, "when > 0 it caps events per batch, like `jobSize`"),
    SpecSetting(
        "maxIntervalsBeforeFlush",
        NA,
        "each job is one batch written at once, nothing is held between intervals (the reference never reads it)",
    ),
    SpecSetting("profiler", NA, "profile with `python -m cProfile -m eventgen ...`; measure with `eventgen bench`"),
    SpecSetting("disableLoggingQueue", NA, "process-mode workers report with their results; there is no log queue"),
    SpecSetting(
        "outputCounter", NA, "every run counts each output's events and bytes (summary, `--stats-json`, status lines)"
    ),
    # outputs
    SpecSetting("outputMode", S, "comma-separated; the default is stdout (the reference's is modinput)"),
    SpecSetting("spoolDir", S, _OWN, "output spool"),
    SpecSetting("spoolFile", S, "`<SAMPLE>` is the sample file's name", "output spool"),
    *alike(("fileName", "fileMaxBytes", "fileBackupFiles"), S, _OWN, "output file"),
    *alike(("syslogDestinationHost", "syslogDestinationPort", "syslogAddHeader"), S, _OWN, "output syslogout"),
    *alike(("tcpDestinationHost", "tcpDestinationPort"), S, _OWN, "output tcpout"),
    *alike(("udpDestinationHost", "udpDestinationPort"), S, _OWN, "output udpout"),
    *alike(
        ("httpeventServers", "httpeventOutputMode", "httpeventMaxPayloadSize", "httpeventWaitResponse"),
        S,
        _OWN,
        "output httpevent",
    ),
    SpecSetting(
        "httpeventAllowFailureCount",
        NA,
        "the reference's code has no such setting; a failing server is given up on after `outputGiveUpBatches` "
        "failed batches or `outputGiveUpSeconds`",
    ),
    *alike(("splunkHost", "splunkPort", "splunkMethod", "splunkUser", "splunkPass"), S, _STREAM, "output splunkstream"),
    *alike(("projectID", "accessToken"), NA, "Splunk Storm, which it configured, was shut down in 2015"),
    *alike(("scsEndPoint", "scsAccessToken", "scsClientId", "scsClientSecret", "scsRetryNum"), NA, _SCS),
    *alike(("awsCredentialsJson", "awsLogGroupName", "awsLogStreamName"), IG, _CW),
    *alike(
        (
            "awsS3BucketName",
            "awsS3CompressionType",
            "awsS3EventType",
            "awsS3ObjectPrefix",
            "awsS3ObjectSuffix",
            "awsS3EventPerKey",
            "awsRegion",
            "awsKeyId",
            "awsSecretKey",
        ),
        S,
        _S3,
        "output awss3",
    ),
    # generation
    SpecSetting("generator", S, "a plugin name (see the values below)"),
    SpecSetting("rater", S, "a plugin name (see the values below)"),
    SpecSetting("mode", S, "`replay` selects the replay generator"),
    SpecSetting("sampletype", S, "CSV samples are read in text mode (CR, LF or CRLF lines)"),
    SpecSetting("interval", S, _OWN),
    SpecSetting("delay", S, _OWN),
    SpecSetting("count", S, "-1 (or 0) plays the whole sample; the reference's `0` makes nothing"),
    *alike(("earliest", "latest", "backfill"), S, _OWN),
    *alike(
        ("backfillSearch", "backfillSearchUrl"),
        IG,
        "it narrows the backfill with a search on a Splunk server; eventgen starts at `backfill` as written",
    ),
    SpecSetting("end", S, "a number of intervals or a time"),
    SpecSetting("perDayVolume", S, "selects the perdayvolume rater"),
    *alike(
        (
            "bundlelines",
            "breaker",
            "randomizeCount",
            "randomizeEvents",
            "hourOfDayRate",
            "dayOfWeekRate",
            "minuteOfHourRate",
            "dayOfMonthRate",
            "monthOfYearRate",
            "sequentialTimestamp",
        ),
        S,
        _OWN,
    ),
    SpecSetting("splitSample", S, "accepted: jobs are always split into `jobSize` chunks"),
    SpecSetting("seed", S, "the same conf and seed give byte-identical output"),
    SpecSetting("timeMultiple", S, _OWN),
    SpecSetting("timeField", S, _OWN),
    SpecSetting("timezone", S, "`local`, `0000` (UTC) or an integer offset hhmm such as -500 or 530"),
    SpecSetting("autotimestamp", S, "timestamps found in the sample are rewritten with each event's time"),
    SpecSetting("autotimestamps", S, "a JSON list of [regex, strptime] pairs replacing the built-in patterns"),
    SpecSetting("token.N.token", S, "tokens run in order, each on the text the earlier ones made"),
    SpecSetting("token.N.replacementType", S, _OWN),
    SpecSetting("token.N.replacement", S, _OWN),
    *alike(("jinja_template_dir", "jinja_target_template", "jinja_variables"), S, _OWN, "generator jinja"),
    SpecSetting("jinja_count_type", S, "`cycles` only (see the values below)", "generator jinja"),
    *alike(("start_count", "end_count", "count_by", "count_template"), S, _OWN, "generator counter"),
)

VALUES: tuple[SpecValue, ...] = (
    SpecValue("generator", "default", S, _OWN),
    SpecValue("generator", "replay", S, _OWN),
    SpecValue("generator", "jinja", S, _OWN),
    SpecValue("generator", "perdayvolumegenerator", S, "the default generator sized by `perDayVolume`"),
    SpecValue("generator", "windbag", S, _OWN),
    SpecValue("generator", "counter", S, _OWN),
    SpecValue(
        "generator",
        "weblog",
        R,
        "the reference's example of a hand-written Python generator; use a web log sample with tokens, a jinja "
        "template, or a generator plugin of your own (`pluginDir`)",
    ),
    SpecValue("rater", "config", S, _OWN),
    SpecValue("rater", "perdayvolume", S, _OWN),
    SpecValue("rater", "backfill", S, "the rate tables at each interval's time; `backfill` sets the span"),
    SpecValue("rater", "counter", S, "`count` as written every interval, no rate tables"),
    SpecValue(
        "jinja_count_type",
        "perDayVolume",
        R,
        "eventgen's jinja generator counts template renders (`cycles`) only; to size by volume set `perDayVolume` "
        "with the default generator, or set `count` to the renders per interval",
    ),
    SpecValue(
        "jinja_count_type",
        "line_count",
        R,
        "the reference accepts it but fails when it runs; use `cycles`, with `count` the renders per interval",
    ),
    SpecValue(
        "outputMode",
        "s2s",
        R,
        "Splunk-to-Splunk (cooked) is not spoken; send to a HEC input with `httpevent`, or to a TCP input "
        "with `tcpout`",
    ),
    SpecValue("outputMode", "scsout", R, _SCS),
    SpecValue("outputMode", "awscwe", R, _CW),
    SpecValue("outputMode", "awscwl", R, _CW),
)

# the spec's settings by section, in the order the support table lists them
SECTIONS: dict[str, tuple[str, ...]] = {
    "global and engine": (
        "threading", "profiler", "useOutputQueue", "outputWorkers", "generatorWorkers", "maxIntervalsBeforeFlush",
        "maxQueueLength", "disableLoggingQueue", "outputCounter", "seed", "debug", "verbosity",
    ),
    "sample": (
        "disabled", "sampleDir", "mode", "sampletype", "generator", "rater", "outputMode", "breaker", "bundlelines",
        "randomizeEvents", "splitSample", "extendIndexes", "index", "source", "sourcetype", "host", "hostRegex",
        "host.token", "host.replacement",
    ),
    "generation and timing": (
        "interval", "delay", "count", "end", "earliest", "latest", "backfill", "backfillSearch", "backfillSearchUrl",
        "perDayVolume", "randomizeCount", "hourOfDayRate", "dayOfWeekRate", "minuteOfHourRate", "dayOfMonthRate",
        "monthOfYearRate", "timezone", "sequentialTimestamp", "autotimestamp", "autotimestamps", "timeMultiple",
        "timeField",
    ),
    "tokens": ("token.N.token", "token.N.replacementType", "token.N.replacement"),
    "jinja generator": ("jinja_template_dir", "jinja_target_template", "jinja_variables", "jinja_count_type"),
    "counter generator": ("count_template", "start_count", "end_count", "count_by"),
    "file and spool outputs": ("fileName", "fileMaxBytes", "fileBackupFiles", "spoolDir", "spoolFile"),
    "network outputs": (
        "syslogDestinationHost", "syslogDestinationPort", "syslogAddHeader", "tcpDestinationHost",
        "tcpDestinationPort", "udpDestinationHost", "udpDestinationPort",
    ),
    "httpevent output": (
        "httpeventServers", "httpeventOutputMode", "httpeventMaxPayloadSize", "httpeventWaitResponse",
        "httpeventAllowFailureCount",
    ),
    "splunkstream and s2s outputs": ("splunkHost", "splunkPort", "splunkMethod", "splunkUser", "splunkPass"),
    "scsout output": ("scsEndPoint", "scsAccessToken", "scsClientId", "scsClientSecret", "scsRetryNum"),
    "awss3 output": (
        "awsS3BucketName", "awsS3CompressionType", "awsS3EventType", "awsS3ObjectPrefix", "awsS3ObjectSuffix",
        "awsRegion", "awsKeyId", "awsSecretKey", "awsS3EventPerKey",
    ),
    "CloudWatch outputs": ("awsCredentialsJson", "awsLogGroupName", "awsLogStreamName"),
    "Splunk Storm": ("projectID", "accessToken"),
}  # fmt: skip

BY_NAME = {entry.name: entry for entry in SETTINGS}
BY_VALUE = {(entry.setting, entry.value.lower()): entry for entry in VALUES}


def explain_value(setting: str, value: str) -> str:
    """` (Splunk Eventgen's `setting = value`: reason)` for a refused spec value, else ''."""
    entry = BY_VALUE.get((setting, value.strip().lower()))
    if entry is None or entry.status is not Status.REFUSED:
        return ""
    return f"; Splunk Eventgen's `{setting} = {entry.value}` is not supported: {entry.reason}"
