"""Eventgen's time tags: `{% time_now %}` and `{% time_slice earliest=.. latest=.. count=.. slices=.. %}`."""

from __future__ import annotations

import random
from datetime import UTC, datetime, tzinfo
from typing import Any

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from jinja2.runtime import Context

from eventgen.plugin import parse_time

DEFAULT_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
SLICE_TYPES = ("lower", "middle", "upper", "random")


class TimeTags(Extension):
    """`time_now` sets `time_now_epoch`/`time_now_formatted` (the interval's time, not the wall clock);
    `time_slice` sets `time_target_epoch`/`time_target_formatted` to a point of slice `count` of `slices`
    equal slices of [earliest, latest] (`slice_type`: lower (default), middle, upper or random)."""

    tags = {"time_now", "time_slice"}

    def __init__(self, environment: Any):
        super().__init__(environment)
        environment.extend(eventgen_tz=UTC, eventgen_random=random.Random(0))

    def parse(self, parser: Parser) -> nodes.Node:
        token = next(parser.stream)
        keywords: list[nodes.Keyword] = []
        while parser.stream.current.type != "block_end":
            if keywords:
                parser.stream.skip_if("comma")
            key = parser.stream.expect("name")
            parser.stream.expect("assign")
            keywords.append(nodes.Keyword(key.value, parser.parse_expression(), lineno=key.lineno))
        if token.value == "time_now":
            method, names = "_time_now", ("time_now_epoch", "time_now_formatted")
        else:
            method, names = "_time_slice", ("time_target_epoch", "time_target_formatted")
        call = self.call_method(method, [nodes.ContextReference()], keywords, lineno=token.lineno)
        target = nodes.Tuple([nodes.Name(n, "store") for n in names], "store", lineno=token.lineno)
        return nodes.Assign(target, call, lineno=token.lineno)

    def _zone(self) -> tzinfo:
        return self.environment.eventgen_tz  # type: ignore[attr-defined]  # set on the environment by environment.py

    def _format(self, epoch: float, date_format: str) -> str:
        return datetime.fromtimestamp(epoch, self._zone()).strftime(date_format)

    def _epoch(self, value: Any, now: float, name: str) -> float:
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, int | float):
            return float(value)
        text = str(value).strip()
        try:
            return float(text)
        except ValueError:
            pass
        try:
            return parse_time(text, now, self._zone())
        except ValueError as exc:
            raise ValueError(f"time_slice {name}={value!r}: {exc}") from None

    def _time_now(self, context: Context, date_format: str = DEFAULT_FORMAT) -> tuple[float, str]:
        now = float(context.get("eventgen_now") or 0.0)
        return now, self._format(now, date_format)

    def _time_slice(
        self,
        context: Context,
        earliest: Any = None,
        latest: Any = None,
        count: Any = 0,
        slices: Any = 1,
        date_format: str = DEFAULT_FORMAT,
        slice_type: str = "lower",
    ) -> tuple[float, str]:
        now = float(context.get("eventgen_now") or 0.0)
        start = self._epoch(
            context.get("eventgen_earliest_epoch", now) if earliest is None else earliest, now, "earliest"
        )
        end = self._epoch(context.get("eventgen_latest_epoch", now) if latest is None else latest, now, "latest")
        parts = int(slices)
        if parts < 1:
            raise ValueError(f"time_slice slices={slices!r} must be at least 1")
        if slice_type not in SLICE_TYPES:
            raise ValueError(f"time_slice slice_type={slice_type!r}: allowed {', '.join(SLICE_TYPES)}")
        size = (end - start) / parts
        lower = start + int(count) * size
        offset = {"lower": 0.0, "middle": size / 2, "upper": size}.get(slice_type)
        if offset is None:
            offset = self.environment.eventgen_random.random() * size  # type: ignore[attr-defined]  # see environment.py
        epoch = lower + offset
        return epoch, self._format(epoch, date_format)
