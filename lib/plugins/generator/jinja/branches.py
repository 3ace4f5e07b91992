"""Compile-time: a filter over a choice between constants, `(["start"] if ok else ["info"]) | tojson`, is written as
the choice between the filtered constants, `(["start"] | tojson) if ok else (["info"] | tojson)`.

Jinja folds a filter of a constant into the constant when it compiles (`{{ ["start"] | tojson }}` is written as
the text `["start"]`), but not a filter of a choice, which it calls on every render. Moved into the branches, the
filter is folded in each, and the render only tests. Only Jinja's own filters that compute from their input alone
(PURE) are moved, and only when both branches and every argument are constants (or such filters of constants):
the text written is the same, and the filter is called once per branch when the template is compiled, as Jinja
calls it for a constant.
"""

from __future__ import annotations

import copy

from jinja2 import nodes
from jinja2.visitor import NodeTransformer

PURE = frozenset(
    {
        "abs",
        "capitalize",
        "center",
        "count",
        "first",
        "float",
        "int",
        "join",
        "last",
        "length",
        "list",
        "lower",
        "replace",
        "reverse",
        "round",
        "string",
        "title",
        "tojson",
        "trim",
        "truncate",
        "unique",
        "upper",
        "wordcount",
    }
)


def fold_branches(tree: nodes.Template) -> nodes.Template:
    """Rewrite, in place, every PURE filter of a choice between constants into the choice of filtered constants."""
    return _Folder().visit(tree)


class _Folder(NodeTransformer):
    def visit_Filter(self, node: nodes.Filter) -> nodes.Node:
        self.generic_visit(node)  # inner filters first: `(a if c else b) | f | g` moves both
        choice = node.node
        if not (isinstance(choice, nodes.CondExpr) and choice.expr2 is not None and _movable(node)):
            return node
        if not (constant(choice.expr1) and constant(choice.expr2)):
            return node
        return nodes.CondExpr(choice.test, _over(node, choice.expr1), _over(node, choice.expr2), lineno=choice.lineno)


def _movable(node: nodes.Filter) -> bool:
    return (
        node.name in PURE
        and node.dyn_args is None
        and node.dyn_kwargs is None
        and all(constant(arg) for arg in node.args)
        and all(constant(pair.value) for pair in node.kwargs)
    )


def _over(node: nodes.Filter, value: nodes.Expr) -> nodes.Filter:
    """`node`'s filter of `value` (its arguments copied: a node belongs to one place of the tree)."""
    return nodes.Filter(
        value,
        node.name,
        copy.deepcopy(node.args),
        copy.deepcopy(node.kwargs),
        None,
        None,
        lineno=node.lineno,
    )


def constant(node: nodes.Node | None) -> bool:
    """A constant, a list, tuple or dict of constants, or a PURE filter with constant input and arguments."""
    if isinstance(node, nodes.Const):
        return True
    if isinstance(node, nodes.List | nodes.Tuple):
        return all(constant(item) for item in node.items)
    if isinstance(node, nodes.Dict):
        return all(constant(pair.key) and constant(pair.value) for pair in node.items)
    if isinstance(node, nodes.Filter):
        return node.node is not None and constant(node.node) and _movable(node)
    return False
