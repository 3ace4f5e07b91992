"""A `RunSummary` as people and programs read it: the status line, the summary table, the JSON, the STATUS reply.

The table has one row per sample and output, columns sized to their content. Names are never cut beyond
recognition: a column is as wide as its longest name, and a name longer than `NAME_MAX` is cut in the middle
with an ellipsis, keeping its start and its end (`splunk-add-on-gcp:gcp_mo…_compute_instance`), so rows that
share a long prefix stay apart. Lines below the table say what the columns cannot: resent events, events that
may be duplicated, acknowledgements, errors, job counts, notes; then, for a controller, its workers and the
counts of earlier runs that workers handed over.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, TextIO

from eventgen.core.delta import Totals
from eventgen.run.peer import LEAVING, WORKING
from eventgen.run.progress import eta
from eventgen.run.summary import ClusterPart, RunSummary, WorkerRow

NAME_MAX = 64  # characters of a sample or output name shown whole; longer ones are cut in the middle


def fit(name: str, width: int = NAME_MAX) -> str:
    """`name`, or its start and end around an ellipsis when it is longer than `width`."""
    if len(name) <= width:
        return name
    tail = (width - 1) // 2
    return f"{name[: width - 1 - tail]}…{name[len(name) - tail :]}"


# ----- the status line ---------------------------------------------------------------------------


def status_line(summary: RunSummary, with_policy: bool = False) -> str:
    """Counts, rate and throughput; with a planned total the percent done and an ETA; in a live run how far
    behind schedule it is (and, `with_policy`, its catch-up policy); the latest output error; on one line."""
    total, planned, elapsed = summary.total, summary.planned, summary.elapsed
    rate = summary.rate
    parts = []
    if planned:
        done = min(total.generated, planned)
        parts.append(f"{100 * done / planned:.1f}% of {planned:,}")
    parts += [
        f"{total.generated:,} generated",
        f"{total.sent:,} sent",
        f"{total.failed:,} failed",
        f"{rate:,.0f} events/s",
        f"{total.bytes / elapsed / 1e6:,.1f} MB/s",
    ]
    if planned and total.generated < planned:
        parts.append(f"ETA {eta((planned - total.generated) / rate)}" if rate > 0 else "ETA ?")
    if summary.lag > 1.0:
        parts.append(f"behind schedule by {summary.lag:.1f}s")
    elif summary.live:
        parts.append(f"lag {summary.lag:.1f}s")
    line = "eventgen: " + ", ".join(parts)
    if summary.errors:
        output, error = next(reversed(summary.errors.items()))
        line += f"; last error from {output}: {error}"
    if with_policy and summary.live:
        p = summary.policy
        line += "; " + policy_text(p.catchup, p.behind_seconds, p.catching_up)
    return line


def policy_text(catchup: float, behind_seconds: float, catching_up: bool) -> str:
    """The catch-up policy in a few words: its bound and, while a backlog is caught up, how far behind."""
    text = f"backlog caught up at <= {catchup:g}x the rate"
    if catching_up:
        text += f", catching up {behind_seconds:.1f}s"
    return text


def made_line(total: Totals | None) -> str:
    """How much was made so far, on one line (for a quit at once: None when the counts were busy)."""
    if total is None:
        return "counts unavailable (busy)"
    return f"{total.generated:,} events generated, {total.sent:,} sent, {total.failed:,} failed"


# ----- the summary table -------------------------------------------------------------------------


def table_lines(summary: RunSummary) -> list[str]:
    """The summary as text lines: the table, then what it cannot show, then a controller's part."""
    rows = summary.rows
    samples = [fit(r.sample) for r in rows]
    outputs = [fit(r.output) for r in rows]
    sw = max([len("sample"), len("TOTAL"), *map(len, samples)])
    ow = max([len("output"), *map(len, outputs)])
    header = (
        f"{'sample':<{sw}} {'output':<{ow}} {'generated':>12} {'sent':>12} {'failed':>8} {'bytes':>14} {'events/s':>12}"
    )
    lines = ["", f"eventgen summary ({round(summary.elapsed, 3):.2f}s)", header]
    for row, sample, output in zip(rows, samples, outputs, strict=True):
        lines.append(
            f"{sample:<{sw}} {output:<{ow}} {row.generated:>12,} {row.sent:>12,} "
            f"{row.failed:>8,} {row.bytes:>14,} {row.events_per_second:>12,.0f}"
        )
    t = summary.total
    lines.append(
        f"{'TOTAL':<{sw}} {'':<{ow}} {t.generated:>12,} {t.sent:>12,} {t.failed:>8,} "
        f"{t.bytes:>14,} {round(summary.rate, 1):>12,.0f}"
    )
    if t.deliveries != t.generated:
        lines.append(
            f"{t.generated:,} events made {t.deliveries:,} deliveries: each event goes to every output of its sample"
        )
    for row in rows:
        if row.resent:
            lines.append(
                f"{row.output} resent {row.resent:,} event(s) of {row.sample} that may already have "
                "arrived (at-least-once: see docs/outputs.md)"
            )
        if row.may_be_duplicated:
            lines.append(
                f"{row.output}: {row.may_be_duplicated:,} event(s) of {row.sample} may be duplicated: "
                "their job(s) were re-issued after a worker was lost, which may have sent them already"
            )
        if row.acked:
            lines.append(
                f"{row.output}: {row.acked:,} of {row.sent:,} sent event(s) of {row.sample} acknowledged as indexed"
            )
    for output, error in summary.errors.items():
        lines.append(f"last error from {output}: {error}")
    jobs = {k: v for k, v in asdict(summary.jobs).items() if v}
    if jobs:
        lines.append("jobs: " + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in jobs.items()))
    lines.extend(summary.notes)
    if summary.cluster is not None:
        lines += worker_lines(summary.workers) + earlier_lines(summary.cluster)
    return lines


