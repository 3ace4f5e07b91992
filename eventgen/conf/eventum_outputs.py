"""Eventum's output plugins as eventgen output settings: one `_out_<plugin>` method each, mixed into the
project's Translation (which gives `file()` for paths and `notes` for what has no equivalent)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventgen.conf.eventum_clickhouse import dsn_parameters, escaped_setting
from eventgen.core.errors import ConfigError

TCP_TLS_KEYS = {"ca_cert": "tcpTlsCaFile", "client_cert": "tcpTlsCertFile", "client_cert_key": "tcpTlsKeyFile"}
# Eventum kafka parameters that are librdkafka properties under another name (paths: made absolute)
KAFKA_PROPERTIES = {
    "client_id": "client.id", "security_protocol": "security.protocol", "sasl_mechanism": "sasl.mechanism",
    "sasl_plain_username": "sasl.username", "sasl_plain_password": "sasl.password",
    "transactional_id": "transactional.id", "request_timeout_ms": "request.timeout.ms",
    "metadata_max_age_ms": "metadata.max.age.ms", "connections_max_idle_ms": "connections.max.idle.ms",
    "retry_backoff_ms": "retry.backoff.ms", "transaction_timeout_ms": "transaction.timeout.ms",
    "sasl_kerberos_service_name": "sasl.kerberos.service.name",
}  # fmt: skip
KAFKA_FILES = {"ssl_cafile": "ssl.ca.location", "ssl_certfile": "ssl.certificate.location",
               "ssl_keyfile": "ssl.key.location"}  # fmt: skip


@dataclass(frozen=True)
class Reach:
    """Our settings for how an http-like output reaches its server, by Eventum's parameter."""

    ca_cert: str
    client_cert: str
    client_cert_key: str
    request_timeout: str
    connect_timeout: str
    proxy_url: str


HTTP_REACH = Reach("httpCaFile", "httpCertFile", "httpKeyFile", "httpTimeout", "httpConnectTimeout", "httpProxy")
OPENSEARCH_REACH = Reach(
    "opensearchCaFile",
    "opensearchClientCertFile",
    "opensearchClientKeyFile",
    "opensearchTimeout",
    "opensearchConnectTimeout",
    "opensearchProxyUrl",
)
# parameters refused with the reason and what to use instead (checked before any mapping)
REFUSED: dict[str, dict[str, str]] = {
    "kafka": {
        "sasl_kerberos_domain_name": "no equivalent in librdkafka, which takes the broker's host name for the "
        "Kerberos service principal: name the brokers in bootstrap_servers by the host names of their principals",
    },
}
# parameters eventgen has nothing for: each is one `# no equivalent` line in `convert` and `-v`
NOTED: dict[str, tuple[str, ...]] = {}


