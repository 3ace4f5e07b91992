"""`outputMode = opensearch`: documents through the `_bulk` API (opensearch-py), item errors counted.

The worker formats each batch (`BulkDocuments`: an action line and `{"@timestamp", "_raw", "host",
"source", "sourcetype"}` per event; an event that is a JSON object keeps its own fields too). Here
the payload is cut into `_bulk` requests; a retried batch resumes at the failed request.
"""

from __future__ import annotations

import json
import re
from itertools import pairwise
from typing import Any

import numpy as np

from eventgen.plugin import (
    BulkDocuments,
    OutputError,
    OutputPlugin,
    PathKind,
    Payload,
    Setting,
    WriteResult,
    at_least,
    choice,
    http_url,
    parse_bool,
    parse_float,
    parse_int,
    url_list,
)

from ._checks import tls_problems
from ._net import RETRYABLE_STATUS
from ._proxy import proxy_problem


class OpenSearchOutput(OutputPlugin):
    name = "opensearch"
    summary = "OpenSearch/Elasticsearch-compatible `_bulk` indexing; item-level failures counted per event."
    retries_setting = "opensearchRetries"
    settings = (
        Setting(
            "opensearchHosts",
            url_list,
            "http://127.0.0.1:9200",
            "Comma-separated node URLs (`https://node:9200`: `http://` or `https://`, a host, a port 1-65535); "
            "requests are spread over them.",
        ),
        Setting(
            "opensearchIndex",
            default="eventgen-%Y.%m.%d",
            doc="Index name; strftime directives are filled from each event's time in UTC.",
        ),
        Setting("opensearchUser", default=None, doc="Basic-auth user."),
        Setting("opensearchPassword", default=None, doc="Basic-auth password."),
        Setting("opensearchVerify", parse_bool, "true", "HTTPS: verify the nodes' certificates and host names."),
        Setting(
            "opensearchCaFile", default=None, doc="HTTPS: CA bundle (PEM) to verify the nodes with.", path=PathKind.TLS
        ),
        Setting(
            "opensearchClientCertFile",
            default=None,
            doc="HTTPS: client certificate (PEM) presented to nodes that require one (mutual TLS).",
            path=PathKind.TLS,
        ),
        Setting(
            "opensearchClientKeyFile",
            default=None,
            doc="HTTPS: key of the client certificate (when not in opensearchClientCertFile).",
            path=PathKind.TLS,
        ),
        Setting(
            "opensearchProxyUrl",
            http_url,
            None,
            "An http:// proxy (`http://user:pass@host:3128`) whose CONNECT tunnel carries every request to the "
            "nodes, plain or TLS (Eventum's `proxy_url`).",
        ),
        Setting("opensearchChunkSize", at_least(parse_int, 1), "1000", "Most documents in one `_bulk` request."),
        Setting(
            "opensearchMaxChunkBytes", at_least(parse_int, 1024), "10000000", "Most bytes in one `_bulk` request body."
        ),
        Setting(
            "opensearchRefresh",
            choice("false", "true", "wait_for"),
            "false",
            "`refresh` of each `_bulk` request (`wait_for`: documents are searchable when it returns).",
        ),
        Setting("opensearchTimeout", at_least(parse_float, 0.1), "60", "Seconds to wait for a `_bulk` answer."),
        Setting(
            "opensearchConnectTimeout",
            at_least(parse_float, 0.1),
            None,
            "Seconds to wait for a connection to a node (Eventum's `connect_timeout`). Default: opensearchTimeout.",
        ),
        Setting("opensearchGzip", parse_bool, "false", "Compress request bodies."),
        Setting(
            "opensearchRetries",
            at_least(parse_int, 0),
            None,
            "Attempts after a retryable failure (connection, 429, 5xx), resuming at the failed chunk: "
            "overrides outputRetries for this output.",
        ),
    )

    @classmethod
    def check(cls, config) -> list[tuple[str, str]]:
        problem = proxy_problem(config.opensearchProxyUrl)
        if problem:
            return [("opensearchProxyUrl", problem)]
        return tls_problems(config, "opensearchCaFile", "opensearchClientCertFile", "opensearchClientKeyFile")

    def open(self) -> None:
        try:
            from opensearchpy import OpenSearch

            from ._opensearch_node import client_options
        except ImportError as exc:
            raise OutputError(
                "outputMode = opensearch needs opensearch-py: pip install 'opensearch-py<3'", retryable=False
            ) from exc
        self.client = OpenSearch(hosts=self.config.opensearchHosts, **client_options(self.config))

    def close(self) -> None:
        self.client.close()

    # -- documents ---------------------------------------------------------------------------------
    def formatter(self) -> BulkDocuments:
        return BulkDocuments(self.event_text(), self.config.opensearchIndex)

    def chunks(self, payload: Payload) -> list[int]:
        """Start index of each `_bulk` request (and the end), by document count and body size."""
        sizes = np.diff(payload.bounds).tolist()
        most, max_bytes = self.config.opensearchChunkSize, self.config.opensearchMaxChunkBytes
        starts, total, count = [0], 0, 0
        for i, size in enumerate(sizes):
            if count and (count == most or total + size > max_bytes):
                starts.append(i)
                total = count = 0
            total += size
            count += 1
        starts.append(len(sizes))
        return starts

    # -- sending ---------------------------------------------------------------------------------------
    def write(self, payload: Payload) -> WriteResult:
        rejected: list[int] = []
        sent_bytes, item_error = 0, ""
        starts = self.chunks(payload)
        for a, b in pairwise(starts):
            body = bytes(payload.piece(a, b))
            sent_bytes += len(body)
            reply = self._bulk(body, a)
            if reply.get("errors"):
                for offset, item in enumerate(reply.get("items", [])):
                    result: dict[str, Any] = next(iter(item.values()), {})
                    if int(result.get("status", 500)) >= 300:
                        rejected.append(a + offset)
                items: list[dict[str, dict[str, Any]]] = reply.get("items", [])
                errors = (next(iter(i.values()), {}).get("error") for i in items)
                item_error = json.dumps(next((e for e in errors if e), ""))[:300]
        return WriteResult(failed_indices=rejected, item_error=item_error, bytes=sent_bytes)

    def _bulk(self, body: bytes, start: int) -> dict:
        from opensearchpy.exceptions import ConnectionError as NodeUnreachable
        from opensearchpy.exceptions import TransportError

        refresh = self.config.opensearchRefresh
        params = {} if refresh == "false" else {"refresh": refresh}
        try:
            return self.client.bulk(body=body, params=params)
        except NodeUnreachable as exc:  # includes timeouts
            raise OutputError(f"OpenSearch unreachable: {_reason(exc.info or exc)}", sent=start) from exc
        except TransportError as exc:
            status = exc.status_code if isinstance(exc.status_code, int) else 0
            detail = f"OpenSearch answered HTTP {status}: {_answer(exc.error)}"
            if status == 400 and "ssl certificate" in detail.lower():  # a TLS front (nginx…) that wants a client's
                raise OutputError(
                    f"{detail}: set opensearchClientCertFile (and opensearchClientKeyFile)", retryable=False, sent=start
                ) from exc
            if status in (401, 403):
                raise OutputError(
                    f"{detail}: check opensearchUser/opensearchPassword", retryable=False, sent=start
                ) from exc
            raise OutputError(detail, retryable=status in RETRYABLE_STATUS, sent=start) from exc


def _reason(error: object) -> str:
    """urllib3's error text without the connection object it carries (`(<HTTPConnection…>, 'text')`)."""
    args = getattr(error, "args", ())
    return args[-1] if args and isinstance(args[-1], str) else str(error)


def _answer(error: object) -> str:
    """An error answer on one line: the title of an HTML page (what a proxy in front of the nodes answers)."""
    text = " ".join(str(error).split())
    title = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE)
    return (title.group(1) if title else text)[:300]
