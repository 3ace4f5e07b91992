"""A template rendered on its own keeps what it sets to itself: no copy into the context per `set`.

Jinja writes every top-level `{% set x = ... %}` twice: to the local `l_0_x` the template reads afterwards, and
to the context (`context.vars['x'] = l_0_x`, `context.exported_vars.add('x')`), which only another template
reads: one that imports this one (`{% import %}`, `{% from ... import %}`), or one this one hands its context
to (a macro, a call block, `{% include %}`, a block of `{% extends %}`). A realistic template sets twenty to
forty names per render, so the copies are about a twentieth of its cost.

The templates a generator renders itself (its `jinjaTemplates`) are compiled a second time, without those
copies, when nothing in them can read the context: no macro, call block, include, import, extends, block or
`self`. The first compile stays what `get_template` answers, so a template that another imports still exports
its names. Async environments keep Jinja's code.
"""

from __future__ import annotations

from types import CodeType
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import Frame

from .codecache import remembered

OPEN_NODES = (
    nodes.Macro,
    nodes.CallBlock,
    nodes.Include,
    nodes.Import,
    nodes.FromImport,
    nodes.Extends,
    nodes.Block,
)


def is_closed(tree: nodes.Template) -> bool:
    """Whether nothing in `tree` can read what its top level sets, other than the template itself."""
    if any(True for _ in tree.find_all(OPEN_NODES)):
        return False
    return not any(name.name == "self" for name in tree.find_all(nodes.Name))


def closed_generator(base: type[Any]) -> type[Any]:
    """`base` (the environment's code generator) writing top-level sets to locals only (one class per base)."""
    made = _CLOSED.get(base)
    if made is not None:
        return made

    class ClosedCodeGenerator(base):
        def pop_assign_tracking(self, frame: Frame) -> None:
            if frame.toplevel and not frame.block_frame and not frame.loop_frame:
                self._assign_stack.pop()  # the names stay in their locals, read by this template only
                return
            super().pop_assign_tracking(frame)

    return _CLOSED.setdefault(base, ClosedCodeGenerator)


_CLOSED: dict[type[Any], type[Any]] = {}  # base code generator → its closed subclass


def direct_template(env: jinja2.Environment, template: jinja2.Template) -> jinja2.Template:
    """`template` compiled without context copies when it is closed, else `template` itself."""
    cache = env.bytecode_cache
    flavour = getattr(cache, "flavour", None)
    if flavour is None or env.is_async or env.loader is None or template.name is None:
        return template
    name = template.name
    source, filename, _ = env.loader.get_source(env, name)

    def build() -> Any:
        tree = env._parse(source, name, filename)
        if not is_closed(tree):
            return None
        generator = closed_generator(env.code_generator_class)(env, name, filename)
        generator.visit(tree)
        return compile(generator.stream.getvalue(), filename or "<template>", "exec")

    code = remembered(f"closed|{flavour}|{name}|{filename}", source, build)
    if code is None:
        return template
    assert isinstance(code, CodeType)
    return jinja2.Template.from_code(env, code, env.make_globals(None))
