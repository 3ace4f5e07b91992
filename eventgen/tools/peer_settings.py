"""The settings of the peers whose content eventgen runs — every setting of Splunk Eventgen 7.2's eventgen.conf.spec
(declared in conf/splunk_spec.py, where the loader reads the same reasons) and every parameter of an Eventum 2.x
project and app — and, once each, why eventgen refuses one or why it does not apply. Which ones eventgen
supports is not written here: `tools.compat` reads it from the Setting declarations and the Eventum schema and
mapping. docs/compatibility.md is generated from both (`python -m eventgen.tools.compat`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from eventgen.conf import splunk_spec
from eventgen.conf.eventum_outputs import REFUSED


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


# -- Splunk Eventgen 7.2: eventgen.conf.spec, by section (declared once in conf/splunk_spec.py, which the loader
# reads too) ---------------------------------------------------------------------------------------------------------

SPLUNK_SPEC: dict[str, tuple[str, ...]] = dict(splunk_spec.SECTIONS)


def _splunk_verdict(entry: splunk_spec.SpecSetting) -> Verdict:
    """What the table says of a spec setting no Setting declares (a declared one is supported, whatever it says)."""
    if entry.status is splunk_spec.Status.SUPPORTED:
        # applied without a Setting (`token.N.*`), or read by an owner plugin this installation does not have
        return Verdict(Status.NOT_APPLIED, entry.reason) if entry.owner else supported(entry.reason)
    return {
        splunk_spec.Status.REFUSED: refused,
        splunk_spec.Status.NOT_APPLICABLE: not_applicable,
        splunk_spec.Status.IGNORED: lambda reason: Verdict(Status.NOT_APPLIED, reason),
    }[entry.status](entry.reason)


SPLUNK_DECLARED: dict[str, Verdict] = {entry.name: _splunk_verdict(entry) for entry in splunk_spec.SETTINGS}


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
_GENERATION = {
    "timezone": "`--timezone ZONE`: times without a zone and `timestamp` in it",
    "batch.size": "`--batch-size N` (`jobSize`)",
    "batch.delay": "`--batch-delay S`, checked: a live job holds at most 50 ms of event times",
    "keep_order": "`--keep-order`: one generator worker, batches in time order",
    "max_concurrency": "`--max-concurrency N`: at most N generator workers, each writing one batch at a time",
}
EVENTUM_DECLARED: dict[tuple[str, str], Verdict] = {
    **{("output " + plugin, key): refused(reason) for plugin, keys in REFUSED.items() for key, reason in keys.items()},
    **{("eventum.yml generation", key): supported(how) for key, how in _GENERATION.items()},
    **{("eventum.yml generation", key): refused(f"{_NOT_YET}: eventgen reads generator.yml; its engine is set in "
                                                "`[global]` and by flags") for key in
       EVENTUM_PARAMS["eventum.yml generation"] if key not in _GENERATION},
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
    ("startup.yml", "skip_past"): supported("`skipPast`, on for projects: live runs drop the times every input gives "
                                           "before the start; `--no-skip-past` makes them at once"),
    ("startup.yml", "scenarios"): not_applicable("groups generators in Eventum's app UI"),
    ("startup.yml", "params"): supported("`--params` / `--params-file`"),
}  # fmt: skip
