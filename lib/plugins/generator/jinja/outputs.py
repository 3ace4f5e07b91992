"""One string per output run: the text and `{{ expressions }}` between two statements made with one `%` format.

Jinja writes a run of template text and expressions as one `yield` per piece, each expression wrapped in `str()`:
a 1.5 KB JSON template is forty-odd generator resumes and calls per render, a fifth of the render. This code
generator writes the run as

    yield '{"ts": "%s", "pid": %s, ...}' % (
        expr1,
        expr2,
    )

one format and one resume. `%s` converts with `str()`, as Jinja's output does, so the text is the same: an
undefined prints as Jinja's undefined prints (and a strict one raises, as before), a Markup object as its text.
The expressions are evaluated in template order, each on its own line, so an error still names its template line.
Only plain output takes this path: no autoescape, no `finalize`, no output check of an `extends`, not async.

The `~` operator is made the same way: Jinja writes `a ~ b ~ c` as `str_join((a, b, c))`, a Python function
mapping `str` over them; here it is `'%s%s%s' % (a, b, c)`, the same text without the call (outside autoescape).
"""

from __future__ import annotations

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst


class OutputCodeGenerator(CodeGenerator):
    def visit_Output(self, node: nodes.Output, frame: Frame) -> None:
        finalize = self._make_finalize()
        plain = not (frame.require_output_check or frame.eval_ctx.volatile or frame.eval_ctx.autoescape)
        if not plain or finalize.src is not None or self.environment.is_async:
            return super().visit_Output(node, frame)
        text: list[str] = []  # the format: constant text with `%` doubled, `%s` for each expression
        exprs: list[nodes.Expr] = []
        for child in node.nodes:
            try:
                if not (finalize.const or isinstance(child, nodes.TemplateData)):
                    raise nodes.Impossible()
                const = self._output_child_to_const(child, frame, finalize)
            except (nodes.Impossible, Exception):  # as Jinja: not constant, or left to fail at render time
                exprs.append(child)
                text.append("%s")
                continue
            text.append(str(const).replace("%", "%%"))
        if not text:
            return None
        if not exprs:
            self._emit(frame, repr("".join(text).replace("%%", "%")))
            return None
        self._emit(frame, f"{''.join(text)!r} % (", close=False)
        self.indent()
        for expr in exprs:
            self.newline(expr)
            self.visit(expr, frame)
            self.write(",")
        self.outdent()
        self.writeline(")" if frame.buffer is None else "))")
        return None

    @optimizeconst
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        if frame.eval_ctx.volatile or frame.eval_ctx.autoescape or not node.nodes:
            return super().visit_Concat(node, frame)
        self.write(f"({'%s' * len(node.nodes)!r} % (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")
        return None

    def _emit(self, frame: Frame, value: str, close: bool = True) -> None:
        if frame.buffer is None:
            self.writeline(f"yield {value}")
        else:
            self.writeline(f"{frame.buffer}.append({value}{')' if close else ''}")
