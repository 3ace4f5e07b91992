"""Compile-time: `module.rand.number.integer` (or `rand.number.integer`) read as one name, not a chain of lookups.

A realistic template calls the random API ten to twenty times per render, each through a chain of attribute
lookups (`module`, then `rand`, `number`, `integer`), each a type check, a getattr and a compare in the code
lookups.py writes. The chain always ends at the same bound method of the generator's `Rand`: its parts
(`number`, `string`, ...) are made with it and never replaced, and `module.rand` is it. So every chain that names
a method of `Rand` or of one of its parts becomes a name (`_eg_rand__number__integer`), which every template
context holds, bound to the generator's `Rand` (`rand_names`). The call is then to the same method as before.

Left as written: every chain in a template that gives `module` or `rand` a value of its own (a set, a loop
variable, an argument, an import, a macro), and a chain that names nothing of `Rand` (its lookup, and its error,
stay Jinja's).
"""

from __future__ import annotations

import random
from typing import Any

from jinja2 import nodes
from jinja2.visitor import NodeTransformer

from .rand import Rand

ROOTS = ("module", "rand")
PREFIX = "_eg_rand"


def _methods() -> dict[tuple[str, ...], str]:
    """Each method of `Rand` and of its parts, by path (`("number", "integer")`), and the name it becomes."""
    rand = Rand(random.Random(0))
    paths: list[tuple[str, ...]] = []
    for name in dir(rand):
        value = getattr(rand, name)
        if name.startswith("_"):
            continue
        if callable(value):
            paths.append((name,))
        else:
            paths += [(name, method) for method in dir(value) if not method.startswith("_")]
    return {path: "__".join((PREFIX, *path)) for path in paths}


METHODS = _methods()


def rand_names(rand: Rand) -> dict[str, Any]:
    """The names the rewritten chains read, bound to `rand`'s methods."""
    names = {}
    for path, name in METHODS.items():
        value: Any = rand
        for part in path:
            value = getattr(value, part)
        names[name] = value
    return names


def bind_rand(tree: nodes.Template) -> nodes.Template:
    """Rewrite, in place, every chain of `tree` that names a method of the random API."""
    if _assigned(tree).isdisjoint(ROOTS):
        _Chains().visit(tree)
    return tree


def _assigned(tree: nodes.Template) -> set[str]:
    """Every name `tree` gives a value: sets, loop variables, arguments, imports, macros."""
    names = {name.name for name in tree.find_all(nodes.Name) if name.ctx in ("store", "param")}
    names.update(node.target for node in tree.find_all(nodes.Import))
    for node in tree.find_all(nodes.FromImport):
        names.update(item if isinstance(item, str) else item[1] for item in node.names)
    names.update(node.name for node in tree.find_all(nodes.Macro))
    return names


class _Chains(NodeTransformer):
    def visit_Getattr(self, node: nodes.Getattr) -> nodes.Node:
        path: list[str] = []
        base: nodes.Node = node
        while isinstance(base, nodes.Getattr):
            path.insert(0, base.attr)
            base = base.node
        if isinstance(base, nodes.Name) and base.name in ROOTS:
            if base.name == "module":
                path = path[1:] if path[:1] == ["rand"] else []
            name = METHODS.get(tuple(path))
            if name is not None:
                return nodes.Name(name, "load", lineno=node.lineno)
        return self.generic_visit(node)
