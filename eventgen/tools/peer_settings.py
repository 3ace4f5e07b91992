"""The settings of the peers whose content eventgen runs — every setting of Splunk Eventgen 7.2's eventgen.conf.spec
and every parameter of an Eventum 2.x project and app — and, once each, why eventgen refuses one or why it does not
apply. Which ones eventgen supports is not written here: `tools.compat` reads it from the Setting declarations and
the Eventum schema and mapping. docs/compatibility.md is generated from both (`python -m eventgen.tools.compat`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    SUPPORTED = "supported"
    REFUSED = "refused"
    NOT_APPLICABLE = "not applicable"
    NOT_APPLIED = "accepted, not applied"  # read without error, noted at load as having no effect


@dataclass(frozen=True)
class Verdict:
    """What eventgen does with a peer's setting, and why (a refusal or a setting that does not apply always says)."""

    status: Status
    reason: str


def refused(reason: str) -> Verdict:
    return Verdict(Status.REFUSED, reason)


def not_applicable(reason: str) -> Verdict:
    return Verdict(Status.NOT_APPLICABLE, reason)


def supported(how: str) -> Verdict:
    """Supported by something other than a setting or a schema entry (a command-line flag): `how` names it."""
    return Verdict(Status.SUPPORTED, how)


# -- Splunk Eventgen 7.2: eventgen.conf.spec, by section ----------------------------------------------------------

