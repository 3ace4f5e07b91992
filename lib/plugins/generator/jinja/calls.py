"""Calls of plain Python methods straight from the template's code, without `context.call` in between.

Jinja writes `f(a, b)` as `context.call(f, a, b)`: a Python function that looks at `f` (does it want the
context? is it a macro?) and then calls it. `FastContext.call` already calls plain methods and builtins at once,
but the call to it remains: a realistic template makes ten to thirty calls per render (`module.rand.*`,
`shared.get`, `timestamp.isoformat()`). This code generator writes

    (_eg_f(a, b) if ((_eg_t := type(_eg_f := f)) is _eg_builtin
                     or (_eg_t is _eg_bound and _eg_f.__func__ in _eg_plain))
     else context.call(_eg_f, a, b))

so the methods `FastContext.call` would call directly are called here, and everything else (macros, functions
that take the context, undefined values) goes through `context.call` as before, with `f` evaluated once and
first, then the arguments, as Jinja does (in a loop or a block, `context.call` also gets the loop's or block's
variables, as Jinja passes them). Only calls whose arguments make no call themselves take this form (the
arguments are written twice), in the fast (not sandboxed, not async) environment.
"""

from __future__ import annotations

import keyword
import types
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst

PLAIN_FUNCTIONS: set[Any] = set()  # functions of methods seen without a Jinja pass_* marker (FastContext.call adds)
MAX_PLAIN = 10_000
BUILTIN_METHOD = types.BuiltinMethodType
BOUND_METHOD = types.MethodType


class CallCodeGenerator(CodeGenerator):
    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        self.writeline(
            f"from {__name__} import BUILTIN_METHOD as _eg_builtin, BOUND_METHOD as _eg_bound, "
            "PLAIN_FUNCTIONS as _eg_plain"
        )
        super().visit_Template(node, frame)

    @optimizeconst
    def visit_Call(self, node: nodes.Call, frame: Frame, forward_caller: bool = False) -> None:
        if not _direct(self, node, frame, forward_caller):
            return super().visit_Call(node, frame, forward_caller=forward_caller)
        self.write("(_eg_f(")
        self._arguments(node, frame, first=True)
        self.write(") if ((_eg_t := type(_eg_f := ")
        self.visit(node.node, frame)
        self.write(")) is _eg_builtin or (_eg_t is _eg_bound and _eg_f.__func__ in _eg_plain)) else context.call(_eg_f")
        self._arguments(node, frame, first=False)
        for name, inside in (("_loop_vars", frame.loop_frame), ("_block_vars", frame.block_frame)):
            if inside:  # what Jinja passes from a loop or a block (a function taking the context reads them)
                self.write(f", {name}={name}")
        self.write("))")
        return None

    def _arguments(self, node: nodes.Call, frame: Frame, first: bool) -> None:
        for i, arg in enumerate([*node.args, *node.kwargs]):
            if i or not first:
                self.write(", ")
            self.visit(arg, frame)


def _direct(gen: CodeGenerator, node: nodes.Call, frame: Frame, forward_caller: bool) -> bool:
    """Whether `node` can be written in the direct form."""
    env = gen.environment
    if env.is_async or env.sandboxed or forward_caller:
        return False
    if node.dyn_args is not None or node.dyn_kwargs is not None:
        return False
    if any(keyword.iskeyword(kwarg.key) for kwarg in node.kwargs):
        return False
    args = [*node.args, *node.kwargs]
    return not any(isinstance(arg, nodes.Call) or next(arg.find_all(nodes.Call), None) for arg in args)
