"""Compile-time rewriting of loops that only collect: after `hoist`,

    {% for d in samples.domains | selectattr("category", "equalto", c) %}
      {% do pool.append(d) %}{% do weights.append(d.weight | int) %}
    {% endfor %}

is

    {% set _eventgen_gather_1 = samples.domains | selectattr("category", "equalto", c) %}
    {% do pool | eventgen_extend(_eventgen_gather_1) %}
    {% do weights | eventgen_extend(_eventgen_gather_1 | map(attribute="weight") | map("int")) %}

and `memo` answers the `map`s once per answer, so a loop of dozens of appends per render becomes two `extend`s.

A loop is rewritten only when the result cannot differ: no `if`, `else` or `recursive`; a plain loop variable;
a body of nothing but `{% do L.append(E) %}`, each `L` a different plain name that neither the loop's sequence
nor any `E` mentions, and each `E` the loop variable, one of its attributes (when the loop goes over a sample,
filtered or not), or either through filters without arguments that only compute (PURE_MAPS). The sequence is
evaluated once, as the loop evaluated it. A target that is not a list gets its `append` called for each value, in
order, as the loop did.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import count
from typing import Any

from jinja2 import nodes

from .hoist import is_sample
from .memo import PURE_MAPS

EXTEND_FILTER = "eventgen_extend"
_numbers = count(1)


def extend(target: Any, values: Iterable[Any]) -> str:
    """`target.extend(values)` for a list, else its `append` per value (what the loop did)."""
    if type(target) is list:
        target.extend(values)
    else:
        for value in values:
            target.append(value)
    return ""


def gather_loops(tree: nodes.Template) -> nodes.Template:
    """Rewrite, in place, every collecting loop of `tree`, in whatever body holds it."""
    for node in [tree, *tree.find_all(nodes.Node)]:
        for name, field in node.iter_fields():
            if isinstance(field, list) and any(isinstance(item, nodes.For) for item in field):
                setattr(node, name, [new for item in field for new in _expanded(item)])
    return tree


def _expanded(item: Any) -> list[Any]:
    if not isinstance(item, nodes.For):
        return [item]
    plan = _collects(item)
    if plan is None:
        return [item]
    lineno = item.lineno
    items = f"_eventgen_gather_{next(_numbers)}"
    out: list[Any] = [nodes.Assign(nodes.Name(items, "store"), item.iter, lineno=lineno)]
    for target, attr, filters in plan:
        values: nodes.Expr = nodes.Name(items, "load")
        if attr is not None:
            values = _map(values, [], [nodes.Keyword("attribute", nodes.Const(attr))])
        for name in filters:
            values = _map(values, [nodes.Const(name)], [])
        call = nodes.Filter(nodes.Name(target, "load"), EXTEND_FILTER, [values], [], None, None)
        out.append(nodes.ExprStmt(call, lineno=lineno))
    return out


def _map(values: nodes.Expr, args: list[Any], kwargs: list[Any]) -> nodes.Expr:
    return nodes.Filter(values, "map", args, kwargs, None, None)


def _collects(loop: nodes.For) -> list[tuple[str, str | None, list[str]]] | None:
    """(list name, attribute or None, filters) per append of a collecting loop; None when it is not one."""
    if loop.test is not None or loop.else_ or loop.recursive or not isinstance(loop.target, nodes.Name):
        return None
    var = loop.target.name
    plan: list[tuple[str, str | None, list[str]]] = []
    for stmt in loop.body:
        found = _append(stmt, var)
        if found is None:
            return None
        plan.append(found)
    targets = [target for target, _, _ in plan]
    mentioned = {n.name for n in loop.iter.find_all(nodes.Name)}
    if not plan or len(set(targets)) != len(targets) or mentioned & {*targets, var}:
        return None
    if any(attr is not None for _, attr, _ in plan) and not is_sample(_filtered_base(loop.iter)):
        return None  # `d.col` and map's `d["col"]` agree for sample rows, not for every dict
    return plan


def _filtered_base(expr: nodes.Node) -> nodes.Node:
    """What a chain of filters starts from (`samples.t` of `samples.t | selectattr(..)`)."""
    while isinstance(expr, nodes.Filter) and expr.node is not None:
        expr = expr.node
    return expr


def _append(stmt: nodes.Node, var: str) -> tuple[str, str | None, list[str]] | None:
    """`{% do L.append(E) %}` as (L, attribute of E, filters of E), for E built from `var` only."""
    if not isinstance(stmt, nodes.ExprStmt) or not isinstance(stmt.node, nodes.Call):
        return None
    call = stmt.node
    if call.kwargs or call.dyn_args or call.dyn_kwargs or len(call.args) != 1:
        return None
    method = call.node
    if not (isinstance(method, nodes.Getattr) and method.attr == "append" and isinstance(method.node, nodes.Name)):
        return None
    if method.node.name == var:
        return None
    expr: nodes.Node | None = call.args[0]
    filters: list[str] = []
    while isinstance(expr, nodes.Filter):
        if expr.name not in PURE_MAPS or expr.args or expr.kwargs or expr.dyn_args or expr.dyn_kwargs:
            return None
        filters.append(expr.name)
        expr = expr.node
    filters.reverse()
    if isinstance(expr, nodes.Name) and expr.name == var:
        return method.node.name, None, filters
    if isinstance(expr, nodes.Getattr) and isinstance(expr.node, nodes.Name) and expr.node.name == var:
        return method.node.name, expr.attr, filters
    return None
