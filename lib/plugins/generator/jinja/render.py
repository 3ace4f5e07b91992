"""The render loop of a job: the picked templates rendered for each time (or once per template for all its times,
with `jinjaBatch`), their output collected as events, and what `dispatch` decides about each render."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

import jinja2

from eventgen.plugin import TemplateError

from .collect import Collector, Parser
from .compile import renderers
from .dispatch import Dispatched, Exhaust, Next
from .pickers import Picker
from .problems import template_error


class RenderLoop:
    """Renders jobs through compiled templates. Remembers the template rendered last (for the state shown in
    preview) and whether a template ended the sample (`dispatch.exhaust()`)."""

    def __init__(
        self,
        env: jinja2.Environment,
        templates: dict[str, jinja2.Template],
        contexts: dict[str, dict[str, Any]],
        picker: Picker,
        parser: Parser,
        tz: tzinfo,
        rng: random.Random,
        target_vars: bool,
    ):
        self.env = env
        self.templates = templates
        self.renderers = renderers(env, templates)
        self.contexts = contexts
        self.picker = picker
        self.single = tuple(templates) if len(templates) == 1 else None  # no picking for one template
        self.parser = parser
        self.tz = tz
        self.random = rng
        self.target_vars = target_vars  # the templates read Eventgen's eventgen_target_time_* (set per event)
        self.last: str | None = None
        self.exhausted = False

    def where(self, alias: str) -> str:
        return self.templates[alias].filename or alias

    def each(
        self,
        stamps: list[datetime],
        epochs: list[float],
        offset: int,
        window: tuple[float, float],
        out: Collector,
        tags: list[tuple] | None = None,
        trace: Callable[[], None] | None = None,
    ) -> int:
        """One render per event; `tags` per event when the times come from a schedule group; `trace` after each
        render. Returns the renders `dispatch` discarded."""
        dropped = 0
        contexts, renderers, single, pick, env = self.contexts, self.renderers, self.single, self.picker.pick, self.env
        text_mode, picker = self.parser.text_mode, self.picker
        earliest, slice_size = window[0], (window[1] - window[0]) / max(len(epochs), 1)
        for i, stamp in enumerate(stamps):
            epoch = epochs[i]
            if tags is not None:
                picker.tags = tags[i]  # an fsm's `has_tags` looks at this event's input
            chosen = single or pick(stamp)
            repicks = k = 0
            while k < len(chosen):
                alias = chosen[k]
                k += 1
                context = contexts[alias]
                context["timestamp"] = stamp
                context["eventgen_count"] = offset + i
                if tags is not None:
                    context["tags"] = tags[i]
                if self.target_vars:
                    self._target_time(context, earliest + i * slice_size, slice_size)
                root, make_context, name, blocks = renderers[alias]
                try:
                    text = "".join(root(make_context(env, context, name, blocks)))
                except Dispatched as signal:  # the template discarded its render (`dispatch`)
                    dropped += 1
                    if isinstance(signal, Exhaust):
                        self.exhausted = True
                        return dropped
                    if isinstance(signal, Next) and repicks < signal.max_repicks:
                        repicks += 1
                        chosen, k = single or pick(stamp), 0
                    continue
                except Exception as exc:
                    raise template_error(exc, self.where(alias)) from None
                self.last = alias
                if text_mode:
                    text = text.strip("\r\n")
                    if text:
                        out.add(text, epoch)
                else:
                    try:
                        self.parser.add_json(text, epoch, out)
                    except ValueError as exc:
                        raise template_error(exc, self.where(alias)) from None
                if trace is not None:
                    trace()
        return dropped

    def batch(
        self, stamps: list[datetime], epochs: list[float], out: Collector, trace: Callable[[], None] | None = None
    ) -> None:
        """One render per template for all the times picked for it (`timestamps`, `epochs`, `count`); with
        several templates their events are merged back into time order."""
        groups = self._groups(stamps)
        ordered = len(groups) > 1
        keyed: list[tuple[int, int, int]] = []  # (position of the event's time, template order, event in part)
        parts: dict[int, Collector] = {}
        for order, (alias, positions) in enumerate(groups.items()):
            if not positions:
                continue
            context = self.contexts[alias]
            context["timestamps"] = [stamps[p] for p in positions]
            context["epochs"] = group_epochs = [epochs[p] for p in positions]
            context["count"] = len(positions)
            context["timestamp"] = stamps[positions[0]]
            text = self._render(alias)
            self.last = alias
            if trace is not None:
                trace()
            if not ordered:
                self._split(alias, text, group_epochs, out)
                continue
            parts[order] = part = Collector(out.meta)
            self._split(alias, text, group_epochs, part)
            last = len(positions) - 1
            keyed += [(positions[min(j, last)], order, j) for j in range(len(part.events))]
        keyed.sort()
        for _, order, j in keyed:
            out.add_from(parts[order], j)

    def _groups(self, stamps: list[datetime]) -> dict[str, list[int]]:
        """The positions of the times each template renders, by alias (in template order)."""
        if self.single:
            return {self.single[0]: list(range(len(stamps)))}
        groups: dict[str, list[int]] = {alias: [] for alias in self.templates}
        pick = self.picker.pick
        for i, stamp in enumerate(stamps):
            for alias in pick(stamp):
                groups[alias].append(i)
        return groups

    def _render(self, alias: str) -> str:
        root, make_context, name, blocks = self.renderers[alias]
        try:
            return "".join(root(make_context(self.env, self.contexts[alias], name, blocks)))
        except Dispatched:
            message = f"{self.where(alias)}: dispatch needs one render per event (jinjaBatch = false)"
            raise TemplateError(message) from None
        except Exception as exc:
            raise template_error(exc, self.where(alias)) from None

    def _split(self, alias: str, text: str, epochs: list[float], out: Collector) -> None:
        try:
            self.parser.split(text, epochs, out)
        except ValueError as exc:
            raise template_error(exc, self.where(alias)) from None

    def _target_time(self, context: dict[str, Any], low: float, size: float) -> None:
        """Eventgen's per-event slice of the job's window, and a time drawn in it."""
        context["eventgen_target_time_earliest"] = datetime.fromtimestamp(low, self.tz)
        context["eventgen_target_time_latest"] = datetime.fromtimestamp(low + size, self.tz)
        context["eventgen_target_time_slice_size"] = size
        context["eventgen_target_time_epoch"] = low + self.random.random() * size
