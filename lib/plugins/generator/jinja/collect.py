"""From rendered text to a job's events: lines (text) or JSON values (json), their times and metadata."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any

from eventgen.plugin import META_KEYS


class Collector:
    """Events of one job with their times and (only when some event overrides one) metadata columns."""

    __slots__ = ("columns", "events", "meta", "times")

    def __init__(self, meta: dict[str, str]):
        self.meta = meta
        self.events: list[str] = []
        self.times: list[float] = []
        self.columns: dict[str, list[str]] = {}

    def add_meta(self, text: str, epoch: float, overrides: dict[str, str]) -> None:
        for key in overrides:
            if key not in self.columns:
                self.columns[key] = [self.meta.get(key, "")] * len(self.events)
        self.events.append(text)
        self.times.append(epoch)
        for key, column in self.columns.items():
            column.append(overrides.get(key, self.meta.get(key, "")))

    def add(self, text: str, epoch: float) -> None:
        self.events.append(text)
        self.times.append(epoch)
        if self.columns:
            for key, column in self.columns.items():
                column.append(self.meta.get(key, ""))

    def add_from(self, part: Collector, j: int) -> None:
        """Event `j` of `part`, with its metadata."""
        overrides = {key: column[j] for key, column in part.columns.items()}
        if overrides:
            self.add_meta(part.events[j], part.times[j], overrides)
        else:
            self.add(part.events[j], part.times[j])


class Parser:
    """Turns renders into events: each non-empty line (text), or each JSON value (json), whose `_raw`, `_time`
    and metadata keys, when it has `_raw`, become the event, its time and its metadata. Output that is not the
    JSON it should be raises ValueError (the render loop names the template)."""

    def __init__(self, output: str, tz: tzinfo):
        self.text_mode = output == "text"
        self.tz = tz
        self.decoder = json.JSONDecoder(strict=False)

    def split(self, text: str, epochs: list[float], out: Collector) -> None:
        """One render made for every time of `epochs`: its i-th event takes the i-th time (the last one after)."""
        last = len(epochs) - 1
        if self.text_mode:
            lines = [line for line in text.split("\n") if line.strip("\r")]
            if not out.columns and len(lines) <= len(epochs):
                out.events += [line.rstrip("\r") for line in lines]
                out.times += epochs[: len(lines)]
                return
            for j, line in enumerate(lines):
                out.add(line.rstrip("\r"), epochs[min(j, last)])
            return
        for j, value in enumerate(json_events(text, self.decoder)):
            self.add_value(value, epochs[min(j, last)], out)

    def add_json(self, text: str, epoch: float, out: Collector) -> None:
        """One render's JSON values, each an event at `epoch` (unless it says its `_time`)."""
        for value in json_events(text, self.decoder):
            self.add_value(value, epoch, out)

    def add_value(self, value: Any, epoch: float, out: Collector) -> None:
        if not isinstance(value, dict) or "_raw" not in value:
            out.add(json.dumps(value, ensure_ascii=False), epoch)  # one line, valid JSON
            return
        when = epoch_of(value["_time"], self.tz, epoch) if "_time" in value else epoch
        overrides = {key: str(value[key]) for key in META_KEYS if value.get(key) not in (None, "")}
        raw = value["_raw"]
        text = raw if isinstance(raw, str) else json.dumps(raw)
        if overrides:
            out.add_meta(text, when, overrides)
        else:
            out.add(text, when)


def json_events(text: str, decoder: json.JSONDecoder) -> list[Any]:
    """Each JSON value in `text` (lists are flattened). Strings may hold raw newlines (Eventgen's templates do)."""
    out: list[Any] = []
    i, size = 0, len(text)
    while True:
        while i < size and text[i] in " \t\r\n,":
            i += 1
        if i >= size:
            return out
        try:
            value, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError as exc:
            snippet = text[i : i + 60].replace("\n", "\\n")
            raise ValueError(f"jinjaOutput = json but the output is not JSON ({exc.msg}) at: {snippet!r}") from None
        if isinstance(value, list):
            out += value
        else:
            out.append(value)
        i = end


def epoch_of(value: Any, tz: tzinfo, fallback: float) -> float:
    """A `_time` as epoch seconds: a number, a numeric string or an ISO time (in `tz` when it names no zone)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return fallback
        return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).timestamp()
    return fallback
