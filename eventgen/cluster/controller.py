"""The controller: the run's engine with its peers on tcp:// (CurveZMQ beyond loopback).

Everything a controller does to jobs — plan, pacing, dispatch, re-issue, acceptance, accounting —
is the engine's and the dispatcher's; this module only makes the transport and adds the workers'
part of the summary and status.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from eventgen.cluster.earlier import write_earlier
from eventgen.cluster.peers import PeerTransport
from eventgen.rpc.sockets import ServerTransport
from eventgen.run.dispatcher import LEAVING, WORKING


def controller_transport(
    server: ServerTransport, bundle: dict[str, Any], heartbeat: float = 1.0, liveness: int = 3
) -> Callable:
    """A transport factory for `Engine`: peers are the remote workers that connect to `server`."""

    def make(engine) -> PeerTransport:
        return PeerTransport(server, engine.run_id, bundle, heartbeat, liveness, engine.status)

    return make


def write_workers(engine, stream: TextIO) -> None:
    """The per-worker part of a controller's summary (columns as wide as their widest entry), then the counts
    of earlier runs that workers handed over."""
    rows = [p.describe() for p in engine.dispatcher.peers.values()]
    name = max([len("worker")] + [len(r["name"]) for r in rows])
    host = max([len("host")] + [len(r["host"]) for r in rows])
    lines = [f"{'worker':<{name}} {'host':<{host}} {'state':<8} {'jobs':>8} {'sent':>12} {'failed':>8} {'refused':>7}"]
    for r in rows:
        lines.append(
            f"{r['name']:<{name}} {r['host']:<{host}} {r['state']:<8} {r['jobs']:>8,} {r['sent']:>12,} "
            f"{r['failed']:>8,} {r['refused']:>7,}"
        )
    stream.write("\n".join(lines) + "\n")
    stream.flush()
    write_earlier(list(getattr(engine.transport, "earlier", {}).values()), stream)


def status_line(status: dict[str, Any]) -> str:
    working = sum(1 for w in status["workers"] if w["state"] in (WORKING, LEAVING))
    t, j = status["totals"], status["jobs"]
    rate = t["generated"] / max(status["elapsed"], 1e-9)
    return (
        f"cluster [{status['state']}]: {working} worker(s), {rate:,.0f} events/s, lag {status['lag']:.1f}s, "
        f"{t['sent']:,} sent, {t['failed']:,} failed; jobs {j['queued']} queued, {j['inflight']} in flight, "
        f"{j['done']:,} done, {j['reissued']} re-issued, {j['refused']} refused{_policy(status)}"
    )


def _policy(status: dict[str, Any]) -> str:
    """The late-joiner/backlog policy as the STATUS reply states it (absent from older controllers)."""
    pacing = status.get("pacing")
    if not pacing:
        return ""
    text = f"; backlog caught up at <= {pacing['catchup']:g}x the rate"
    if pacing.get("catching_up"):
        text += f", catching up {pacing['behind_seconds']:.1f}s"
    return text