class OutputMapping:
    """`_out_<plugin>(body, where)` → the eventgen settings of that output."""

    # given by the Translation: what has no equivalent, the project folder, where relative output files go, and
    # `file(value, where)`, an existing file's absolute path
    notes: list[str]
    base: Path
    output_base: Path | None
    file: Callable[[str, str], str]

    def _out_stdout(self, body: dict[str, Any], where: str) -> dict[str, str]:
        stream = body.get("stream", "stdout")
        if stream not in ("stdout", "stderr"):
            raise ConfigError(f"{where}.stream: must be stdout or stderr")
        return {"stdoutStream": stream}

    def _out_file(self, body: dict[str, Any], where: str) -> dict[str, str]:
        mode = body.get("write_mode", "append")
        if mode not in ("append", "overwrite"):
            raise ConfigError(f"{where}.write_mode: must be append or overwrite")
        written = Path(os.path.expanduser(str(body["path"])))
        path = str(written if written.is_absolute() else (self.output_base or self.base) / written)
        out = {"fileName": path, "fileMaxBytes": "0", "fileWriteMode": mode}
        out["fileMode"] = _octal(body.get("file_mode", 640))  # Eventum's default: 640
        if body.get("cleanup_interval") is not None:
            if body["cleanup_interval"] <= 0:
                raise ConfigError(f"{where}.cleanup_interval: must be more than 0 seconds")
            out["fileReopenCheck"] = num(max(0.1, body["cleanup_interval"]))
        return out

    def _out_tcp(self, body: dict[str, Any], where: str) -> dict[str, str]:
        out = {"tcpDestinationHost": str(body["host"]), "tcpDestinationPort": str(body["port"])}
        if body.get("connect_timeout") is not None:
            out["tcpoutTimeout"] = num(_positive(body["connect_timeout"], f"{where}.connect_timeout"))
        if not body.get("ssl"):
            for key in TCP_TLS_KEYS:
                if key in body:
                    self.notes.append(f"{where}.{key}: no effect without ssl: true (ignored)")
            return out
        out.update(tcpTls="true", tcpTlsVerify=str(body.get("verify", True)).lower())
        for key, name in TCP_TLS_KEYS.items():
            if body.get(key):
                out[name] = self.file(body[key], f"{where}.{key}")
        return out

    def _out_udp(self, body: dict[str, Any], where: str) -> dict[str, str]:
        return {"udpDestinationHost": str(body["host"]), "udpDestinationPort": str(body["port"])}

    def _out_http(self, body: dict[str, Any], where: str) -> dict[str, str]:
        out = {"httpUrl": body["url"], "httpMethod": str(body.get("method", "POST")).upper()}
        out["httpSuccessCode"] = str(body.get("success_code", 201))
        out["httpVerify"] = str(body.get("verify", False)).lower()
        if body.get("headers"):
            out["httpHeaders"] = json.dumps(body["headers"])
        if body.get("username") is not None:
            out.update(httpUser=str(body["username"]), httpPassword=str(body.get("password", "")))
        out.update(self._reach(body, where, HTTP_REACH))
        if body.get("concurrency") is not None and body["concurrency"] < 1:
            raise ConfigError(f"{where}.concurrency: must be 1 or more")  # one request at a time is within it
        return out

    def _out_opensearch(self, body: dict[str, Any], where: str) -> dict[str, str]:
        out = {"opensearchHosts": ", ".join(map(str, body["hosts"])), "opensearchIndex": body["index"]}
        out.update(opensearchUser=str(body["username"]), opensearchPassword=str(body["password"]))
        out["opensearchVerify"] = str(body.get("verify", False)).lower()
        out.update(self._reach(body, where, OPENSEARCH_REACH))
        return out

    def _reach(self, body: dict[str, Any], where: str, names: Reach) -> dict[str, str]:
        """How http and opensearch reach their server (CA, timeouts, client certificate, proxy), as our settings
        `names` (Eventum's key → ours); files are checked and resolved as every other file is."""
        out: dict[str, str] = {}
        for key in ("ca_cert", "client_cert", "client_cert_key"):
            if body.get(key):
                out[getattr(names, key)] = self.file(body[key], f"{where}.{key}")
        if body.get("request_timeout"):
            out[names.request_timeout] = num(body["request_timeout"])
        if body.get("connect_timeout") is not None:
            out[names.connect_timeout] = num(_positive(body["connect_timeout"], f"{where}.connect_timeout"))
        if body.get("proxy_url"):
            out[names.proxy_url] = str(body["proxy_url"])
        return out

    def _out_kafka(self, body: dict[str, Any], where: str) -> dict[str, str]:
        out = {"kafkaBootstrapServers": ", ".join(map(str, body["bootstrap_servers"])), "kafkaTopic": body["topic"]}
        if body.get("key"):
            out["kafkaKey"] = str(body["key"])
        acks = body.get("acks", 1)
        out["kafkaAcks"] = {-1: "all", 0: "0", 1: "1"}.get(acks, str(acks))
        if body.get("compression_type"):
            out["kafkaCompression"] = body["compression_type"]
        for key, name in (("max_batch_size", "kafkaBatchSize"), ("max_request_size", "kafkaMaxRequestSize"),
                          ("linger_ms", "kafkaLingerMs")):  # fmt: skip
            if key in body:
                out[name] = str(body[key])
        if "enable_idempotence" in body:
            out["kafkaIdempotence"] = str(body["enable_idempotence"]).lower()
        if str(body.get("encoding", "utf_8")).replace("_", "-").lower() not in ("utf-8", "utf8"):
            raise ConfigError(f"{where}.encoding: records are written as UTF-8 here; only utf_8 is supported")
        extra: dict[str, Any] = {name: body[key] for key, name in KAFKA_PROPERTIES.items() if key in body}
        for key, name in KAFKA_FILES.items():
            if body.get(key):
                extra[name] = self.file(body[key], f"{where}.{key}")
        if extra:
            out["kafkaProducerConfig"] = json.dumps(extra)
        return out

    def _out_clickhouse(self, body: dict[str, Any], where: str) -> dict[str, str]:
        given, notes = dsn_parameters(body.get("dsn"), f"{where}.dsn")
        self.notes += notes
        body = {**given, **body}  # the parameters given win over the DSN's
        protocol = str(body.get("protocol", "http"))
        if protocol not in ("http", "https"):
            raise ConfigError(f"{where}.protocol: must be http or https")
        if not 1 <= int(body.get("port", 8123)) <= 65535:
            raise ConfigError(f"{where}.port: a port is 1-65535, got {body['port']}")
        out = {"clickhouseHost": str(body["host"]), "clickhousePort": str(body.get("port", 8123))}
        out.update(clickhouseProtocol=protocol, clickhouseDatabase=str(body.get("database", "default")))
        out.update(clickhouseTable=str(body["table"]), clickhouseUser=str(body.get("username", "default")))
        out["clickhousePassword"] = str(body.get("password", ""))
        out["clickhouseInputFormat"] = str(body.get("input_format", "JSONEachRow"))
        for key, name in (("header", "clickhouseHeader"), ("footer", "clickhouseFooter"),
                          ("separator", "clickhouseSeparator")):  # fmt: skip
            if key in body:
                out[name] = escaped_setting(str(body[key]))
        out["clickhouseVerify"] = str(body.get("verify", True)).lower()
        for key, name in (("ca_cert", "clickhouseCaFile"), ("client_cert", "clickhouseCertFile"),
                          ("client_cert_key", "clickhouseKeyFile")):  # fmt: skip
            if body.get(key):
                out[name] = self.file(body[key], f"{where}.{key}")
        if bool(body.get("client_cert")) != bool(body.get("client_cert_key")):
            raise ConfigError(f"{where}: client_cert and client_cert_key must be given together")
        for key, name in (("client_name", "clickhouseClientName"), ("server_host_name", "clickhouseServerName")):
            if body.get(key):
                out[name] = str(body[key])
        for key, name in (("connect_timeout", "clickhouseConnectTimeout"), ("request_timeout", "clickhouseTimeout")):
            if body.get(key):
                out[name] = num(body[key])
        out.update(self._clickhouse_tls_mode(body, where))
        if body.get("pool_maxsize") is not None and body["pool_maxsize"] < 1:
            raise ConfigError(f"{where}.pool_maxsize: must be 1 or more")  # one connection per output is within it
        if body.get("proxy_url"):
            out["clickhouseProxy"] = str(body["proxy_url"])
        return out

    @staticmethod
    def _clickhouse_tls_mode(body: dict[str, Any], where: str) -> dict[str, str]:
        """`tls_mode` as clickhouse-connect reads it: `strict` verifies the server, `mutual` also presents a client
        certificate; `proxy` (TLS ended by a proxy in front of ClickHouse) has no equivalent over this HTTP client."""
        mode = body.get("tls_mode")
        if mode is None:
            return {}
        if mode == "strict":
            return {"clickhouseVerify": "true"}
        if mode == "mutual":
            if not body.get("client_cert"):
                raise ConfigError(f"{where}.tls_mode: mutual needs client_cert and client_cert_key")
            return {"clickhouseVerify": "true"}
        if mode == "proxy":
            raise ConfigError(
                f"{where}.tls_mode: proxy has no equivalent here: use protocol https (with verify, "
                "ca_cert) to the proxy's address, or proxy_url for an HTTP CONNECT proxy"
            )
        raise ConfigError(f"{where}.tls_mode: must be strict, mutual or proxy, got {mode!r}")


def _octal(value: Any) -> str:
    """Eventum's `file_mode` (640 = rw-r-----) as the octal digits fileMode reads (a digit 8 or 9 is refused)."""
    return str(value)


def _positive(value: float, where: str) -> float:
    if value <= 0:
        raise ConfigError(f"{where}: must be more than 0 seconds")
    return value


def num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