def worker_lines(workers: tuple[WorkerRow, ...]) -> list[str]:
    """A controller's workers, columns as wide as their widest entry."""
    name = max([len("worker")] + [len(w.name) for w in workers])
    host = max([len("host")] + [len(w.host) for w in workers])
    lines = [f"{'worker':<{name}} {'host':<{host}} {'state':<8} {'jobs':>8} {'sent':>12} {'failed':>8} {'refused':>7}"]
    for w in workers:
        lines.append(
            f"{w.name:<{name}} {w.host:<{host}} {w.state:<8} {w.jobs:>8,} {w.sent:>12,} {w.failed:>8,} {w.refused:>7,}"
        )
    return lines


def earlier_lines(cluster: ClusterPart) -> list[str]:
    """Earlier runs' counts handed over to a controller (none: no lines)."""
    if not cluster.earlier_runs:
        return []
    lines = ["from earlier runs (their controller went away before its summary; not in this run's totals):"]
    for record in cluster.earlier_runs:
        where = f"run {record.run}: worker {record.worker} ({record.host}), {record.jobs:,} job(s)"
        if not record.rows:
            lines.append(f"  {where}: {record.generated:,} events made, none sent")
        for row in record.rows:
            lines.append(
                f"  {where}: {row.sent:,} events of {row.sample} sent to {row.output}, {row.failed:,} failed, "
                f"{row.bytes:,} bytes"
            )
    return lines


def write_table(summary: RunSummary, stream: TextIO) -> None:
    stream.write("\n".join(table_lines(summary)) + "\n")
    stream.flush()


# ----- JSON and the STATUS reply -----------------------------------------------------------------


def to_json(summary: RunSummary) -> dict[str, Any]:
    """`--stats-json`: the summary as a JSON object."""
    data: dict[str, Any] = {
        "elapsed_seconds": round(summary.elapsed, 3),
        "rows": [asdict(r) for r in summary.rows],
        "total": {**asdict(summary.total), "events_per_second": round(summary.rate, 1)},
        "errors": dict(summary.errors),
        "jobs": {"done": summary.jobs_done, **{k: v for k, v in asdict(summary.jobs).items() if v}},
        "notes": list(summary.notes),
    }
    if summary.close_errors:
        data["close_errors"] = dict(summary.close_errors)
    if summary.pacing:
        data["pacing"] = dict(summary.pacing)
    if summary.asked is not None:
        data["asked"] = summary.asked
    if summary.cluster is not None:
        data["workers"] = [asdict(w) for w in summary.workers]
        data.update(cluster_json(summary.cluster))
    return data


def cluster_json(cluster: ClusterPart) -> dict[str, Any]:
    """A controller's part of the JSON summary and of its STATUS reply."""
    return {
        "bundles_sent": cluster.bundles_sent,
        "dropped_messages": cluster.dropped_messages,
        "earlier_runs": [asdict(record) for record in cluster.earlier_runs],
    }


def write_json(summary: RunSummary, path: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(to_json(summary), handle, indent=2)


def status_reply(summary: RunSummary) -> dict[str, Any]:
    """The run as `eventgen status` gets it (msgpack-safe)."""
    jobs = {"queued": summary.queued, "inflight": summary.inflight, "done": summary.jobs_done, **asdict(summary.jobs)}
    reply = {
        "state": summary.state,
        "run": summary.run_id,
        "elapsed": round(summary.elapsed, 3),
        "workers": [asdict(w) for w in summary.workers],
        "lag": round(summary.lag, 3),
        "totals": asdict(summary.total),
        "jobs": jobs,
        "samples": [asdict(r) for r in summary.rows],
        "pacing": {"policy": "catch-up", **asdict(summary.policy), "live": summary.live},
    }
    if summary.cluster is not None:
        reply.update(cluster_json(summary.cluster))
    return reply


def cluster_line(status: dict[str, Any]) -> str:
    """A STATUS reply on one line (`eventgen status`)."""
    working = sum(1 for w in status["workers"] if w["state"] in (WORKING, LEAVING))
    t, j = status["totals"], status["jobs"]
    rate = t["generated"] / max(status["elapsed"], 1e-9)
    line = (
        f"cluster [{status['state']}]: {working} worker(s), {rate:,.0f} events/s, lag {status['lag']:.1f}s, "
        f"{t['sent']:,} sent, {t['failed']:,} failed; jobs {j['queued']} queued, {j['inflight']} in flight, "
        f"{j['done']:,} done, {j['reissued']} re-issued, {j['refused']} refused"
    )
    pacing = status.get("pacing")  # absent from older controllers
    if pacing:
        line += "; " + policy_text(pacing["catchup"], pacing["behind_seconds"], bool(pacing.get("catching_up")))
    return line
