"""The end-of-run summary as people read it: one row per sample and output, columns sized to their content.

Names are never cut beyond recognition: a column is as wide as its longest name, and a name longer than
`NAME_MAX` is cut in the middle with an ellipsis, keeping its start and its end (`splunk-add-on-gcp:gcp_mo…
_compute_instance`), so rows that share a long prefix stay apart. Lines below the table say what the
columns cannot: resent events, events that may be duplicated, acknowledgements, errors, job counts, notes.
"""

from __future__ import annotations

from typing import Any

NAME_MAX = 64  # characters of a sample or output name shown whole; longer ones are cut in the middle


def fit(name: str, width: int = NAME_MAX) -> str:
    """`name`, or its start and end around an ellipsis when it is longer than `width`."""
    if len(name) <= width:
        return name
    tail = (width - 1) // 2
    return f"{name[: width - 1 - tail]}…{name[len(name) - tail :]}"


def summary_lines(data: dict[str, Any]) -> list[str]:
    """The summary (`Stats.summary()`) as text lines: the table, then what it cannot show."""
    rows = data["rows"]
    samples = [fit(r["sample"]) for r in rows]
    outputs = [fit(r["output"]) for r in rows]
    sw = max([len("sample"), len("TOTAL"), *map(len, samples)])
    ow = max([len("output"), *map(len, outputs)])
    header = (
        f"{'sample':<{sw}} {'output':<{ow}} {'generated':>12} {'sent':>12} {'failed':>8} {'bytes':>14} {'events/s':>12}"
    )
    lines = ["", f"eventgen summary ({data['elapsed_seconds']:.2f}s)", header]
    for row, sample, output in zip(rows, samples, outputs, strict=True):
        lines.append(
            f"{sample:<{sw}} {output:<{ow}} {row['generated']:>12,} {row['sent']:>12,} "
            f"{row['failed']:>8,} {row['bytes']:>14,} {row['events_per_second']:>12,.0f}"
        )
    t = data["total"]
    lines.append(
        f"{'TOTAL':<{sw}} {'':<{ow}} {t['generated']:>12,} {t['sent']:>12,} {t['failed']:>8,} "
        f"{t['bytes']:>14,} {t['events_per_second']:>12,.0f}"
    )
    if t["deliveries"] != t["generated"]:
        lines.append(
            f"{t['generated']:,} events made {t['deliveries']:,} deliveries: each event goes to every "
            "output of its sample"
        )
    for row in rows:
        if row["resent"]:
            lines.append(
                f"{row['output']} resent {row['resent']:,} event(s) of {row['sample']} that may already have "
                "arrived (at-least-once: see docs/outputs.md)"
            )
        if row.get("may_be_duplicated"):
            lines.append(
                f"{row['output']}: {row['may_be_duplicated']:,} event(s) of {row['sample']} may be duplicated: "
                "their job(s) were re-issued after a worker was lost, which may have sent them already"
            )
        if row["acked"]:
            lines.append(
                f"{row['output']}: {row['acked']:,} of {row['sent']:,} sent event(s) of {row['sample']} "
                "acknowledged as indexed"
            )
    for output, error in data["errors"].items():
        lines.append(f"last error from {output}: {error}")
    jobs = {k: v for k, v in data["jobs"].items() if v and k != "done"}
    if jobs:
        lines.append("jobs: " + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in jobs.items()))
    lines.extend(data["notes"])
    return lines
