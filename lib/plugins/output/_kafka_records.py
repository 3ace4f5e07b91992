"""Kafka records of a batch (key, headers, timestamp of each, built per batch) and the matching of librdkafka's
delivery reports, which name a record by value and key only, back to the batch's records."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from eventgen.plugin import EventBatch, Payload, micros

FIELDS = ("host", "source", "sourcetype", "index")

Report = tuple[bytes | None, bytes | None, str]  # a failed record's value, key and error


def record_key(spec: str | None, batch: EventBatch) -> list[bytes | None] | bytes | None:
    """`kafkaKey` for a batch: None (no key), one key for all its records, or one per record (a `$field` of a CSV
    sample's rows)."""
    if not spec:
        return None
    if spec == "$sample":
        return batch.sample.encode()
    if spec[:1] == "$" and spec[1:] in FIELDS:
        name = spec[1:]
        column = batch.columns.get(name)
        if column is None:
            return batch.meta.get(name, "").encode()
        return [value.encode() for value in column]
    return spec.encode()


@dataclass
class Records:
    """The records of one payload, as parallel iterables for the produce loop."""

    values: list[bytes]
    keys: list[bytes | None] | bytes | None  # one per record, or one for all
    stamps: list[int]  # milliseconds
    headers: Iterable[Any]  # one list of (name, bytes) per record, or None

    @property
    def per_key(self) -> bool:
        return isinstance(self.keys, list)

    def key_of(self) -> Iterable[bytes | None]:
        return self.keys if isinstance(self.keys, list) else repeat(self.keys, len(self.values))

    @classmethod
    def of(cls, payload: Payload, key_spec: str | None, with_headers: bool) -> Records:
        batch = payload.batch
        assert batch is not None  # Kafka is no single writer: payloads never travel without their batch
        lo = payload.offset
        values = payload.records()
        n = len(values)
        stamps = (micros(batch.times[lo : lo + n]) // 1000).tolist()  # ms by the one rounding rule
        keys = record_key(key_spec, batch)
        if isinstance(keys, list):
            keys = keys[lo : lo + n]
        headers: Iterable[Any] = repeat(None, n)
        if with_headers and batch.columns:
            field = batch.field
            headers = [[(k, v.encode()) for k in FIELDS if (v := field(k, lo + i))] for i in range(n)]
        elif with_headers:
            headers = repeat([(k, batch.meta[k].encode()) for k in FIELDS if batch.meta.get(k)], n)
        return cls(values, keys, stamps, headers)

    def failed_indices(self, failures: list[Report], produced: int, rejected: list[int]) -> list[int]:
        """Indices of the failed records: reports carry value and key (no index), so each failure takes the first
        not yet taken record with the same value and key (identical records are interchangeable); then the records
        produce() refused, and those never produced."""
        slots: dict[tuple[bytes, bytes | None], deque[int]] = defaultdict(deque)
        wanted = {(value, key) for value, key, _ in failures}
        skip = set(rejected)
        keys = self.keys
        for i in range(produced):
            if i in skip:
                continue
            pair = (self.values[i], keys[i] if isinstance(keys, list) else keys)
            if pair in wanted:
                slots[pair].append(i)
        failed = []
        for value, key, _ in failures:
            queue = slots.get((value, key)) if value is not None else None
            if queue:
                failed.append(queue.popleft())
        failed.extend(rejected)
        failed.extend(range(produced, len(self.values)))
        return sorted(failed)
