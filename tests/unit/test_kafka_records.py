"""The Kafka output's records of a payload: produce()'s positional columns in step, and delivery reports (which
name a record by value and key, as bytes) matched back to the batch's records when values and keys are texts."""

from __future__ import annotations

import importlib

import numpy as np

from eventgen.core.batch import EventBatch
from eventgen.format.payload import Payload
from eventgen.plugin import registry

registry.load()  # the built-ins of this checkout, as the registry imports them
Records = importlib.import_module("eventgen_plugins.output._kafka_records").Records

T0 = 1_700_000_000.0


def batch_of(events: list[str], hosts: list[str]) -> EventBatch:
    batch = EventBatch("s.csv", 1, events, np.array([T0 + i / 1000 for i in range(len(events))]))
    batch.columns["host"] = hosts
    batch.meta.update(source="src")
    return batch


def test_values_and_keys_are_the_batch_texts_and_the_columns_stay_in_step() -> None:
    events, hosts = ["a", "é", "a", "b"], ["h1", "h2", "h1", ""]
    batch = batch_of(events, hosts)
    records = Records.of(Payload.of_texts(batch, events), "$host", with_headers=True)
    assert records.values is events and records.keys is hosts  # no bytes object of ours per record
    rows = list(zip(*records.columns("t"), strict=True))
    assert rows[1] == ("t", "é", "h2", -1, None, None, 1_700_000_000_001, [("host", b"h2"), ("source", b"src")])
    assert rows[3][:3] == ("t", "b", "")
    assert records.args_of("t", 1) == rows[1]


def test_reports_in_bytes_find_their_records_among_texts() -> None:
    events, hosts = ["a", "é", "a", "b", "c"], ["h1", "h2", "h1", "h1", "h1"]
    records = Records.of(Payload.of_texts(batch_of(events, hosts), events), "$host", with_headers=False)
    assert len(records.columns("t")) == 7  # no headers argument at all
    failures = [("é".encode(), b"h2", "timed out"), (b"a", b"h1", "timed out"), (b"a", b"h1", "timed out")]
    # both "a" records failed, "é" too; record 3 was refused by produce(); record 4 was never produced
    assert records.failed_indices(failures, produced=4, rejected=[3]) == [0, 1, 2, 3, 4]
    assert records.failed_indices([(b"a", b"h2", "no such pair")], produced=5, rejected=[]) == []


def test_a_tail_payload_gives_its_records_as_bytes() -> None:
    events, hosts = ["x1", "y22", "z333"], ["a", "b", "c"]
    tail = Payload.of_texts(batch_of(events, hosts), events).tail(1)
    records = Records.of(tail, "$host", with_headers=False)
    assert (records.values, records.keys, records.stamps) == (
        [b"y22", b"z333"],
        ["b", "c"],
        [T0 * 1000 + 1, T0 * 1000 + 2],
    )
    assert records.failed_indices([(b"z333", b"c", "x")], produced=2, rejected=[]) == [1]
