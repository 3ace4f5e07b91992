"""Payloads a worker hands back travel as message parts of their own: the bytes are never copied into the
message, the host uses the received part in place, and a DONE whose payload does not fit its parts is not
believed (the job is made again)."""

from __future__ import annotations

import numpy as np
import pytest

from eventgen.core.batch import EventBatch
from eventgen.core.delta import JobDelta
from eventgen.format.envelopes import ModinputXml
from eventgen.format.payload import Payload
from eventgen.format.text import EventText
from eventgen.rpc.events import Done
from eventgen.rpc.host import PeerHost
from eventgen.rpc.memory import MemoryHub
from eventgen.rpc.protocol import MsgType, decode, encode

T0 = 1_700_000_000.25


def payload() -> Payload:
    batch = EventBatch("s", 3, ["a<b", "é ok", "c&d"], np.array([T0, T0 + 1, T0 + 2]))
    batch.meta.update(host="h", source="s", sourcetype="st", index="main")
    return ModinputXml(EventText())(batch)


def test_the_bytes_go_in_a_part_of_their_own_and_come_back_without_a_copy() -> None:
    sent = payload()
    frames: list[bytes | memoryview] = []
    wire = sent.to_wire(False, frames)
    assert "data" not in wire and wire["frame"] == 0 and frames[0] is sent.data  # not copied on the way out
    message = decode(encode(MsgType.DONE, run="r", key=["s", 3], stats={}, error="", payloads=[[0, wire]]))
    received = memoryview(bytes(sent.data))  # as the transport hands a part over: a view of its buffer
    back = Payload.from_wire(message["payloads"][0][1], (received,))
    assert back.data is received  # used where it lies
    assert (back.count, back.bounds.tolist(), back.batch) == (3, sent.bounds.tolist(), None)
    assert bytes(back.piece(1, 2)) == (
        b"<event><time>1700000001.250</time><index>main</index><source>s</source><sourcetype>st</sourcetype>"
        b"<host>h</host><data>\xc3\xa9 ok</data></event>\n"
    )


@pytest.mark.parametrize(
    ("frame", "parts", "reason"),
    [
        (1, 1, "names frame 1 of 1"),
        (-1, 1, "names frame -1 of 1"),
        ("0", 1, "names frame '0' of 1"),
        (0, 0, "names frame 0 of 0"),
    ],
)
def test_a_done_whose_payload_names_no_part_it_carries_is_not_believed(frame, parts, reason) -> None:
    sent = payload()
    hub = MemoryHub()
    host = PeerHost(hub.server(), "run-1", None)
    wire = sent.to_wire(False, [])
    wire["frame"] = frame
    stats = JobDelta().to_wire()
    done = encode(MsgType.DONE, run="run-1", key=["s", 3], stats=stats, error="", payloads=[[0, wire]])
    hub.client(b"w1").send(done, [bytes(sent.data)] * parts)
    (event,) = [e for e in host.poll(0.5) if isinstance(e, Done)]
    assert event.report.handback == [] and reason in event.unreadable


def test_a_done_whose_bytes_do_not_fit_its_bounds_is_not_believed() -> None:
    sent = payload()
    hub = MemoryHub()
    host = PeerHost(hub.server(), "run-1", None)
    frames: list[bytes | memoryview] = []
    wire = sent.to_wire(False, frames)
    done = encode(MsgType.DONE, run="run-1", key=["s", 3], stats=JobDelta().to_wire(), error="", payloads=[[0, wire]])
    hub.client(b"w1").send(done, [bytes(sent.data)[:-1]])
    (event,) = [e for e in host.poll(0.5) if isinstance(e, Done)]
    assert event.report.handback == [] and "bounds do not fit" in event.unreadable
    hub.client(b"w2").send(done, [bytes(sent.data)])  # the same message with its bytes whole is believed
    (event,) = [e for e in host.poll(0.5) if isinstance(e, Done)]
    assert event.unreadable == "" and bytes(event.report.handback[0][1].data) == bytes(sent.data)
