"""`outputMode = metric_httpevent`: Splunk HEC's metrics format. Each event's text is the JSON object of a metric's
fields (`{"metric_name:cpu.idle": 94.2, "region": "eu"}`); it is sent as `{"time", "event": "metric", host, source,
sourcetype, index, "fields": …}` to the event endpoint. Servers, batching, retries and acks are httpevent's (the
`_hec` sink and its settings)."""

from __future__ import annotations

from typing import ClassVar

from eventgen.plugin import OutputConfig, Setting

from ._hec import HecOutput, formatter


class MetricHttpEventOutput(HecOutput):
    name = "metric_httpevent"
    summary = "Splunk HEC metrics: each event's JSON fields as a metric envelope (httpevent's settings)."
    settings: ClassVar[tuple[Setting, ...]] = ()  # httpevent's, inherited: declared once, in the `_hec` sink

    @classmethod
    def check(cls, config: OutputConfig) -> list[tuple[str, str]]:
        problems = super().check(config)
        if config.httpeventEndpoint != "event":
            problems.append(("httpeventEndpoint", "metric_httpevent posts to the event endpoint: leave it `event`"))
        return problems

    def formatter(self):
        return formatter("metric", self.event_text())
