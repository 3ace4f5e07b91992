"""The samples API: CSV, JSON and inline tables templates pick rows from (`samples.<alias>`)."""

from __future__ import annotations

import csv
import io
import json
import random
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from itertools import accumulate
from pathlib import Path
from typing import Any

from eventgen.plugin import SampleProblem

try:
    from collections import _tuplegetter  # type: ignore[attr-defined]  # namedtuple's field descriptor
except ImportError:  # another Python implementation
    _tuplegetter = None


class Row(tuple):
    """A table row: a tuple whose columns are also reachable by name (`row.user`, `row["user"]`)."""

    __slots__ = ()
    _index: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        try:
            return tuple.__getitem__(self, type(self)._index[name])
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            try:
                key = type(self)._index[key]
            except KeyError:
                raise KeyError(key) from None
        return tuple.__getitem__(self, key)

    def get(self, name: str, default: Any = None) -> Any:
        index = type(self)._index.get(name)
        return default if index is None else tuple.__getitem__(self, index)

    def as_dict(self) -> dict[str, Any]:
        return dict(zip(type(self)._index, self, strict=False))


def _column(i: int) -> Any:
    """A descriptor reading item `i` of the tuple itself (namedtuple's, in C: not through Row.__getitem__)."""
    if _tuplegetter is not None:
        return _tuplegetter(i, None)
    return property(lambda row: tuple.__getitem__(row, i))


def row_class(columns: Sequence[str]) -> type[Row]:
    """A Row class for these columns; each column that names no tuple method is a C-speed property."""
    index = {name: i for i, name in enumerate(columns)}
    fast = {n: _column(i) for n, i in index.items() if n.isidentifier() and not hasattr(Row, n)}
    return type("Row", (Row,), {"__slots__": (), "_index": index, **fast})


class Table:
    """An immutable list of rows (or of plain values for lists of scalars) drawn from by templates.

    Randomness comes from the generator's seeded `random.Random`, so `--seed` reproduces picks.
    """

    def __init__(self, name: str, columns: Sequence[str], rows: list[Any], rng: random.Random):
        self.name = name
        self.columns = list(columns)
        self.rows = rows
        self._rng = rng
        self._cum: dict[str, tuple[list[float], float]] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def __getitem__(self, key: int | str) -> Any:
        """`table[i]` is a row; `table["col"]` is that column as a list."""
        if isinstance(key, str):
            return self.column(key)
        return self.rows[key]

    def __repr__(self) -> str:
        return f"<samples.{self.name}: {len(self.rows)} rows>"

    def _col_index(self, name: str) -> int:
        try:
            return self.columns.index(name)
        except ValueError:
            raise KeyError(f"samples.{self.name} has no column {name!r}; columns: {', '.join(self.columns)}") from None

    def column(self, name: str) -> list[Any]:
        i = self._col_index(name)
        return [row[i] for row in self.rows]

    def where(self, **equals: Any) -> Table:
        """Rows whose columns equal the given values (a list/tuple/set value means 'one of')."""
        tests: list[tuple[int, Callable[[Any], bool]]] = []
        for name, wanted in equals.items():
            i = self._col_index(name)
            if isinstance(wanted, list | tuple | set | frozenset):
                options = {str(v) for v in wanted} | set(wanted)
                tests.append((i, options.__contains__))
            else:
                tests.append((i, _equals(wanted)))
        rows = [row for row in self.rows if all(test(row[i]) for i, test in tests)]
        return Table(self.name, self.columns, rows, self._rng)

    def pick(self, default: Any = None) -> Any:
        """One row at random (`default` when the table is empty)."""
        rows = self.rows
        if not rows:
            return default
        return rows[int(self._rng.random() * len(rows))]

    def pick_n(self, n: int) -> list[Any]:
        """`n` rows drawn at random with replacement."""
        rows = self.rows
        if not rows:
            return []
        size = len(rows)
        rand = self._rng.random
        return [rows[int(rand() * size)] for _ in range(int(n))]

    def sample_n(self, n: int) -> list[Any]:
        """`n` distinct rows (all rows, shuffled, when `n` exceeds the table)."""
        return self._rng.sample(self.rows, min(int(n), len(self.rows)))

    def _weights(self, column: str) -> tuple[list[float], float]:
        cached = self._cum.get(column)
        if cached is None:
            i = self._col_index(column)
            try:
                weights = [float(row[i]) for row in self.rows]
            except (TypeError, ValueError):
                raise ValueError(f"samples.{self.name}: column {column!r} holds a non-numeric weight") from None
            if any(w < 0 for w in weights) or not sum(weights) > 0:
                raise ValueError(f"samples.{self.name}: weights in {column!r} must be >= 0 and not all 0")
            cum = list(accumulate(weights))
            cached = self._cum[column] = (cum, cum[-1])
        return cached

    def weighted_pick(self, column: str, default: Any = None) -> Any:
        """One row, drawn with probability proportional to its numeric `column`."""
        if not self.rows:
            return default
        cum, total = self._weights(column)
        return self.rows[bisect_right(cum, self._rng.random() * total)]

    def weighted_pick_n(self, column: str, n: int) -> list[Any]:
        if not self.rows:
            return []
        cum, total = self._weights(column)
        rand = self._rng.random
        rows = self.rows
        return [rows[bisect_right(cum, rand() * total)] for _ in range(int(n))]


