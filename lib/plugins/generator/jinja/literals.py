"""Compile-time: the weights a template writes in place, `module.rand.weighted_choice({"GET": 62, "POST": 24})`,
become one dict per process instead of a new one per render.

Jinja builds a dict or list literal afresh on every render, so `rand.weighted_choice` (which keeps each
(items, weights) pair's cumulative weights by the objects' identity) prepared them again on every call: on the
DNS benchmark a sixth of a render. Here a literal argument of `weighted_choice` / `weighted_choices` (called on
`module.rand` or `rand`) whose keys and values are all constants (strings, numbers, booleans, None) is written as
`"<its repr>" | eventgen_literal`: the filter returns the one dict (or list) made from that text, so the weights are
prepared once. The repr tells `1`, `1.0` and `True` apart. Those two functions only read their arguments, so
sharing one object between renders changes nothing: the values drawn are the same, in the same order.
"""

from __future__ import annotations

import ast
import math
from typing import Any

from jinja2 import nodes, pass_context
from jinja2.runtime import Context

LITERAL_FILTER = "eventgen_literal"
WEIGHTED = ("weighted_choice", "weighted_choices")
_LEAVES = (str, int, float, bool, type(None))
_MADE: dict[str, Any] = {}  # repr → the one object made from it, shared by every template of the process
_MAX = 10_000  # distinct literals kept (a template set has tens)


@pass_context  # a context filter is never folded into a constant, which Jinja would build again per render
def literal(context: Context, text: str) -> Any:
    """The dict or list whose repr is `text`, made once."""
    made = _MADE.get(text)
    if made is None:
        made = ast.literal_eval(text)
        if len(_MADE) < _MAX:
            _MADE[text] = made
    return made


def share_literals(tree: nodes.Template) -> nodes.Template:
    """Rewrite, in place, the constant dict and list arguments of every `rand.weighted_choice(s)` call."""
    for call in tree.find_all(nodes.Call):
        if _is_weighted(call.node):
            call.args = [_shared(arg) for arg in call.args]
            for keyword in call.kwargs:
                keyword.value = _shared(keyword.value)
    return tree


def _is_weighted(node: nodes.Node) -> bool:
    """`module.rand.weighted_choice` or `rand.weighted_choice` (or `weighted_choices`)."""
    if not isinstance(node, nodes.Getattr) or node.attr not in WEIGHTED:
        return False
    base = node.node
    if isinstance(base, nodes.Name):
        return base.name == "rand"
    return (
        isinstance(base, nodes.Getattr)
        and base.attr == "rand"
        and isinstance(base.node, nodes.Name)
        and base.node.name == "module"
    )


def _shared(arg: nodes.Expr) -> nodes.Expr:
    value = _constant(arg)
    if value is None:
        return arg
    return nodes.Filter(nodes.Const(repr(value)), LITERAL_FILTER, [], [], None, None, lineno=arg.lineno)


def _constant(arg: nodes.Expr) -> dict | list | None:
    """The value of a dict or list literal of constants, else None."""
    if isinstance(arg, nodes.Dict):
        pairs = [(_leaf(item.key), _leaf(item.value)) for item in arg.items]
        if all(key is not _NO and value is not _NO for key, value in pairs):
            return dict(pairs)
    elif isinstance(arg, nodes.List):
        values = [_leaf(item) for item in arg.items]
        if all(value is not _NO for value in values):
            return values
    return None


_NO = object()


def _leaf(node: nodes.Node) -> Any:
    """A constant that round-trips through its repr, else _NO."""
    if not isinstance(node, nodes.Const) or type(node.value) not in _LEAVES:
        return _NO
    if isinstance(node.value, float) and not math.isfinite(node.value):
        return _NO
    return node.value
