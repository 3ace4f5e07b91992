"""`outputMode = kafka`: one record per event to a Kafka topic (kafka-python), delivery checked per record."""

from __future__ import annotations

from typing import Any

from eventgen.plugin import (
    EventBatch,
    OutputError,
    OutputPlugin,
    Payload,
    Setting,
    at_least,
    choice,
    micros,
    parse_bool,
    parse_float,
    parse_int,
    parse_list,
)

FIELDS = ("host", "source", "sourcetype", "index")


class KafkaOutput(OutputPlugin):
    name = "kafka"
    summary = "Kafka records (value = event text), batched by the producer; per-record delivery results counted."
    retries = 3
    settings = (
        Setting("kafkaBootstrapServers", parse_list, "127.0.0.1:9092", "Comma-separated `host:port` brokers."),
        Setting("kafkaTopic", default="eventgen", doc="Topic to produce to."),
        Setting(
            "kafkaKey",
            default=None,
            doc="Record key: empty for none (partitions chosen by the producer), `$host`, `$source`, "
            "`$sourcetype`, `$index` or `$sample` for that field of each event, else a fixed string.",
        ),
        Setting(
            "kafkaAcks",
            choice("0", "1", "all"),
            "all",
            "Acknowledgements the leader waits for: 0 (none: sent means handed to the socket), 1, all.",
        ),
        Setting(
            "kafkaCompression",
            choice("none", "gzip", "snappy", "lz4", "zstd"),
            "none",
            "Record batch compression (snappy, lz4, zstd need their Python packages).",
        ),
        Setting("kafkaBatchSize", at_least(parse_int, 1), "1048576", "Producer batch size in bytes per partition."),
        Setting("kafkaLingerMs", at_least(parse_int, 0), "5", "Milliseconds the producer waits to fill a batch."),
        Setting("kafkaMaxRequestSize", at_least(parse_int, 1024), "10485760", "Largest produce request in bytes."),
        Setting("kafkaHeaders", parse_bool, "false", "Add host, source, sourcetype and index as record headers."),
        Setting(
            "kafkaTimeout",
            at_least(parse_float, 0.1),
            "30",
            "Seconds to wait for a batch's records to be acknowledged (and for broker metadata).",
        ),
        Setting(
            "kafkaRetries",
            at_least(parse_int, 0),
            "3",
            "Producer retries of a failed produce request (and attempts to reach the brokers).",
        ),
    )

    def __init__(self, settings) -> None:
        super().__init__(settings)
        cfg = self.config
        self.topic = cfg.get("kafkaTopic", "eventgen")
        self.key = cfg.get("kafkaKey") or ""
        self.timeout = float(cfg.get("kafkaTimeout", 30))
        self.headers = bool(cfg.get("kafkaHeaders"))
        self.sent_bytes = 0

    def open(self) -> None:
        try:
            from kafka import KafkaProducer
            from kafka.errors import KafkaError
        except ImportError as exc:
            raise OutputError(
                "outputMode = kafka needs kafka-python: pip install kafka-python", retryable=False
            ) from exc
        cfg = self.config
        acks: Any = cfg.get("kafkaAcks", "all")
        compression = cfg.get("kafkaCompression", "none")
        timeout_ms = int(self.timeout * 1000)
        linger_ms = int(cfg.get("kafkaLingerMs", 5))
        newer = {"bootstrap_timeout_ms": timeout_ms, "delivery_timeout_ms": timeout_ms + linger_ms + 1000}
        extra = {k: v for k, v in newer.items() if k in KafkaProducer.DEFAULT_CONFIG}  # kafka-python >= 2.1
        try:
            self.producer = KafkaProducer(
                **extra,
                bootstrap_servers=cfg.get("kafkaBootstrapServers") or ["127.0.0.1:9092"],
                acks=acks if acks == "all" else int(acks),
                compression_type=None if compression == "none" else compression,
                batch_size=int(cfg.get("kafkaBatchSize", 1048576)),
                linger_ms=linger_ms,
                max_request_size=int(cfg.get("kafkaMaxRequestSize", 10485760)),
                retries=int(cfg.get("kafkaRetries", 3)),
                request_timeout_ms=timeout_ms,
                max_block_ms=timeout_ms,
                client_id="eventgen",
            )
        except KafkaError as exc:
            raise OutputError(
                f"Kafka brokers {','.join(cfg.get('kafkaBootstrapServers') or [])} unreachable: {exc}"
            ) from exc
        except (ValueError, AssertionError) as exc:
            raise OutputError(f"Kafka producer settings rejected: {exc}", retryable=False) from exc

    def close(self) -> None:
        self.producer.close(timeout=self.timeout)

    def keys(self, batch: EventBatch) -> list[bytes | None] | bytes | None:
        if not self.key:
            return None
        if self.key == "$sample":
            return batch.sample.encode()
        if self.key[:1] == "$" and self.key[1:] in FIELDS:
            name = self.key[1:]
            column = batch.columns.get(name)
            if column is None:
                return batch.meta.get(name, "").encode()
            return [value.encode() for value in column]
        return self.key.encode()

    def formatter(self):
        text = self.event_text()
        return lambda batch: Payload.of_texts(batch, text(batch))  # unframed: one record value per event

    def write(self, payload: Payload) -> list[int]:
        from kafka.errors import KafkaError

        self.item_error = ""
        batch = payload.batch
        assert batch is not None
        lo, hi = payload.offset, payload.offset + payload.count
        values = payload.records()
        stamps = (micros(batch.times[lo:hi]) // 1000).tolist()
        keys = self.keys(batch)
        if isinstance(keys, list):
            keys = keys[lo:hi]
        per_key = isinstance(keys, list)
        headers = None
        if self.headers and not batch.columns:
            headers = [(k, batch.meta[k].encode()) for k in FIELDS if batch.meta.get(k)]
        send, topic = self.producer.send, self.topic
        futures = []
        failed_from = len(values)
        try:
            for i, (value, stamp) in enumerate(zip(values, stamps, strict=True)):
                key = keys[i] if per_key else keys  # type: ignore[index]
                if self.headers and batch.columns:
                    headers = [(k, batch.field(k, lo + i).encode()) for k in FIELDS if batch.field(k, lo + i)]
                futures.append(send(topic, value=value, key=key, headers=headers, timestamp_ms=stamp))
        except KafkaError as exc:
            failed_from = len(futures)
            self.item_error = f"producer refused record {failed_from}: {exc}"
        try:
            self.producer.flush(timeout=self.timeout)
        except KafkaError as exc:
            self.item_error = f"records not acknowledged within {self.timeout:g}s: {exc}"
        failed = [i for i, future in enumerate(futures) if not future.is_done or future.failed()]
        if failed and not self.item_error:
            self.item_error = str(futures[failed[0]].exception or "not acknowledged")
        failed.extend(range(failed_from, len(values)))
        self.sent_bytes = sum(map(len, values))
        if len(failed) == len(values) and failed_from == 0:
            raise OutputError(f"Kafka: {self.item_error}")
        return failed

    def encoded_size(self, payload: Payload) -> int:
        return self.sent_bytes
