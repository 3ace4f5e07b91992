"""Picking modes: which template(s) render for each timestamp (all, any, chance, spin, chain, fsm)."""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import accumulate
from typing import Any

from .fsm import Check, ConditionContext
from .state import State

MODES = ("all", "any", "chance", "spin", "chain", "fsm")


@dataclass
class TemplateSpec:
    """One entry of jinjaTemplates."""

    alias: str
    file: str
    vars: dict[str, Any] = field(default_factory=dict)
    chance: float = 1.0
    initial: bool = False
    transitions: list[tuple[str, Check]] = field(default_factory=list)


class Picker(ABC):
    """Chooses the aliases to render for one timestamp; its position persists across jobs."""

    stateful = False
    tags: tuple = ()  # the event's input tags (`has_tags` in fsm conditions), set by the generator before a pick

    def __init__(self, specs: list[TemplateSpec], rng: random.Random):
        self.aliases = tuple(s.alias for s in specs)
        self.rng = rng

    @abstractmethod
    def pick(self, timestamp: datetime) -> tuple[str, ...]:
        """The aliases to render for `timestamp`."""

    def state(self) -> dict[str, Any]:
        return {}


class AllPicker(Picker):
    def pick(self, timestamp: datetime) -> tuple[str, ...]:
        return self.aliases


class AnyPicker(Picker):
    def __init__(self, specs: list[TemplateSpec], rng: random.Random):
        super().__init__(specs, rng)
        self.singles = tuple((a,) for a in self.aliases)

    def pick(self, timestamp: datetime) -> tuple[str, ...]:
        return self.singles[int(self.rng.random() * len(self.singles))]


class ChancePicker(AnyPicker):
    def __init__(self, specs: list[TemplateSpec], rng: random.Random):
        super().__init__(specs, rng)
        self.cum = list(accumulate(s.chance for s in specs))
        self.total = self.cum[-1]

    def pick(self, timestamp: datetime) -> tuple[str, ...]:
        return self.singles[bisect_right(self.cum, self.rng.random() * self.total)]


class SpinPicker(AnyPicker):
    """Round-robin over `order` (the templates, or jinjaChain for `chain`)."""

    def __init__(self, specs: list[TemplateSpec], rng: random.Random, order: list[str] | None = None):
        super().__init__(specs, rng)
        self.order = tuple((a,) for a in (order or self.aliases))
        self.position = 0

    def pick(self, timestamp: datetime) -> tuple[str, ...]:
        chosen = self.order[self.position % len(self.order)]
        self.position += 1
        return chosen

    def state(self) -> dict[str, Any]:
        return {"position": self.position % len(self.order)}


class FsmPicker(Picker):
    """Start at the `initial` template; before each later pick, move along the first transition whose
    condition holds (checked in order against the current template's locals, shared, globals, time)."""

    stateful = True

    def __init__(
        self,
        specs: list[TemplateSpec],
        rng: random.Random,
        locals_: dict[str, State],
        shared: State,
        globals_: State,
        vars_: dict[str, dict[str, Any]],
    ):
        super().__init__(specs, rng)
        self.specs = {s.alias: s for s in specs}
        self.initial = next(s.alias for s in specs if s.initial)
        self.current: str | None = None
        self.tags: tuple = ()  # the event's input tags (`has_tags`), set by the generator before each pick
        self.locals = locals_
        self.shared = shared
        self.globals = globals_
        self.vars = vars_

    def pick(self, timestamp: datetime) -> tuple[str, ...]:
        if self.current is None:
            self.current = self.initial
            return (self.current,)
        now = self.current
        ctx = ConditionContext(self.locals[now], self.shared, self.globals, timestamp, self.vars[now], self.tags)
        for target, check in self.specs[self.current].transitions:
            if check(ctx):
                self.current = target
                break
        return (self.current,)

    def state(self) -> dict[str, Any]:
        return {"state": self.current}


def make_picker(
    mode: str,
    specs: list[TemplateSpec],
    rng: random.Random,
    chain: list[str] | None,
    locals_: dict[str, State],
    shared: State,
    globals_: State,
) -> Picker:
    vars_ = {s.alias: s.vars for s in specs}
    makers: dict[str, Callable[[], Picker]] = {
        "all": lambda: AllPicker(specs, rng),
        "any": lambda: AnyPicker(specs, rng),
        "chance": lambda: ChancePicker(specs, rng),
        "spin": lambda: SpinPicker(specs, rng),
        "chain": lambda: SpinPicker(specs, rng, chain),
        "fsm": lambda: FsmPicker(specs, rng, locals_, shared, globals_, vars_),
    }
    return makers[mode]()
