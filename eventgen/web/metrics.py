"""Prometheus metrics (the official prometheus_client): a collector that reads the runs' summaries at each
scrape, so the counters are the summary's own counts, never a second tally kept on the hot path.

Counters per generator, sample and output: generated (per sample), sent, failed, bytes, resent. Gauges per
generator: target rate, achieved rate, lag, workers, jobs in flight. `eventgen server` serves them at /metrics;
`eventgen generate --metrics HOST:PORT` serves the same for a one-shot run (generator "generate").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from eventgen.run.peer import WORKING
from eventgen.run.summary import RunSummary


@dataclass(frozen=True)
class RunView:
    """One generator's run as the collector reads it."""

    generator: str
    summary: RunSummary
    target_rate: float | None
    rate_now: float


class RunCollector(Collector):
    def __init__(self, views: Callable[[], Iterable[RunView]]):
        self.views = views

    def collect(self) -> Iterator[Metric]:
        per_output = ("generator", "sample", "output")
        generated = CounterMetricFamily(
            "eventgen_generated_events", "events made, per generator and sample", labels=("generator", "sample")
        )
        sent = CounterMetricFamily("eventgen_sent_events", "events an output delivered", labels=per_output)
        failed = CounterMetricFamily("eventgen_failed_events", "events an output gave up on", labels=per_output)
        sent_bytes = CounterMetricFamily("eventgen_sent_bytes", "bytes an output delivered", labels=per_output)
        resent = CounterMetricFamily("eventgen_resent_events", "events an output sent again", labels=per_output)
        target = GaugeMetricFamily("eventgen_target_rate", "target events/s (NaN: none set)", labels=("generator",))
        achieved = GaugeMetricFamily(
            "eventgen_achieved_rate", "events/s made over the last seconds", labels=("generator",)
        )
        lag = GaugeMetricFamily("eventgen_lag_seconds", "how far the schedule runs behind", labels=("generator",))
        workers = GaugeMetricFamily("eventgen_workers", "workers taking jobs", labels=("generator",))
        inflight = GaugeMetricFamily("eventgen_inflight_jobs", "jobs handed out, not done", labels=("generator",))
        for view in self.views():
            s, gen = view.summary, view.generator
            made: dict[str, int] = {}
            for row in s.rows:
                made[row.sample] = row.generated
                if row.output:
                    labels = [gen, row.sample, row.output]
                    sent.add_metric(labels, row.sent)
                    failed.add_metric(labels, row.failed)
                    sent_bytes.add_metric(labels, row.bytes)
                    resent.add_metric(labels, row.resent)
            for sample, count in made.items():
                generated.add_metric([gen, sample], count)
            target.add_metric([gen], float("nan") if view.target_rate is None else view.target_rate)
            achieved.add_metric([gen], view.rate_now)
            lag.add_metric([gen], s.lag)
            workers.add_metric([gen], sum(1 for w in s.workers if w.state == WORKING))
            inflight.add_metric([gen], s.inflight)
        yield from (generated, sent, failed, sent_bytes, resent, target, achieved, lag, workers, inflight)


def registry_of(views: Callable[[], Iterable[RunView]]) -> CollectorRegistry:
    """A registry holding only the runs' collector (no process or platform metrics of the server itself)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(RunCollector(views))
    return registry


def parse_address(text: str) -> tuple[str, int]:
    """`HOST:PORT` or `PORT` (host 127.0.0.1); a bad one is one line (exit 2)."""
    from eventgen.core.errors import EventgenError

    host, _, port = text.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        number = -1
    if not 0 <= number <= 65535:
        raise EventgenError(f"--metrics: expected HOST:PORT or PORT, got {text!r}")
    return host.strip("[]") or "127.0.0.1", number


def export_run(summary: Callable[[], RunSummary], target_rate: float | None, address: str) -> Callable[[], None]:
    """`eventgen generate --metrics HOST:PORT`: serve one run's metrics (generator "generate") while it runs;
    the achieved rate is measured between scrapes. Returns the function that stops serving."""
    from prometheus_client import start_http_server

    from eventgen.web.runner import Meter

    meter = Meter()

    def view() -> Iterable[RunView]:
        current = summary()
        meter.add(current)
        yield RunView("generate", current, target_rate, meter.rates()[0])

    host, port = parse_address(address)
    server, thread = start_http_server(port, host, registry=registry_of(view))

    def close() -> None:
        server.shutdown()
        server.server_close()
        thread.join(5)

    return close
