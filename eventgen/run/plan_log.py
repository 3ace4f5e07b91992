"""`-v`: the run's plan in the log: each sample with its schedule, window and outputs, then every output with
its destination (settings that may hold a secret are never shown)."""

from __future__ import annotations

import logging
from datetime import datetime

from eventgen.conf.sample import Sample
from eventgen.plugin.base import registry
from eventgen.schedule.plan import Window

log = logging.getLogger("eventgen.run.engine")

# "pass": splunkPass too; "proxy": a proxy URL may carry user:password (httpProxy, opensearchProxyUrl…)
SECRET_WORDS = ("pass", "token", "key", "secret", "auth", "proxy")


def log_plan(samples: list[Sample], windows: list[Window], counts: list[int | None]) -> None:
    """One line per sample (`counts`: the events each bounded plan holds, None when not counted), one per
    output and destination."""
    outputs: dict[tuple[str, str], list[str]] = {}
    for sample, window, count in zip(samples, windows, counts, strict=True):
        settings = sample.settings
        schedule = settings["input"]
        if schedule == "interval":
            schedule += f" every {settings.get('interval')}s, count {settings.get('count')}"
        start = _shown(window.start, sample.tz)
        if window.end_time is not None:
            span = f"{start} to {_shown(window.end_time, sample.tz)} (historical)"
        elif window.end_count is not None:
            span = f"from {start}, {window.end_count} tick(s) (bounded)"
        else:
            span = f"from {start}, live until stopped"
        if window.bounded:
            span += f", {'?' if count is None else f'{count:,}'} events planned"
        names = list(settings.get("outputMode") or [])
        log.info(
            "plan: sample %s: generator %s, input %s, rater %s, %s; outputs %s",
            sample.label,
            settings["generator"],
            schedule,
            settings["rater"],
            span,
            ", ".join(names) or "none",
        )
        for name in names:
            plugin = registry.get("output", name)
            shown = [
                f"{s.name}={settings.get(s.name)}"
                for s in plugin.settings
                if settings.get(s.name) not in (None, "") and not is_secret(s.name)
            ]
            outputs.setdefault((name, " ".join(shown)), []).append(sample.label)
    for (name, destination), labels in outputs.items():
        log.info("plan: output %s%s for %s", name, f" ({destination})" if destination else "", ", ".join(labels))


def is_secret(name: str) -> bool:
    return any(word in name.lower() for word in SECRET_WORDS)


def _shown(stamp: float, tz) -> str:
    return datetime.fromtimestamp(stamp, tz).isoformat(timespec="seconds")
