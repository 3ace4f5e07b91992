"""Eventum output parameters translated to settings that are applied, or refused with one line: never ignored.
Also the framing they map to (outputSeparator, outputEncoding) and the file output's reopen check."""

from __future__ import annotations

import json
import os
import stat
import textwrap
from pathlib import Path

import numpy as np
import pytest

from eventgen.conf.eventum_map import translate
from eventgen.core.batch import EventBatch
from eventgen.core.errors import ConfigErrors
from eventgen.plugin.base import registry


def project(folder: Path, output_yml: str) -> Path:
    (folder / "templates").mkdir(exist_ok=True)
    (folder / "templates" / "t.jinja").write_text("x\n")
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (folder / name).write_text("pem\n")
    yml = f"""
    input:
      - static: {{count: 1}}
    event:
      template:
        templates:
          - t: {{template: templates/t.jinja}}
    output:
      - {output_yml}
    """
    path = folder / "generator.yml"
    path.write_text(textwrap.dedent(yml).lstrip("\n"))
    return path


def stanza(path: Path) -> dict[str, str]:
    sections, notes = translate(path, {}, {})
    assert notes == []  # nothing ignored
    return next(iter(sections.values()))


def test_kafka_parameters_become_librdkafka_properties(tmp_path):
    out = stanza(
        project(
            tmp_path,
            "kafka: {bootstrap_servers: [b:9092], topic: t, metadata_max_age_ms: 1000, connections_max_idle_ms: 2000, "
            "retry_backoff_ms: 30, transaction_timeout_ms: 4000, sasl_kerberos_service_name: kafka, "
            "ssl_cafile: ca.pem, ssl_certfile: cert.pem, ssl_keyfile: key.pem, max_request_size: 512}",
        )
    )
    folder = tmp_path.resolve()
    assert json.loads(out["kafkaProducerConfig"]) == {
        "metadata.max.age.ms": 1000,
        "connections.max.idle.ms": 2000,
        "retry.backoff.ms": 30,
        "transaction.timeout.ms": 4000,
        "sasl.kerberos.service.name": "kafka",
        "ssl.ca.location": f"{folder}/ca.pem",
        "ssl.certificate.location": f"{folder}/cert.pem",
        "ssl.key.location": f"{folder}/key.pem",
    }
    assert out["kafkaMaxRequestSize"] == "512"