def _equals(wanted: Any) -> Callable[[Any], bool]:
    """A test for one column: the value itself, or the same text (a CSV column holds text)."""
    return lambda value: value == wanted or str(value) == str(wanted)


class Samples:
    """`samples`: tables by alias (`samples.users` or `samples["users"]`). Each table is also a plain attribute, so
    `samples.users` (a few lookups in every render) finds it without a call of `__getattr__`."""

    def __init__(self, tables: dict[str, Table]):
        self._tables = tables
        self.__dict__.update((alias, table) for alias, table in tables.items() if not alias.startswith("_"))

    def __getattr__(self, name: str) -> Table:
        try:
            return self._tables[name]
        except KeyError:
            raise AttributeError(
                f"no sample {name!r}; jinjaSamples defines: {', '.join(self._tables) or 'none'}"
            ) from None

    def __getitem__(self, name: str) -> Table:
        return self.__getattr__(name)

    def __contains__(self, name: object) -> bool:
        return name in self._tables

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)


def _scalar_or_rows(name: str, items: list[Any], header: bool | None, rng: random.Random) -> Table:
    """Rows from a list of dicts, lists, or scalars (scalars stay plain values)."""
    if not items:
        return Table(name, ["value"], [], rng)
    if all(isinstance(item, dict) for item in items):
        columns: list[str] = []
        for item in items:
            columns += [key for key in item if key not in columns]
        cls = row_class(columns)
        return Table(name, columns, [cls(item.get(c) for c in columns) for item in items], rng)
    if all(isinstance(item, list | tuple) for item in items):
        rows = [list(item) for item in items]
        if header:
            columns = [str(c) for c in rows.pop(0)]
        else:
            columns = [f"_{i}" for i in range(max(len(r) for r in rows))]
        width = len(columns)
        cls = row_class(columns)
        return Table(name, columns, [cls((r + [None] * width)[:width]) for r in rows], rng)
    if any(isinstance(item, dict | list | tuple) for item in items):
        raise ValueError("items must be all scalars, all lists or all objects")
    return Table(name, ["value"], list(items), rng)


def load_table(name: str, spec: Any, resolve: Callable[[str], Path], rng: random.Random) -> Table:
    """Build one table from its jinjaSamples entry: {type: csv|json|items, source, header, delimiter, quotechar}."""
    if isinstance(spec, list):
        spec = {"type": "items", "source": spec}
    if not isinstance(spec, dict):
        raise ValueError('must be an object like {"type": "csv", "source": "users.csv"} or a list')
    kind = str(spec.get("type", "items")).lower()
    unknown = set(spec) - {"type", "source", "header", "delimiter", "quotechar", "items"}
    if unknown:
        raise ValueError(
            f"unknown key(s) {', '.join(sorted(unknown))}; allowed: type, source, header, delimiter, quotechar"
        )
    if kind not in ("items", "csv", "json"):
        raise ValueError(f"unknown type {kind!r}; allowed: csv, json, items")
    source = spec.get("source", spec.get("items"))
    if kind == "items":
        if not isinstance(source, list):
            raise ValueError("type items needs `source` to be a JSON list")
        return _scalar_or_rows(name, source, spec.get("header"), rng)
    if not isinstance(source, str):
        raise ValueError(f"type {kind} needs `source`: a file path")
    path = resolve(source)
    text = path.read_text(encoding="utf-8")
    if kind == "csv":
        delimiter = str(spec.get("delimiter", ","))
        quotechar = str(spec.get("quotechar", '"'))
        if len(delimiter) != 1 or len(quotechar) != 1:
            raise ValueError("delimiter and quotechar must be single characters")
        rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter, quotechar=quotechar) if row]
        return (
            _scalar_or_rows(name, rows or [], bool(spec.get("header", False)), rng)
            if rows
            else Table(name, [], [], rng)
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: invalid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, list):
        raise ValueError(f"{path}: a JSON sample must be a list")
    return _scalar_or_rows(name, data, spec.get("header"), rng)


def load_tables(sample: Any, raw: Any, template_dir: Path, rng: random.Random) -> dict[str, Table]:
    """The stanza's jinjaSamples by alias; a source is looked for in the template folder, then as files are."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SampleProblem(sample, "jinjaSamples", "must be a JSON object of alias → {type, source, ...}")

    def resolve(path: str) -> Path:
        if (template_dir / path).is_file():
            return template_dir / path
        return sample.resolve(path)

    tables = {}
    for alias, spec in raw.items():
        try:
            tables[alias] = load_table(alias, spec, resolve, rng)
        except (ValueError, OSError) as exc:
            raise SampleProblem(sample, "jinjaSamples", f"{alias}: {exc}") from None
    return tables
