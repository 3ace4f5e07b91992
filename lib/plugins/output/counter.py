"""`outputMode = counter`: counts events and their bytes per day of event time, and reports them when the run ends
(Splunk Eventgen's counter output). Nothing is sent anywhere: it measures what a sample makes, in its output format.

The worker counts each batch (numpy over the batch's times and event bounds) into `info["days"]`, so the counting
travels with the payload in process mode; the single writer adds the batches up and, when the output is closed at
the end of the run (or at Ctrl-C), writes one line per day and a total to stderr:

    counter: 2024-01-01 events=12 bytes=240
    counter: total events=12 bytes=240
"""

from __future__ import annotations

import sys
from collections import defaultdict
from datetime import UTC, datetime

import numpy as np

from eventgen.plugin import EventBatch, LineFrames, OutputPlugin, Payload, WriteResult

DAY = 86_400


def day_counts(payload: Payload, times: np.ndarray) -> dict[str, list[int]]:
    """{"YYYY-MM-DD": [events, bytes]} of one payload, by the UTC day of each event's time."""
    if not len(payload):
        return {}
    days = np.floor_divide(times, DAY).astype(np.int64)
    first, last = int(days.min()), int(days.max())
    if first == last:  # the usual batch: one day, no per-event sizes needed
        return {_day(first): [len(payload), len(payload.data)]}
    found, where = np.unique(days, return_inverse=True)
    events = np.bincount(where)
    sizes = np.bincount(where, weights=np.diff(payload.bounds)).astype(np.int64)
    return {_day(int(d)): [int(n), int(b)] for d, n, b in zip(found, events, sizes, strict=True)}


def _day(day: int) -> str:
    return datetime.fromtimestamp(day * DAY, UTC).strftime("%Y-%m-%d")


class CounterFrames:
    """The events as lines (`outputFormat` honoured), counted per day into `info["days"]`."""

    def __init__(self, lines: LineFrames):
        self.lines = lines

    def __call__(self, batch: EventBatch) -> Payload:
        payload = self.lines(batch)
        payload.info["days"] = day_counts(payload, np.asarray(batch.times, dtype=np.float64))
        return payload


class CounterOutput(OutputPlugin):
    name = "counter"
    summary = "Counts events and bytes per day of event time and reports them on stderr at the end of the run."
    single_writer = True  # one tally for the run, in the process that writes

    def __init__(self, config) -> None:
        super().__init__(config)
        self.days: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])

    def formatter(self) -> CounterFrames:
        return CounterFrames(LineFrames(self.event_text()))

    def write(self, payload: Payload) -> WriteResult:
        for day, (events, size) in payload.info.get("days", {}).items():
            tally = self.days[day]
            tally[0] += events
            tally[1] += size
        return WriteResult()

    def report(self) -> list[str]:
        lines = [f"{self.label}: {day} events={n} bytes={b}" for day, (n, b) in sorted(self.days.items())]
        total = [sum(v[0] for v in self.days.values()), sum(v[1] for v in self.days.values())]
        return [*lines, f"{self.label}: total events={total[0]} bytes={total[1]}"]

    def close(self) -> None:
        if self.days:
            sys.stderr.write("".join(f"{line}\n" for line in self.report()))
            sys.stderr.flush()
            self.days.clear()