def test_http_clickhouse_file_and_tcp_parameters_map_to_settings(tmp_path):
    out = stanza(
        project(
            tmp_path,
            "http: {url: 'http://h:1/x', connect_timeout: 2.5, client_cert: cert.pem, client_cert_key: key.pem, "
            "proxy_url: 'http://p:3128', concurrency: 8}",
        )
    )
    folder = tmp_path.resolve()
    assert {k: out[k] for k in ("httpConnectTimeout", "httpCertFile", "httpKeyFile", "httpProxy")} == {
        "httpConnectTimeout": "2.5",
        "httpCertFile": f"{folder}/cert.pem",
        "httpKeyFile": f"{folder}/key.pem",
        "httpProxy": "http://p:3128",
    }
    out = stanza(
        project(tmp_path, "clickhouse: {host: h, table: t, tls_mode: strict, pool_maxsize: 4, proxy_url: 'http://p:1'}")
    )
    assert (out["clickhouseVerify"], out["clickhouseProxy"]) == ("true", "http://p:1")
    out = stanza(project(tmp_path, "file: {path: a.log, file_mode: 600, cleanup_interval: 5, flush_interval: 2}"))
    assert (out["fileMode"], out["fileReopenCheck"]) == ("600", "5")
    out = stanza(project(tmp_path, "tcp: {host: h, port: 1, connect_timeout: 3, separator: '|', encoding: latin_1}"))
    assert out["tcpoutTimeout"] == "3"
    assert json.loads(out["outputFormatBy"])["tcpout"] == {
        "outputFormat": "raw",
        "outputSeparator": "|",
        "outputEncoding": "iso8859-1",
    }


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (
            "kafka: {bootstrap_servers: [b], topic: t, sasl_kerberos_domain_name: example.com}",
            "output[0].kafka.sasl_kerberos_domain_name: no equivalent in librdkafka, which takes the broker's host "
            "name for the Kerberos service principal: name the brokers in bootstrap_servers by the host names of "
            "their principals",
        ),
        (
            "kafka: {bootstrap_servers: [b], topic: t, encoding: utf_16}",
            "output[0].kafka.encoding: records are written as UTF-8 here; only utf_8 is supported",
        ),
        (
            "clickhouse: {host: h, table: t, tls_mode: proxy}",
            "output[0].clickhouse.tls_mode: proxy has no equivalent here: use protocol https (with verify, ca_cert) "
            "to the proxy's address, or proxy_url for an HTTP CONNECT proxy",
        ),
        (
            "clickhouse: {host: h, table: t, tls_mode: mutual}",
            "output[0].clickhouse.tls_mode: mutual needs client_cert and client_cert_key",
        ),
        ("clickhouse: {host: h, table: t, pool_maxsize: 0}", "output[0].clickhouse.pool_maxsize: must be 1 or more"),
        ("http: {url: 'http://h/', concurrency: 0}", "output[0].http.concurrency: must be 1 or more"),
        ("stdout: {encoding: klingon}", "output[0].stdout.encoding: unknown encoding 'klingon'"),
        ("stdout: {flush_interval: -1}", "output[0].stdout.flush_interval: must be 0 or more seconds"),
        ("file: {path: a.log, cleanup_interval: 0}", "output[0].file.cleanup_interval: must be more than 0 seconds"),
        ("tcp: {host: h, port: 1, connect_timeout: 0}", "output[0].tcp.connect_timeout: must be more than 0 seconds"),
    ],
)
def test_parameters_refused_with_one_line(tmp_path, output, message):
    path = project(tmp_path, output)
    with pytest.raises(ConfigErrors) as caught:
        translate(path, {}, {})
    assert str(caught.value) == f"{path}: {message}"


def batch(events: list[str]) -> EventBatch:
    return EventBatch("s", 0, events, np.zeros(len(events)), {}, {})


def output(name: str, **settings: object):
    registry.load()
    return registry.get("output", name)({**settings})  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("separator", "encoding", "data"),
    [
        ("|", None, "café|b|".encode()),
        (None, "latin-1", "café\nb\n".encode("latin-1")),
        ("\r\n", "utf-16-le", "café\r\nb\r\n".encode("utf-16-le")),
    ],
)
def test_separator_and_encoding_frame_each_event_with_exact_bounds(separator, encoding, data):
    settings = {k: v for k, v in (("outputSeparator", separator), ("outputEncoding", encoding)) if v is not None}
    payload = output("file", fileName="unused", **settings).format(batch(["café", "b"]))
    assert bytes(payload.data) == data
    first = len(("café" + (separator or "\n")).encode(encoding or "utf-8"))
    assert payload.bounds.tolist() == [0, first, len(data)]
    datagrams = output("udpout", **settings).format(batch(["café", "b"]))
    assert bytes(datagrams.data) == ("café" + (separator or "") + "b" + (separator or "")).encode(encoding or "utf-8")


def test_file_mode_is_set_and_a_moved_file_is_reopened(tmp_path, monkeypatch):
    path = tmp_path / "out.log"
    plugin = output("file", fileName=str(path), fileMode=0o600, fileReopenCheck=5.0)
    plugin.open()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    plugin.write(plugin.format(batch(["one"])))
    os.rename(path, tmp_path / "out.log.1")  # rotated away by another program
    module = __import__(type(plugin).__module__, fromlist=["time"])
    start = module.time.monotonic()
    plugin.write(plugin.format(batch(["two"])))  # within the interval: still the moved file
    monkeypatch.setattr(module.time, "monotonic", lambda: start + 6)
    plugin.write(plugin.format(batch(["three"])))  # past it: fileName checked, reopened
    plugin.close()
    assert (tmp_path / "out.log.1").read_text() == "one\ntwo\n"
    assert path.read_text() == "three\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
