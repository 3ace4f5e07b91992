"""`selectattr`, `rejectattr`, `select`, `reject` and `map` remembered per sample table.

A template that filters a sample per event (`samples.hosts | selectattr("site", "equalto", device.site)`) asks
the same question of the same immutable rows again and again, and a filter that depends on a value with four
possible values has only four answers. Over a `samples.<alias>` table (or over an answer already remembered,
so chains hit too) with a test of Jinja's that depends only on its arguments, the answer is computed once — for
`equalto`/`==`/`eq`, once for every value of the column in one pass — and kept as a tuple. Anything else (other
sequences, tests of the user's, unhashable arguments) is Jinja's own filter, unchanged. `map` is remembered for
`attribute=` and for the filters of PURE_MAPS without arguments.

The answer is a tuple instead of Jinja's generator: `| list`, `| first`, `| random`, `| length`, `| join` and
`{% for %}` give the same results (a tuple can be iterated more than once, a generator once).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import jinja2
import jinja2.filters
from jinja2.runtime import Context

from .hoist import WORD_TEST
from .samples import Table

MAX_ANSWERS = 4096  # remembered answers per generator; past it, filters are computed as Jinja does
EQUAL_TESTS = frozenset({"equalto", "eq", "=="})
PURE_TESTS = EQUAL_TESTS | frozenset(
    {
        "ne", "!=", "lt", "<", "le", "<=", "gt", ">", "ge", ">=", "in", "defined", "undefined", "none", "true",
        "false", "number", "string", "odd", "even", "divisibleby", "sameas", "boolean", "integer", "float",
        "lower", "upper", "mapping", "sequence", "iterable", WORD_TEST,
    }
)  # fmt: skip

PURE_MAPS = frozenset({"int", "float", "string", "lower", "upper", "trim", "abs", "length", "title", "capitalize"})
LIST = object()  # marks a list argument of `in` in a key (so it differs from a tuple holding the same items)
Filter = Callable[..., Any]


class FilterMemo:
    """The remembered answers of one generator (its tables live as long as it does)."""

    def __init__(self, tables: dict[str, Table]) -> None:
        self.answers: dict[tuple, tuple] = {}
        # what may be asked about, by id: the generator's tables and the answers (a table from `where()` is new
        # on every call, so its id may be reused: it is not remembered)
        self.owned: dict[int, Any] = {id(table): table for table in tables.values()}
        self.hits = self.misses = 0

    def filters(self) -> dict[str, Filter]:
        """The four filters, to put in an environment's `filters`."""
        return {
            "selectattr": self._filter(True, True, jinja2.filters.sync_do_selectattr),
            "rejectattr": self._filter(False, True, jinja2.filters.sync_do_rejectattr),
            "select": self._filter(True, False, jinja2.filters.sync_do_select),
            "reject": self._filter(False, False, jinja2.filters.sync_do_reject),
            "map": self._map(),
        }

    def _map(self) -> Filter:
        """`map(attribute="col")` and `map("int")` (a filter of PURE_MAPS, no arguments) over a remembered answer
        or table, remembered in turn; anything else is Jinja's `map`."""
        memo, jinja_map = self, cast(Filter, jinja2.filters.sync_do_map)

        @jinja2.pass_context
        def memo_map(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
            if memo.owned.get(id(value)) is not value:
                return jinja_map(context, value, *args, **kwargs)
            if kwargs.keys() == {"attribute"} and not args and isinstance(kwargs["attribute"], str | int):
                key: tuple = (id(value), "map", kwargs["attribute"])
            elif len(args) == 1 and not kwargs and args[0] in PURE_MAPS:
                key = (id(value), "map", "|", args[0])
            else:
                return jinja_map(context, value, *args, **kwargs)
            answer = memo.answers.get(key)
            if answer is not None:
                memo.hits += 1
                return answer
            memo.misses += 1
            answer = tuple(jinja_map(context, value, *args, **kwargs))
            return answer if len(memo.answers) >= MAX_ANSWERS else memo.keep(key, answer)

        return memo_map

    def _filter(self, keep: bool, by_attr: bool, jinja_filter: Filter) -> Filter:
        memo = self

        @jinja2.pass_context
        def memo_filter(context: Context, value: Any, *args: Any) -> Any:
            key = memo.key(value, keep, by_attr, args)
            if key is None:
                return jinja_filter(context, value, *args)
            answer = memo.answers.get(key)
            if answer is not None:
                memo.hits += 1
                return answer
            memo.misses += 1
            if len(memo.answers) >= MAX_ANSWERS:
                return tuple(jinja_filter(context, value, *args))
            if by_attr and keep and len(args) == 3 and args[1] in EQUAL_TESTS:
                memo.partition(context, value, args[0], key)
                answer = memo.answers.get(key)
                if answer is not None:
                    return answer
            answer = memo.keep(key, tuple(jinja_filter(context, value, *args)))
            return answer

        return memo_filter

    def key(self, value: Any, keep: bool, by_attr: bool, args: tuple) -> tuple | None:
        """The answer's key, or None when it cannot be remembered."""
        if self.owned.get(id(value)) is not value:
            return None
        if by_attr and not args:
            return None
        test = args[1] if by_attr and len(args) > 1 else (args[0] if not by_attr and args else None)
        if test is not None and (not isinstance(test, str) or test not in PURE_TESTS):
            return None
        if test == "in" and isinstance(args[-1], list):  # membership in a list is membership in its tuple
            args = (*args[:-1], (LIST, *args[-1]))
        key = (id(value), keep, by_attr, args)
        try:
            hash(key)
        except Exception:  # a list or dict argument (TypeError), an undefined value (its own error)
            return None
        return key

    def keep(self, key: tuple, answer: tuple) -> tuple:
        self.answers[key] = answer
        self.owned[id(answer)] = answer
        return answer

    def partition(self, context: Context, value: Any, attr: Any, key: tuple) -> None:
        """Every `equalto` answer for column `attr` of `value`, in one pass (rows missing it: Jinja decides)."""
        getter = jinja2.filters.make_attrgetter(context.environment, attr)
        groups: dict[Any, list[Any]] = {}
        try:
            for row in value:
                groups.setdefault(getter(row), []).append(row)
        except (TypeError, jinja2.UndefinedError):  # unhashable cells, rows without the column
            return
        if len(self.answers) + len(groups) + 1 > MAX_ANSWERS:
            return
        base = key[:3]
        for cell, rows in groups.items():
            answer = tuple(rows)
            for test in EQUAL_TESTS:
                self.keep((*base, (attr, test, cell)), answer)
        if key not in self.answers:  # asked for a value no row holds
            self.keep(key, ())
