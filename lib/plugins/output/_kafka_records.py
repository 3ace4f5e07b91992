"""Kafka records of a batch (key, headers, timestamp of each, built per batch) and the matching of librdkafka's
delivery reports, which name a record by value and key only, back to the batch's records."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from eventgen.plugin import EventBatch, Payload, micros

FIELDS = ("host", "source", "sourcetype", "index")
PARTITION_ANY = -1  # librdkafka's RD_KAFKA_PARTITION_UA: the partitioner chooses

Report = tuple[bytes | None, bytes | None, str]  # a failed record's value, key and error


def record_key(spec: str | None, batch: EventBatch) -> list[str] | bytes | None:
    """`kafkaKey` for a batch: None (no key), one key for all its records, or one per record (a `$field` of a CSV
    sample's rows: the column's texts themselves, whose UTF-8 librdkafka reads in place)."""
    if not spec:
        return None
    if spec == "$sample":
        return batch.sample.encode()
    if spec[:1] == "$" and spec[1:] in FIELDS:
        name = spec[1:]
        column = batch.columns.get(name)
        if column is None:
            return batch.meta.get(name, "").encode()
        return column
    return spec.encode()


@dataclass
class Records:
    """The records of one payload, as parallel columns for the produce loop: `columns(topic)` are the positional
    arguments of `Producer.produce` (topic, value, key, partition, two callbacks, timestamp[, headers]), one
    iterator each, so the loop is one `map` over them at C speed and the position of a record that raised is
    read off the values' iterator."""

    values: list[str] | list[bytes]  # str when the formatter kept its texts: librdkafka gets their UTF-8
    keys: list[str] | bytes | None  # one per record, or one for all
    stamps: list[int]  # milliseconds
    headers: list[Any] | None  # one list of (name, bytes) per record, or None for no headers at all

    def key_of(self, i: int) -> str | bytes | None:
        return self.keys[i] if isinstance(self.keys, list) else self.keys

    def columns(self, topic: str) -> tuple[Iterator[Any], ...]:
        """Iterators over produce()'s positional arguments, record by record (the second is the values')."""
        n = len(self.values)
        keys = iter(self.keys) if isinstance(self.keys, list) else repeat(self.keys, n)
        fixed = (repeat(topic, n), iter(self.values), keys, repeat(PARTITION_ANY, n), repeat(None, n), repeat(None, n))
        if self.headers is None:  # no headers argument at all: the call stays as cheap as the bare one
            return (*fixed, iter(self.stamps))
        return (*fixed, iter(self.stamps), iter(self.headers))

    def args_of(self, topic: str, i: int) -> tuple[Any, ...]:
        """produce()'s positional arguments for record `i` alone (a retry into a full queue)."""
        head = (topic, self.values[i], self.key_of(i), PARTITION_ANY, None, None, self.stamps[i])
        return head if self.headers is None else (*head, self.headers[i])

    @classmethod
    def of(cls, payload: Payload, key_spec: str | None, with_headers: bool) -> Records:
        batch = payload.batch
        assert batch is not None  # Kafka is no single writer: payloads never travel without their batch
        lo = payload.offset
        values = payload.record_values()
        n = len(values)
        stamps = (micros(batch.times[lo : lo + n]) // 1000).tolist()  # ms by the one rounding rule
        keys = record_key(key_spec, batch)
        if isinstance(keys, list) and (lo or n != len(keys)):  # a tail's keys (a whole batch's are the column)
            keys = keys[lo : lo + n]
        headers: list[Any] | None = None
        if with_headers and batch.columns:
            field = batch.field
            headers = [[(k, v.encode()) for k in FIELDS if (v := field(k, lo + i))] for i in range(n)]
        elif with_headers:
            headers = [[(k, batch.meta[k].encode()) for k in FIELDS if batch.meta.get(k)]] * n
        return cls(values, keys, stamps, headers)

    def failed_indices(self, failures: list[Report], produced: int, rejected: list[int]) -> list[int]:
        """Indices of the failed records: reports carry value and key (no index), so each failure takes the first
        not yet taken record with the same value and key (identical records are interchangeable); then the records
        produce() refused, and those never produced."""
        slots: dict[tuple[bytes, bytes | None], deque[int]] = defaultdict(deque)
        wanted = {(value, key) for value, key, _ in failures}
        skip = set(rejected)
        for i in range(produced):
            if i in skip:
                continue
            text = self.values[i]
            key = self.key_of(i)
            pair = (text.encode() if isinstance(text, str) else text, key.encode() if isinstance(key, str) else key)
            if pair in wanted:
                slots[pair].append(i)
        failed = []
        for reported, key, _ in failures:
            queue = slots.get((reported, key)) if reported is not None else None
            if queue:
                failed.append(queue.popleft())
        failed.extend(rejected)
        failed.extend(range(produced, len(self.values)))
        return sorted(failed)
