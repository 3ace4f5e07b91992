"""The controller role: a run whose peers are the remote workers that connect to its socket (tcp://, CurveZMQ
beyond loopback).

Everything a controller does to jobs — plan, pacing, dispatch, re-issue, acceptance, accounting — is the
engine's and the dispatcher's (`run/wire.py` wires them); this role makes the transport (rpc/host.py's
`PeerHost`, with the bundle), keeps the earlier runs' counts that workers hand over apart, and adds its part
(bundles sent, messages dropped, earlier runs) to the summary and to the STATUS reply.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from eventgen.cluster.earlier import take
from eventgen.rpc.events import Handover
from eventgen.rpc.host import PeerHost
from eventgen.rpc.sockets import ServerTransport
from eventgen.run.needs import Needs
from eventgen.run.report import status_reply
from eventgen.run.summary import ClusterPart, EarlierRun, RunSummary

log = logging.getLogger("eventgen.cluster")


class Controller:
    """`transport` is the run's transport factory (for `wire`); `summarize` adds the controller's part."""

    def __init__(self, server: ServerTransport, bundle: dict[str, Any], heartbeat: float = 1.0, liveness: int = 3):
        self.server = server
        self.bundle = bundle
        self.heartbeat = heartbeat
        self.liveness = liveness
        self.host: PeerHost | None = None
        self.earlier: dict[tuple[bytes, str], EarlierRun] = {}  # (peer, run) → its handover: once per worker and run

    def transport(self, needs: Needs) -> PeerHost:
        self.host = PeerHost(
            self.server,
            needs.run_id,
            self.bundle,
            self.heartbeat,
            self.liveness,
            status=lambda: status_reply(self.summarize(needs.summary())),
            handover=self.take,
        )
        return self.host

    def take(self, handover: Handover) -> str:
        """Check an earlier run's counts and keep them: '' when taken, else what is wrong with them."""
        try:
            self.earlier[(handover.peer, handover.run)] = take(handover)
        except ValueError as exc:
            return str(exc)
        return ""

    def summarize(self, summary: RunSummary) -> RunSummary:
        """The run's summary (or status) with the controller's part."""
        host = self.host
        part = ClusterPart(
            host.bundles_sent if host else 0,
            host.drops.dropped if host else 0,
            tuple(self.earlier.values()),
        )
        return dataclasses.replace(summary, cluster=part)
