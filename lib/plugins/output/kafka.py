"""`outputMode = kafka`: one record per event to a Kafka topic through confluent-kafka (librdkafka).

librdkafka batches, compresses and retries; this plugin hands it one record per event, serves delivery
reports with `poll`, and flushes at the end of every batch so each batch's outcome is known: records whose
delivery report carries an error are the batch's failed items. A batch whose records all failed, or a
fatal producer error, fails the whole batch (retryable): the base class closes the producer and the next
attempt builds a new one.
"""

from __future__ import annotations

import logging
import re
import time
from collections import deque
from operator import length_hint
from typing import Any

from eventgen.plugin import (
    OutputError,
    OutputPlugin,
    Payload,
    Setting,
    SettingError,
    WriteResult,
    at_least,
    choice,
    host_port_list,
    parse_bool,
    parse_float,
    parse_int,
    parse_json,
)

from ._kafka_records import Records, Report

log = logging.getLogger(__name__)
RDKAFKA_LOG = logging.getLogger("eventgen.kafka.librdkafka")
OPEN_POLL = 0.1  # seconds per metadata attempt while opening (so "all brokers down" is noticed quickly)
LIBRDKAFKA_MIN_MESSAGE = 1000  # the least message.max.bytes librdkafka takes
# parts of librdkafka error strings that change between repeats of the same error
_VOLATILE = re.compile(r"\s*\((?:after \d+ms[^)]*|\d+ identical error\(s\) suppressed)\)")


def parse_producer_config(text: str) -> dict[str, str | int | float | bool]:
    """A JSON object of extra librdkafka properties: string keys, scalar values."""
    value = parse_json(text)
    if not isinstance(value, dict):
        raise SettingError(f"expected a JSON object of librdkafka properties, got {type(value).__name__}")
    for key, item in value.items():
        if isinstance(item, dict | list) or item is None:
            raise SettingError(f"librdkafka property {key!r} must be a string, number or boolean")
    return value


parse_producer_config.__name__ = "parse_json"  # documented as JSON


class _DebugLog:
    """librdkafka's log lines go to our logger at DEBUG only: its errors reach `error_cb`, logged once each."""

    def log(self, level: int, msg: str, *args: Any) -> None:
        RDKAFKA_LOG.debug(msg, *args)


