"""`outputMode = opensearch`: documents through the `_bulk` API (opensearch-py), item errors counted.

Each event becomes `{"@timestamp", "_raw", "host", "source", "sourcetype"}`; an event that is a JSON
object also keeps its own fields (the metadata keys win over same-named event fields). Documents
are built per batch as text (no per-event dicts unless the event is JSON).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

import numpy as np

from eventgen.plugin import (
    EventBatch,
    OutputError,
    OutputPlugin,
    Setting,
    at_least,
    choice,
    parse_bool,
    parse_float,
    parse_int,
    parse_list,
    per_second,
)

META = ("host", "source", "sourcetype")
RETRYABLE_STATUS = {408, 429, 500, 502, 503, 504}


class OpenSearchOutput(OutputPlugin):
    name = "opensearch"
    summary = "OpenSearch/Elasticsearch-compatible `_bulk` indexing; item-level failures counted per event."
    retries = 3
    settings = (
        Setting(
            "opensearchHosts",
            parse_list,
            "http://127.0.0.1:9200",
            "Comma-separated node URLs (`https://node:9200`); requests are spread over them.",
        ),
        Setting(
            "opensearchIndex",
            default="eventgen-%Y.%m.%d",
            doc="Index name; strftime directives are filled from each event's time in UTC.",
        ),
        Setting("opensearchUser", default=None, doc="Basic-auth user."),
        Setting("opensearchPassword", default=None, doc="Basic-auth password."),
        Setting("opensearchVerify", parse_bool, "true", "HTTPS: verify the nodes' certificates and host names."),
        Setting("opensearchCaFile", default=None, doc="HTTPS: CA bundle (PEM) to verify the nodes with."),
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
        Setting("opensearchGzip", parse_bool, "false", "Compress request bodies."),
        Setting(
            "opensearchRetries",
            at_least(parse_int, 0),
            "3",
            "Attempts after a retryable failure (connection, 429, 5xx), resuming at the failed chunk.",
        ),
    )

    def __init__(self, settings) -> None:
        super().__init__(settings)
        cfg = self.config
        self.pattern = cfg.get("opensearchIndex", "eventgen-%Y.%m.%d")
        self.chunk = int(cfg.get("opensearchChunkSize", 1000))
        self.max_bytes = int(cfg.get("opensearchMaxChunkBytes", 10000000))
        self.refresh = cfg.get("opensearchRefresh", "false")
        self.current: EventBatch | None = None
        self.next_chunk = 0
        self.rejected: list[int] = []
        self.sent_bytes = 0
        self._stamps: dict[int, str] = {}
        self._indexes: dict[int, str] = {}

    def open(self) -> None:
        try:
            from opensearchpy import OpenSearch
        except ImportError as exc:
            raise OutputError(
                "outputMode = opensearch needs opensearch-py: pip install 'opensearch-py<3'", retryable=False
            ) from exc
        cfg = self.config
        hosts = cfg.get("opensearchHosts") or ["http://127.0.0.1:9200"]
        options: dict[str, Any] = {
            "timeout": float(cfg.get("opensearchTimeout", 60)),
            "max_retries": 0,
            "http_compress": bool(cfg.get("opensearchGzip")),
        }
        if cfg.get("opensearchUser"):
            options["http_auth"] = (cfg["opensearchUser"], cfg.get("opensearchPassword") or "")
        if any(h.startswith("https") for h in hosts):
            options["verify_certs"] = bool(cfg.get("opensearchVerify", True))
            options["ssl_show_warn"] = False
            if cfg.get("opensearchCaFile"):
                options["ca_certs"] = cfg["opensearchCaFile"]
        self.client = OpenSearch(hosts=hosts, **options)

    def close(self) -> None:
        self.client.close()

    # -- documents ---------------------------------------------------------------------------------
    def actions(self, batch: EventBatch) -> list[str]:
        """The `{"index":{"_index":…}}` line of each event."""
        if "%" not in self.pattern:
            return [json.dumps({"index": {"_index": self.pattern}})] * len(batch)
        return per_second(
            batch.times,
            lambda s: json.dumps({"index": {"_index": datetime.fromtimestamp(s, UTC).strftime(self.pattern)}}),
            self._indexes,
        )

    def documents(self, batch: EventBatch) -> list[str]:
        """One JSON document per event."""
        seconds = per_second(
            batch.times, lambda s: datetime.fromtimestamp(s, UTC).strftime("%Y-%m-%dT%H:%M:%S"), self._stamps
        )
        millis = map(
            "%03d".__mod__, np.minimum(((batch.times - np.floor(batch.times)) * 1000).astype(np.int64), 999).tolist()
        )
        stamps = [f"{s}.{m}Z" for s, m in zip(seconds, millis, strict=True)]
        metas = self.metadata(batch)
        docs = [
            f'{{"@timestamp":"{t}","_raw":{r}{m}}}'
            for t, r, m in zip(stamps, map(encode_basestring_ascii, batch.events), metas, strict=True)
        ]
        for i, raw in enumerate(batch.events):
            if raw[:1] == "{":
                try:
                    fields = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(fields, dict):
                    fields.update(json.loads(docs[i]))
                    docs[i] = json.dumps(fields, separators=(",", ":"))
        return docs

    @staticmethod
    def metadata(batch: EventBatch) -> list[str]:
        per_event = [k for k in META if k in batch.columns]
        fixed = "".join(
            f',"{k}":{encode_basestring_ascii(batch.meta[k])}' for k in META if k not in per_event and batch.meta.get(k)
        )
        if not per_event:
            return [fixed] * len(batch)
        columns = [batch.columns[k] for k in per_event]
        return [
            fixed + "".join(f',"{k}":{encode_basestring_ascii(v)}' for k, v in zip(per_event, values, strict=True))
            for values in zip(*columns, strict=True)
        ]

    def chunks(self, actions: list[str], docs: list[str]) -> list[int]:
        """Start index of each `_bulk` request (and the end), by document count and body size."""
        starts, total, count = [0], 0, 0
        for i, (action, doc) in enumerate(zip(actions, docs, strict=True)):
            size = len(action) + len(doc) + 2
            if count and (count == self.chunk or total + size > self.max_bytes):
                starts.append(i)
                total = count = 0
            total += size
            count += 1
        starts.append(len(docs))
        return starts

    # -- sending ---------------------------------------------------------------------------------------
    def write(self, batch: EventBatch) -> list[int]:
        if batch is not self.current:
            self.current, self.next_chunk, self.rejected = batch, 0, []
        actions, docs = self.actions(batch), self.documents(batch)
        starts = self.chunks(actions, docs)
        self.sent_bytes = 0
        for number in range(self.next_chunk, len(starts) - 1):
            a, b = starts[number], starts[number + 1]
            body = "".join(f"{action}\n{doc}\n" for action, doc in zip(actions[a:b], docs[a:b], strict=True))
            self.sent_bytes += len(body)
            reply = self._bulk(body, a)
            if reply.get("errors"):
                for offset, item in enumerate(reply.get("items", [])):
                    result = next(iter(item.values()), {})
                    if int(result.get("status", 500)) >= 300:
                        self.rejected.append(a + offset)
                errors = (next(iter(i.values()), {}).get("error") for i in reply.get("items", []))
                self.item_error = json.dumps(next((e for e in errors if e), ""))[:300]
            self.next_chunk = number + 1
        rejected = self.rejected
        self.current, self.next_chunk, self.rejected = None, 0, []
        return rejected

    def encoded_size(self, batch: EventBatch) -> int:
        return self.sent_bytes

    def _bulk(self, body: str, start: int) -> dict:
        from opensearchpy.exceptions import ConnectionError as NodeUnreachable
        from opensearchpy.exceptions import TransportError

        params = {} if self.refresh == "false" else {"refresh": self.refresh}
        try:
            return self.client.bulk(body=body, params=params)
        except NodeUnreachable as exc:  # includes timeouts
            raise OutputError(f"OpenSearch unreachable: {exc.info or exc}", sent=start) from exc
        except TransportError as exc:
            status = exc.status_code if isinstance(exc.status_code, int) else 0
            detail = f"OpenSearch answered HTTP {status}: {exc.error}"
            if status in (401, 403):
                raise OutputError(
                    f"{detail}: check opensearchUser/opensearchPassword", retryable=False, sent=start
                ) from exc
            raise OutputError(detail, retryable=status in RETRYABLE_STATUS, sent=start) from exc