SPLUNK_SPEC: dict[str, tuple[str, ...]] = {
    "global and engine": (
        "threading", "profiler", "useOutputQueue", "outputWorkers", "generatorWorkers", "maxIntervalsBeforeFlush",
        "maxQueueLength", "disableLoggingQueue", "outputCounter", "seed",
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
}  # fmt: skip

# settings no Setting declares: why. A Setting declared for one of these later wins over its line here.
_COUNTER = "the counter generator is not built in: use `integerid` tokens or the jinja generator"
SPLUNK_DECLARED: dict[str, Verdict] = {
    "token.N.token": supported("`token.N.token` (see Tokens in docs/configuration.md)"),
    "token.N.replacementType": supported("`token.N.replacementType`: every Splunk type, and pytest-splunk-addon's"),
    "token.N.replacement": supported("`token.N.replacement`"),
    "profiler": not_applicable("Python's cProfile of each timer thread: profile eventgen with `eventgen bench`"),
    "maxIntervalsBeforeFlush": not_applicable("parsed but never used by Splunk Eventgen: each batch is one write"),
    "disableLoggingQueue": not_applicable("process mode's log forwarding: workers here report over ZeroMQ"),
    "outputCounter": not_applicable("throughput counters are always kept: the summary and `--stats-json`"),
    "httpeventAllowFailureCount": not_applicable("documented but absent from Splunk Eventgen's code; retries and "
                                                 "the give-up bound are `retryPolicy`"),
    "backfillSearch": refused("narrowing a backfill by a Splunk search needs a search head: give `backfill`"),
    "backfillSearchUrl": refused("narrowing a backfill by a Splunk search needs a search head: give `backfill`"),
    "host.token": refused("not implemented here: per-event hosts come from a CSV sample's host column"),
    "host.replacement": refused("not implemented here: per-event hosts come from a CSV sample's host column"),
    "autotimestamp": refused("not implemented here: write a `timestamp` token for the sample's timestamps"),
    "autotimestamps": refused("not implemented here: write a `timestamp` token for the sample's timestamps"),
    **{name: refused(_COUNTER) for name in ("count_template", "start_count", "end_count", "count_by")},
    **{name: not_applicable("Splunk Cloud Services' ingest API, retired by Splunk") for name in
       SPLUNK_SPEC["scsout output"]},
}  # fmt: skip


# -- Eventum 2.x: generator.yml plugins, formatters, eventum.yml and startup.yml -----------------------------------

_TLS = ("verify", "ca_cert", "client_cert", "client_cert_key")
EVENTUM_PARAMS: dict[str, tuple[str, ...]] = {
    "input timer": ("start", "seconds", "count", "repeat", "tags"),
    "input cron": ("start", "end", "expression", "count", "tags"),
    "input linspace": ("start", "end", "count", "endpoint", "tags"),
    "input static": ("count", "tags"),
    "input timestamps": ("source", "tags"),
    "input time_patterns": ("patterns", "tags"),
    "input http": ("host", "port", "max_pending_requests", "tags"),
    "event template": ("mode", "templates", "params", "samples", "chain"),
    "event template: templates[]": ("template", "vars", "chance", "initial", "transitions"),
    "event template: samples": ("type", "source", "header", "delimiter", "quotechar"),
    "event script": ("path",),
    "event replay": ("path", "timestamp_pattern", "timestamp_format", "repeat", "chunk_size", "encoding"),
    "output stdout": ("flush_interval", "stream", "encoding", "separator", "formatter"),
    "output file": ("path", "flush_interval", "cleanup_interval", "file_mode", "write_mode", "encoding",
                    "separator", "formatter"),
    "output tcp": ("host", "port", "encoding", "separator", "connect_timeout", "ssl", *_TLS, "formatter"),
    "output udp": ("host", "port", "encoding", "separator", "formatter"),
    "output http": ("url", "method", "success_code", "headers", "username", "password", "connect_timeout",
                    "request_timeout", *_TLS, "proxy_url", "concurrency", "formatter"),
    "output opensearch": ("hosts", "username", "password", "index", "connect_timeout", "request_timeout", *_TLS,
                          "proxy_url", "formatter"),
    "output clickhouse": ("host", "port", "protocol", "database", "table", "username", "password", "dsn",
                          "connect_timeout", "request_timeout", "client_name", *_TLS, "server_host_name",
                          "tls_mode", "proxy_url", "pool_maxsize", "input_format", "header", "footer", "separator",
                          "formatter"),
    "output kafka": ("bootstrap_servers", "topic", "key", "encoding", "client_id", "acks", "compression_type",
                     "max_batch_size", "max_request_size", "linger_ms", "enable_idempotence", "transactional_id",
                     "security_protocol", "sasl_mechanism", "sasl_plain_username", "sasl_plain_password",
                     "sasl_kerberos_service_name", "sasl_kerberos_domain_name", "ssl_cafile", "ssl_certfile",
                     "ssl_keyfile", "request_timeout_ms", "metadata_max_age_ms", "connections_max_idle_ms",
                     "retry_backoff_ms", "transaction_timeout_ms", "formatter"),
    "formatter": ("format", "indent", "template", "template_path"),
    "eventum.yml generation": ("timezone", "batch.size", "batch.delay", "queue.max_timestamp_batches",
                               "queue.max_event_batches", "keep_order", "max_concurrency", "write_timeout"),
    "eventum.yml server, log, path": ("server.ui_enabled", "server.api_enabled", "server.host", "server.port",
                                      "server.ssl", "server.auth", "server.mcp", "log.level", "log.format",
                                      "log.max_bytes", "log.backups", "path.logs", "path.startup",
                                      "path.generators_dir", "path.keyring_cryptfile",
                                      "path.generator_config_filename"),
    "startup.yml": ("id", "path", "autostart", "live_mode", "skip_past", "scenarios", "params"),
}  # fmt: skip

_NOT_YET = "not implemented here (issue 24)"
_APP = "Eventum's app server (web UI, REST API, MCP): eventgen's studio and cluster are set by their own flags"
EVENTUM_DECLARED: dict[tuple[str, str], Verdict] = {
    ("output http", "concurrency"): refused(f"{_NOT_YET}: one request per batch; run more workers"),
    **{("output kafka", key): refused(f"{_NOT_YET}: pass librdkafka properties in `kafkaProducerConfig`") for key in
       ("sasl_kerberos_service_name", "sasl_kerberos_domain_name", "ssl_cafile", "ssl_certfile", "ssl_keyfile",
        "metadata_max_age_ms", "connections_max_idle_ms", "retry_backoff_ms", "transaction_timeout_ms")},
    **{("eventum.yml generation", key): refused(f"{_NOT_YET}: eventgen reads generator.yml; its engine is set in "
                                                "`[global]` and by flags") for key in
       EVENTUM_PARAMS["eventum.yml generation"]},
    **{("eventum.yml server, log, path", key): not_applicable(_APP) for key in
       EVENTUM_PARAMS["eventum.yml server, log, path"] if not key.startswith(("log.", "path."))},
    **{("eventum.yml server, log, path", key): not_applicable("Eventum's app logs: eventgen logs to stderr, "
                                                              "`-v`/`-vv`") for key in
       EVENTUM_PARAMS["eventum.yml server, log, path"] if key.startswith("log.")},
    **{("eventum.yml server, log, path", key): not_applicable("Eventum's app folders: eventgen is given the "
                                                              "generator.yml to run") for key in
       EVENTUM_PARAMS["eventum.yml server, log, path"] if key.startswith("path.")},
    ("startup.yml", "id"): not_applicable("names a generator in Eventum's app: eventgen runs the project it is given"),
    ("startup.yml", "path"): supported("the project's generator.yml is the CONF argument"),
    ("startup.yml", "autostart"): not_applicable("Eventum's app starts generators; eventgen runs when invoked"),
    ("startup.yml", "live_mode"): supported("`--live-mode` / `--sample-mode`"),
    ("startup.yml", "skip_past"): supported("live runs skip what is past (time_patterns); `--no-wait` does not"),
    ("startup.yml", "scenarios"): not_applicable("groups generators in Eventum's app UI"),
    ("startup.yml", "params"): supported("`--params` / `--params-file`"),
}  # fmt: skip