class KafkaOutput(OutputPlugin):
    name = "kafka"
    summary = "Kafka records (value = event text) via librdkafka; per-record delivery reports counted."
    retries_setting = "kafkaRetries"
    settings = (
        Setting(
            "kafkaBootstrapServers",
            host_port_list,
            "127.0.0.1:9092",
            "Comma-separated `host:port` brokers (ports 1-65535).",
        ),
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
            "Record batch compression (all built into librdkafka).",
        ),
        Setting(
            "kafkaBatchSize",
            at_least(parse_int, 1),
            "1048576",
            "Largest record batch in bytes per partition (librdkafka `batch.size`).",
        ),
        Setting(
            "kafkaLingerMs",
            at_least(parse_int, 0),
            "5",
            "Milliseconds the producer waits to fill a batch (`linger.ms`).",
        ),
        Setting(
            "kafkaMaxRequestSize",
            at_least(parse_int, 1),
            "10485760",
            "Largest record in bytes (`message.max.bytes`; Eventum's `max_request_size`): a larger one fails. "
            "librdkafka's least is 1000, so below that eventgen refuses the larger records itself.",
        ),
        Setting("kafkaHeaders", parse_bool, "false", "Add host, source, sourcetype and index as record headers."),
        Setting(
            "kafkaTimeout",
            at_least(parse_float, 0.1),
            "30",
            "Seconds a record may wait for its acknowledgement (`message.timeout.ms`), to connect and to get "
            "broker metadata when opening; at most outputGiveUpSeconds (the give-up bound of every output).",
        ),
        Setting(
            "kafkaRetries",
            at_least(parse_int, 0),
            None,
            "Producer retries of a failed produce request (`retries`), and retries of a failed batch: "
            "overrides outputRetries for this output.",
        ),
        Setting(
            "kafkaIdempotence",
            parse_bool,
            "false",
            "Idempotent producer (`enable.idempotence`): no duplicates from producer retries; needs kafkaAcks = all.",
        ),
        Setting(
            "kafkaProducerConfig",
            parse_producer_config,
            None,
            'Extra librdkafka producer properties as a JSON object, e.g. `{"batch.num.messages": 100000}`; '
            "they override the properties the settings above make.",
        ),
    )

    @classmethod
    def check(cls, config) -> list[tuple[str, str]]:
        """kafkaIdempotence needs acks = all; librdkafka accepts the producer's properties, kafkaProducerConfig's
        included (an unknown property, a bad value, an SSL file that does not load): a producer is built from
        them without brokers, so nothing connects anywhere, and dropped."""
        if config.kafkaIdempotence and config.kafkaAcks != "all":
            return [("kafkaIdempotence", f"kafkaIdempotence = true needs kafkaAcks = all (got {config.kafkaAcks})")]
        try:
            from confluent_kafka import KafkaException, Producer
        except ImportError:
            return [("outputMode", "outputMode = kafka needs confluent-kafka: pip install confluent-kafka")]
        properties = cls(config).producer_config()
        for name in ("bootstrap.servers", "metadata.broker.list", "sasl.oauthbearer.method"):  # no connection
            properties.pop(name, None)
        properties.update({"error_cb": lambda error: None, "on_delivery": None, "logger": _DebugLog()})
        properties = {name: value for name, value in properties.items() if value is not None}
        try:
            Producer(properties)
        except (KafkaException, ValueError, TypeError) as exc:
            reason = exc.args[0].str() if exc.args and hasattr(exc.args[0], "str") else str(exc)
            key = "kafkaProducerConfig" if config.kafkaProducerConfig else "outputMode"
            return [(key, f"librdkafka refuses the producer's properties: {reason}")]
        return []

    def __init__(self, settings) -> None:
        super().__init__(settings)
        cfg = self.config
        self.topic, self.key = cfg.kafkaTopic, cfg.kafkaKey
        # every wait on the brokers (a record's acknowledgement, connecting, metadata) ends within the give-up
        # bound all outputs share: a dead broker is given up on as soon as any other dead destination
        self.timeout = min(cfg.kafkaTimeout, self.policy.give_up_seconds)
        self.brokers = ",".join(cfg.kafkaBootstrapServers)
        self.producer: Any = None
        self._seen_errors: set[str] = set()  # error strings already logged (once each, across rebuilds)
        self._reset_reports()

    # ----- producer lifecycle ------------------------------------------------------------------

    def producer_config(self) -> dict[str, Any]:
        cfg = self.config
        timeout_ms = int(self.timeout * 1000)
        linger_ms = cfg.kafkaLingerMs
        conf: dict[str, Any] = {
            "bootstrap.servers": self.brokers,
            "client.id": "eventgen",
            "acks": cfg.kafkaAcks,
            "compression.type": cfg.kafkaCompression,
            "batch.size": cfg.kafkaBatchSize,
            "linger.ms": linger_ms,
            "message.max.bytes": max(LIBRDKAFKA_MIN_MESSAGE, cfg.kafkaMaxRequestSize),
            "retries": self.policy.retries,
            "enable.idempotence": cfg.kafkaIdempotence,
            "message.timeout.ms": timeout_ms + linger_ms,  # librdkafka wants it above linger.ms
            "request.timeout.ms": timeout_ms,
            "socket.connection.setup.timeout.ms": max(1000, timeout_ms),  # librdkafka's minimum is 1 s
            "reconnect.backoff.max.ms": 1000,  # a restarted broker is found again within a second
        }
        if cfg.kafkaProducerConfig:
            conf.update(cfg.kafkaProducerConfig)
        # reports of failed records only: a delivered record costs no Python call (acked = produced - failed)
        conf.update(
            {
                "error_cb": self._on_error,
                "on_delivery": self._on_delivery,
                "delivery.report.only.error": True,
                "logger": _DebugLog(),
            }
        )
        return conf

    def open(self) -> None:
        try:
            from confluent_kafka import KafkaException, Producer
        except ImportError as exc:
            raise OutputError(
                "outputMode = kafka needs confluent-kafka: pip install confluent-kafka", retryable=False
            ) from exc
        self._fatal = ""
        self._brokers_down = ""
        try:
            self.producer = Producer(self.producer_config())
        except (KafkaException, ValueError, TypeError) as exc:
            raise OutputError(f"Kafka producer settings rejected: {exc}", retryable=False) from exc
        # metadata proves a broker answers; polled in short steps so "all brokers down" fails at once
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                self.producer.list_topics(self.topic, timeout=min(OPEN_POLL, max(0.01, deadline - time.monotonic())))
                return
            except KafkaException as exc:
                self.producer.poll(0)  # serve error_cb
                if self._brokers_down or self._fatal or time.monotonic() >= deadline:
                    reason = self._fatal or self._brokers_down or str(exc.args[0].str() if exc.args else exc)
                    self._drop_producer()
                    raise OutputError(f"Kafka brokers {self.brokers} unreachable: {reason}") from exc

    def close(self) -> None:
        if self.producer is not None:
            self.producer.flush(min(self.timeout, 5.0))
            self._drop_producer()

    def _drop_producer(self) -> None:
        """Forget the producer, discarding whatever it still holds (its delivery reports then say purged)."""
        producer, self.producer = self.producer, None
        if producer is None:
            return
        try:
            producer.purge()
            producer.poll(0)
        except Exception as exc:  # a producer in a fatal state may refuse; it is dropped either way
            RDKAFKA_LOG.debug("purging the producer: %s", exc)

    # ----- callbacks (served by poll/flush on the writing thread) -------------------------------

    def _reset_reports(self) -> None:
        self._failures: list[Report] = []

    def _on_delivery(self, err, msg) -> None:
        if err is not None:
            self._failures.append((msg.value(), msg.key(), err.str()))

    def _on_error(self, err) -> None:
        from confluent_kafka import KafkaError

        text = _VOLATILE.sub("", err.str())
        if err.fatal():
            self._fatal = f"fatal producer error: {text}"
        elif err.code() == KafkaError._ALL_BROKERS_DOWN:
            self._brokers_down = text
        if text not in self._seen_errors:
            self._seen_errors.add(text)
            log.warning("kafka %s: %s", err.name(), text)

    # ----- writing ---------------------------------------------------------------------------

    def formatter(self):
        text = self.event_text()
        return lambda batch: Payload.of_texts(batch, text(batch))  # unframed: one record value per text

    def write(self, payload: Payload) -> WriteResult:
        self._reset_reports()
        producer = self.producer
        records = Records.of(payload, self.key, self.config.kafkaHeaders)
        n = len(records.values)
        refused, rejected, item_error = self._produce_all(producer, records)
        left = producer.flush(self.timeout + 1.0)  # message.timeout.ms ends every record's wait before this
        if left:  # not reported in time: purge so their reports arrive now (as failures) and nothing lingers
            producer.purge()
            producer.flush(1.0)
        if self._fatal:
            raise OutputError(f"Kafka: {self._fatal}")
        reported = self._failures[0][2] if self._failures else ""
        acked = max(0, refused - len(rejected) - len(self._failures))
        if not acked:  # nothing arrived: a batch failure, retried on a new producer
            raise OutputError(
                f"Kafka: every record of the batch failed: {reported or item_error or 'not acknowledged'}"
            )
        failed = [] if acked == n else records.failed_indices(self._failures, refused, rejected)
        if failed and not item_error:
            item_error = reported or "not acknowledged"
        return WriteResult(failed_indices=failed, item_error=item_error, bytes=len(payload.data))

    def _produce_all(self, producer: Any, records: Records) -> tuple[int, list[int], str]:
        """Hand every record to librdkafka: one `map` of the bound `produce` over the records' columns (no Python
        step per record; delivery reports are served by the flush that ends the batch). A record that raises stops
        the map; its index is read off the values' iterator, it is dealt with, and the map goes on from the next.
        (records produced before a fatal error or a queue that stayed full, the indices produce() refused, why)"""
        from confluent_kafka import KafkaException

        produce, n = producer.produce, len(records.values)
        limit = self.config.kafkaMaxRequestSize
        small = limit if limit < LIBRDKAFKA_MIN_MESSAGE else 0  # below librdkafka's least: refused here
        columns = records.columns(self.topic)
        values = columns[1]
        rejected: list[int] = []  # records produce() refused (e.g. larger than message.max.bytes)
        item_error = ""
        while True:
            try:
                deque(map(_within(produce, small) if small else produce, *columns), 0)
                return n, rejected, item_error
            except _TooLarge:
                i = n - length_hint(values) - 1
                rejected.append(i)
                item_error = item_error or f"record {i} is larger than kafkaMaxRequestSize ({small} bytes)"
            except BufferError:  # local queue full: serve reports until there is room, then produce it again
                i = n - length_hint(values) - 1
                if not self._when_room(produce, producer.poll, records.args_of(self.topic, i)):
                    return i, rejected, f"producer queue stayed full for {self.timeout:g}s"
            except KafkaException as exc:
                i = n - length_hint(values) - 1
                error = exc.args[0] if exc.args else None
                if error is None or error.fatal():
                    self._fatal = f"fatal producer error: {error.str() if error else exc}"
                    return i, rejected, item_error
                rejected.append(i)
                item_error = item_error or f"producer refused record {i}: {error.str()}"

    def _when_room(self, produce, poll, args: tuple) -> bool:
        """Produce one record into a full queue, serving delivery reports until it fits (False: still full
        after kafkaTimeout, i.e. the brokers take nothing)."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            poll(0.005)  # delivered records make no report (only errors do): poll returns only at its timeout
            try:
                produce(*args)
                return True
            except BufferError:
                continue
        return False


class _TooLarge(Exception):
    """A record larger than a kafkaMaxRequestSize below librdkafka's least, refused before produce()."""


def _within(produce: Any, limit: int) -> Any:
    """`produce` that first refuses a record whose value and key exceed `limit` bytes (a Python step per record,
    taken only with such a small kafkaMaxRequestSize)."""

    def size(text: str | bytes | None) -> int:
        if text is None or isinstance(text, bytes) or text.isascii():
            return len(text or b"")
        return len(text.encode())

    def call(topic: str, value: str | bytes, key: str | bytes | None, *rest: Any) -> None:
        if size(value) + size(key) > limit:
            raise _TooLarge
        produce(topic, value, key, *rest)

    return call
