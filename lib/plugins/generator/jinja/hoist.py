"""Compile-time rewriting of loops that filter a sample: `{% for d in samples.domains if d.category == c %}`
becomes `{% for d in samples.domains | selectattr("category", "equalto", c) %}` (`in` becomes the `in` test),
which `memo` answers once per value of `c` instead of testing every row on every render.

A loop is rewritten only when the answer cannot differ:
- it iterates `samples.<alias>` (rows with named columns, so `d.col` and selectattr's `d["col"]` agree) and is not
  recursive;
- its test is `d.col == expr`, `expr == d.col`, `d.col in expr` or `expr in d.col.split()` (a column of words:
  the `eventgen_word` test), alone or as the first operand of an `and` (the rest stays the loop's test,
  evaluated for the same rows in the same order);
- `expr` is names, constants and attribute/item lookups only (no call, filter or test: evaluating it once per
  loop instead of once per row changes nothing), does not mention the loop variable, names nothing the loop
  body assigns, and the body calls no method of a name it mentions (`{% do cur.update(..) %}` could change it;
  an object reached under two names is not seen).
"""

from __future__ import annotations

from jinja2 import nodes

PURE_NODES = (nodes.Name, nodes.Const, nodes.Getattr, nodes.Getitem, nodes.Tuple, nodes.List)
WORD_TEST = "eventgen_word"
TESTS = {"eq": "equalto", "in": "in", "word": WORD_TEST}  # the selectattr test each kind of loop test becomes


def has_word(value: str, word: object) -> bool:
    """`word in value.split()`: the `eventgen_word` test, which `expr in d.col.split()` becomes."""
    return word in value.split()


def hoist_loops(tree: nodes.Template) -> nodes.Template:
    """Rewrite, in place, every loop of `tree` that filters a sample by a column's equality."""
    for loop in tree.find_all(nodes.For):
        _hoist(loop)
    return tree


def _hoist(loop: nodes.For) -> None:
    if loop.recursive or loop.test is None or not isinstance(loop.target, nodes.Name):
        return
    if not is_sample(loop.iter):
        return
    test: nodes.Node = loop.test
    rest: nodes.Node | None = None
    if isinstance(test, nodes.And):
        test, rest = test.left, test.right  # type: ignore[attr-defined]  # BinExpr's fields, not typed by Jinja
    found = _column_equality(test, loop.target.name)
    if found is None:
        return
    column, op, value = found
    body = loop.body + loop.else_
    touched = {n.name for node in body for n in node.find_all(nodes.Name) if n.ctx == "store"}
    touched |= {root.name for node in body for call in node.find_all(nodes.Call) if (root := _root(call.node))}
    if any(n.name in touched for n in _names(value)):
        return
    args: list[nodes.Expr] = [nodes.Const(column), nodes.Const(TESTS[op]), value]
    loop.iter = nodes.Filter(loop.iter, "selectattr", args, [], None, None, lineno=loop.iter.lineno)
    loop.test = rest


def is_sample(node: nodes.Node) -> bool:
    """`samples.<alias>` or `samples["alias"]`."""
    named = isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str)
    if not (isinstance(node, nodes.Getattr) or named):
        return False
    base = node.node  # type: ignore[attr-defined]  # Getattr and Getitem both have .node; Node does not say so
    return isinstance(base, nodes.Name) and base.name == "samples"


def _column_equality(test: nodes.Node, target: str) -> tuple[str, str, nodes.Expr] | None:
    """(column, "eq", "in" or "word", other side) of `target.column == other` (either way round), `target.column
    in other` or `other in target.column.split()`, when `other` is pure."""
    if not isinstance(test, nodes.Compare) or len(test.ops) != 1 or test.ops[0].op not in ("eq", "in"):
        return None
    op, left, right = test.ops[0].op, test.expr, test.ops[0].expr
    if op == "in" and _is_split(right):
        op, left, right = "word", right.node.node, left  # type: ignore[attr-defined]  # _is_split checked the shape
    sides = ((left, right), (right, left)) if op == "eq" else ((left, right),)
    for mine, other in sides:
        if (
            isinstance(mine, nodes.Getattr)
            and isinstance(mine.node, nodes.Name)
            and mine.node.name == target
            and _pure(other)
            and all(n.name != target for n in _names(other))
        ):
            return mine.attr, op, other
    return None


def _is_split(expr: nodes.Node) -> bool:
    """`<something>.split()`, no arguments."""
    return (
        isinstance(expr, nodes.Call)
        and isinstance(expr.node, nodes.Getattr)
        and expr.node.attr == "split"
        and not expr.args
        and not expr.kwargs
        and expr.dyn_args is None
        and expr.dyn_kwargs is None
    )


def _root(expr: nodes.Node) -> nodes.Name | None:
    """The name a chain of lookups starts from (`cur` of `cur.a.update`)."""
    while isinstance(expr, nodes.Getattr | nodes.Getitem):
        expr = expr.node
    return expr if isinstance(expr, nodes.Name) else None


def _pure(expr: nodes.Node) -> bool:
    """Only names, constants, lookups, tuples and lists: nothing that can draw a random value or change state."""
    return all(isinstance(node, PURE_NODES) for node in _walk(expr))


def _walk(expr: nodes.Node) -> list[nodes.Node]:
    found = [expr]
    for child in expr.iter_child_nodes():
        found += _walk(child)
    return found


def _names(expr: nodes.Node) -> list[nodes.Name]:
    return [node for node in _walk(expr) if isinstance(node, nodes.Name)]
