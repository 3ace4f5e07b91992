"""Conditions of `fsm` transitions: Jinja expressions or structured checks on state and time."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .state import State

Check = Callable[["ConditionContext"], bool]
_MISSING = object()
TIME_PARTS = ("year", "month", "day", "hour", "minute", "second", "microsecond")
COMPARE = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}
SCOPES = ("locals", "shared", "globals")


class ConditionContext:
    """What a condition may look at: the current state's locals, shared, globals, the timestamp, the event's tags."""

    __slots__ = ("globals", "locals", "shared", "tags", "timestamp", "vars")

    def __init__(
        self, locals_: State, shared: State, globals_: State, timestamp: datetime, vars_: dict, tags: tuple = ()
    ):
        self.locals = locals_
        self.shared = shared
        self.globals = globals_
        self.timestamp = timestamp
        self.vars = vars_
        self.tags = tags

    def lookup(self, path: str) -> Any:
        scope, _, rest = path.partition(".")
        store = getattr(self, scope)
        keys = rest.split(".")
        value = store.get(keys[0], _MISSING)
        for key in keys[1:]:
            if isinstance(value, dict):
                value = value.get(key, _MISSING)
            else:
                value = getattr(value, key, _MISSING)
        return value


def _field(path: Any) -> str:
    if not isinstance(path, str) or path.partition(".")[0] not in SCOPES or not path.partition(".")[2]:
        raise ValueError(f"field {path!r} must be locals.<name>, shared.<name> or globals.<name>")
    return path


def _pairs(op: str, arg: Any) -> list[tuple[str, Any]]:
    if not isinstance(arg, dict) or not arg:
        raise ValueError(f'{op!r} needs an object like {{"locals.count": 3}}')
    return [(_field(k), v) for k, v in arg.items()]


def _compare(op: str, arg: Any, measure: Callable[[Any], Any] | None = None) -> Check:
    test = COMPARE[op]
    pairs = _pairs(op, arg)

    def check(ctx: ConditionContext) -> bool:
        for path, wanted in pairs:
            value = ctx.lookup(path)
            if value is _MISSING:
                return False
            try:
                if not test(measure(value) if measure else value, wanted):
                    return False
            except TypeError:
                return False
        return True

    return check


def _time_check(op: str, arg: Any) -> Check:
    if not isinstance(arg, dict) or not arg or set(arg) - set(TIME_PARTS):
        raise ValueError(f"{op!r} needs an object of {', '.join(TIME_PARTS)}")
    parts = [p for p in TIME_PARTS if p in arg]
    bound = tuple(int(arg[p]) for p in parts)
    before = op == "before"

    def check(ctx: ConditionContext) -> bool:
        value = tuple(getattr(ctx.timestamp, p) for p in parts)
        return value < bound if before else value >= bound

    return check


def compile_condition(spec: Any, expression: Callable[[str], Callable[..., Any]]) -> Check:
    """Turn one `when` into a check. Strings are Jinja expressions over locals/shared/globals/timestamp/vars;
    objects use eq/ne/gt/ge/lt/le, len_*, matches, contains, in, defined, before/after, has_tags, always/never,
    and/or/not."""
    if spec is True or spec is None:
        return lambda ctx: True
    if spec is False:
        return lambda ctx: False
    if isinstance(spec, str):
        compiled = expression(spec)
        return lambda ctx: bool(
            compiled(locals=ctx.locals, shared=ctx.shared, globals=ctx.globals, timestamp=ctx.timestamp, vars=ctx.vars)
        )
    if isinstance(spec, list):
        checks = [compile_condition(s, expression) for s in spec]
        return lambda ctx: all(c(ctx) for c in checks)
    if not isinstance(spec, dict) or len(spec) != 1:
        raise ValueError(f"a condition is a string expression or an object with one operator, got {spec!r}")
    ((op, arg),) = spec.items()
    if op in COMPARE:
        return _compare(op, arg)
    if op.startswith("len_") and op[4:] in COMPARE:
        return _compare(op[4:], arg, len)
    if op == "matches":
        pairs = [(path, re.compile(str(p))) for path, p in _pairs(op, arg)]
        return lambda ctx: all(
            isinstance(v := ctx.lookup(path), str) and rx.search(v) is not None for path, rx in pairs
        )
    if op == "contains":
        pairs = _pairs(op, arg)
        return lambda ctx: all(_safe_in(item, ctx.lookup(path)) for path, item in pairs)
    if op == "in":
        pairs = _pairs(op, arg)
        return lambda ctx: all(_safe_in(ctx.lookup(path), options) for path, options in pairs)
    if op == "defined":
        paths = [_field(p) for p in (arg if isinstance(arg, list) else [arg])]
        return lambda ctx: all(ctx.lookup(p) is not _MISSING for p in paths)
    if op in ("before", "after"):
        return _time_check(op, arg)
    if op == "has_tags":  # every tag named is among the event's input tags
        wanted = [str(t) for t in (arg if isinstance(arg, list) else [arg])]
        return lambda ctx: all(t in ctx.tags for t in wanted)
    if op == "always":
        return lambda ctx: True
    if op == "never":
        return lambda ctx: False
    if op in ("and", "or"):
        if not isinstance(arg, list) or not arg:
            raise ValueError(f"{op!r} needs a list of conditions")
        checks = [compile_condition(s, expression) for s in arg]
        if op == "and":
            return lambda ctx: all(c(ctx) for c in checks)
        return lambda ctx: any(c(ctx) for c in checks)
    if op == "not":
        inner = compile_condition(arg, expression)
        return lambda ctx: not inner(ctx)
    allowed = [*COMPARE, "len_eq", "len_gt", "len_ge", "len_lt", "len_le", "matches", "contains", "in", "defined",
               "before", "after", "has_tags", "always", "never", "and", "or", "not"]  # fmt: skip
    raise ValueError(f"unknown condition {op!r}; allowed: {', '.join(allowed)}")


def _safe_in(item: Any, container: Any) -> bool:
    if container is _MISSING or item is _MISSING:
        return False
    try:
        return item in container
    except TypeError:
        return False
