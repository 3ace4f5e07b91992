"""The names a template reads at its start looked up with the context dict's own `get`, not a Python method.

A template's root function first looks up every name it reads (and every name it sets only in some branches):
`l_0_host = resolve('host')`, a call of `Context.resolve_or_missing` (a Python method: the context's own
variables, then its parent dict) for each, ten to twenty per render. When the context has no variables of its own
yet — always so when a render starts, unless a child template's `{% extends %}` hands its context over — the
answer is the parent dict's, so this code generator writes

    _eg_get = context.parent.get if not context.vars and type(context.parent) is dict else (Jinja's lookup)
    l_0_host = _eg_get('host', missing)

in the root function only: blocks and macros, which run later and may see variables set meanwhile, keep Jinja's
`resolve`. The values are the same: a name not there is `missing` either way.
"""

from __future__ import annotations

from jinja2.compiler import CodeGenerator, Frame
from jinja2.idtracking import VAR_LOAD_RESOLVE


class NameCodeGenerator(CodeGenerator):
    def enter_frame(self, frame: Frame) -> None:
        direct = frame.rootlevel and not frame.block_frame and self.get_resolve_func() == "resolve"
        resolved = {t: p for t, (action, p) in frame.symbols.loads.items() if action == VAR_LOAD_RESOLVE}
        if not direct or not resolved:
            return super().enter_frame(frame)
        self.writeline(
            "_eg_get = context.parent.get if not context.vars and type(context.parent) is dict "
            "else (lambda name, _: resolve(name))"
        )
        for target, name in resolved.items():
            self.writeline(f"{target} = _eg_get({name!r}, missing)")
        loads = frame.symbols.loads
        frame.symbols.loads = {t: load for t, load in loads.items() if t not in resolved}
        try:
            super().enter_frame(frame)  # the other kinds of load, as Jinja writes them
        finally:
            frame.symbols.loads = loads
        return None
