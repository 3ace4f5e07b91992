"""Attribute lookups without a Python call: `row.col` compiled to the builtin `getattr`, Jinja's own lookup only
when that fails.

Jinja writes `x.a` as `environment.getattr(x, "a")`, a Python function that tries `getattr(x, "a")`, then
`x["a"]`, then returns an undefined. A realistic template does dozens of these per render (a quarter of it). This
code generator writes

    (_eg_value if (_eg_value := getattr((_eg_obj := x), "a", missing)) is not missing
     else environment.getattr(_eg_obj, "a"))

so an attribute that exists costs one builtin call, and anything else (a dict key, an undefined, a property that
raises AttributeError) takes Jinja's path with the same object, evaluated once, as before. The result is the same
value in every case: `getattr` with a default catches exactly the AttributeError Jinja's lookup catches. Only the
fast (non-sandboxed, synchronous) environment uses it; constants are folded first, as Jinja does.
"""

from __future__ import annotations

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst

_DICT_NAMES = frozenset(dir(dict))  # names a plain dict has as attributes (`d.items` is the method)


class LookupCodeGenerator(CodeGenerator):
    @optimizeconst
    def visit_Getattr(self, node: nodes.Getattr, frame: Frame) -> None:
        if self.environment.is_async or node.attr in _DICT_NAMES:  # `d.items` is the method: Jinja's way
            return super().visit_Getattr(node, frame)
        name = repr(node.attr)
        self.write(f"(_eg_obj[{name}] if type(_eg_obj := ")
        self.visit(node.node, frame)
        self.write(f") is dict and {name} in _eg_obj else ")
        self.write(f"(_eg_value if (_eg_value := getattr(_eg_obj, {name}, missing)) is not missing ")
        self.write(f"else environment.getattr(_eg_obj, {name})))")
        return None
