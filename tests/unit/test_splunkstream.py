"""splunkstream in process against the loopback splunkd: an expired session is renewed once, HTTPS with splunkd's CA,
a rejected certificate in one line, and events with their own metadata cut into runs."""

from __future__ import annotations

import sys
from typing import cast

import numpy as np
import pytest

from eventgen.core.batch import EventBatch
from eventgen.plugin import OutputPlugin, Payload, registry
from eventgen.plugin.compliance import compliance_batch, settings_from
from tests.servers import self_signed_cert
from tests.splunkd_standin import Splunkd
from tests.waiting import wait_for

registry.load()
PLUGIN = cast(type[OutputPlugin], registry.get("output", "splunkstream"))


def output(splunkd: Splunkd, **more: str):
    raw = {
        "splunkHost": "127.0.0.1",
        "splunkPort": str(splunkd.port),
        "splunkMethod": "https" if splunkd.tls else "http",
        "splunkUser": splunkd.user,
        "splunkPass": splunkd.password,
        "outputGiveUpSeconds": "1",
        **more,
    }
    return PLUGIN(settings_from(PLUGIN, raw))


@pytest.fixture
def splunkd():
    server = Splunkd().start()
    yield server
    server.stop()


def test_an_expired_session_is_renewed_once(splunkd):
    out = output(splunkd)
    first, second = compliance_batch(), compliance_batch()
    assert out.deliver(first).sent == 25
    splunkd.expire()
    delivery = out.deliver(second)
    out.shutdown()
    assert (delivery.sent, delivery.failed, delivery.resent) == (25, 0, 0)
    assert (splunkd.logins, splunkd.refused_posts) == (2, 1)
    assert splunkd.events == first.events + second.events
    assert splunkd.posted[0].query == {
        "index": "main",
        "source": "compliance.log",
        "sourcetype": "compliance",
        "host": "compliance-host",
    }


def test_a_connection_splunkd_closed_while_idle_is_replaced_before_posting(splunkd):
    splunkd.drop_idle = True
    out = output(splunkd)
    out.servers[0].login()  # before the first post: a post right after the login would race splunkd's close
    wait_for(lambda: splunkd.dropped == 1, "splunkd to close the login's connection")
    deliveries = []
    for _ in range(3):
        deliveries.append(out.deliver(compliance_batch()))
        answered = splunkd.logins + len(splunkd.posted)  # each closed after its answer: idle before it is reused
        wait_for(lambda answered=answered: splunkd.dropped == answered, "splunkd to close its connections")
    out.shutdown()
    assert [(d.sent, d.failed, d.resent) for d in deliveries] == [(25, 0, 0)] * 3  # nothing sent twice
    assert (splunkd.logins, len(splunkd.posted), len(splunkd.events)) == (1, 3, 75)


def test_a_closed_connection_not_seen_before_posting_is_reposted_and_counted_resent(splunkd, monkeypatch):
    """The race the check before posting cannot see (splunkd closes as the request goes out): the request goes once
    more on a new connection, in the same attempt, and its events count `resent` (the first copy may have arrived)."""
    splunkd.drop_idle = True
    monkeypatch.setattr(sys.modules["eventgen_plugins.output._splunkd"], "peer_gone", lambda sock: False)
    out = output(splunkd)
    deliveries = [out.deliver(compliance_batch()) for _ in range(2)]
    out.shutdown()
    assert [(d.sent, d.failed, d.resent) for d in deliveries] == [(25, 0, 25)] * 2
    assert (splunkd.logins, len(splunkd.events)) == (1, 50)


def test_a_list_of_hosts_takes_batches_in_turn_and_a_dead_one_is_failed_over():
    first = Splunkd().start()
    second = Splunkd(port=first.port, address="127.0.0.2").start()
    try:
        out = output(first, splunkHost='["127.0.0.1", "127.0.0.2"]')
        batches = [compliance_batch() for _ in range(4)]
        deliveries = [out.deliver(batch) for batch in batches[:2]]
        second.stop()  # its batch is retried on the other
        deliveries += [out.deliver(batch) for batch in batches[2:]]
        out.shutdown()
    finally:
        first.stop()
        second.stop()
    assert [(d.sent, d.failed) for d in deliveries] == [(25, 0)] * 4
    assert (first.logins, second.logins) == (1, 1)
    assert second.events == batches[1].events
    assert first.events == batches[0].events + batches[2].events + batches[3].events


def test_https_with_splunkds_ca_and_a_rejected_certificate(tmp_path):
    cert, key = self_signed_cert(tmp_path)
    server = Splunkd(tls=(str(cert), str(key))).start()
    try:
        trusted = output(server, splunkCaFile=str(cert))
        assert trusted.deliver(compliance_batch()).sent == 25
        trusted.shutdown()
        refused = output(server)
        delivery = refused.deliver(compliance_batch())
        refused.shutdown()
    finally:
        server.stop()
    assert (delivery.sent, delivery.failed) == (0, 25)
    assert delivery.error == (
        f"TLS certificate of splunkd https://127.0.0.1:{server.port} rejected (self-signed certificate): give its CA "
        "in splunkCaFile, or set splunkVerify = false"
    )
    assert server.logins == 1


def test_events_with_their_own_metadata_go_in_runs():
    module = __import__(PLUGIN.__module__, fromlist=["runs", "StreamFrames"])
    batch = EventBatch("s", 0, ["a", "b", "c", "d"], np.zeros(4), {"index": "i"}, {"host": ["h1", "h1", "h2", "h1"]})
    payload: Payload = PLUGIN(settings_from(PLUGIN, {"splunkHost": "x"})).format(batch)
    assert module.runs(payload) == [(0, 2, "index=i&host=h1"), (2, 3, "index=i&host=h2"), (3, 4, "index=i&host=h1")]
    assert module.runs(payload.tail(2)) == [(0, 1, "index=i&host=h2"), (1, 2, "index=i&host=h1")]
    assert bytes(payload.piece(0, 2)) == b"a\nb\n"
