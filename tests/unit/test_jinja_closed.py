"""A template the generator renders itself keeps what it sets to itself when nothing else can read it (closed.py):
the same text, no copy of its names into the context; a template that can hand its context on, or that another
imports, keeps Jinja's copies."""

from __future__ import annotations

import random
from datetime import UTC

import pytest

from tests.unit.jinja_helpers import generator, plugin_module, run, write

closed = plugin_module("closed")
environment = plugin_module("environment")

CLOSED = [
    '{% set a = 1 %}{% set b, c = "x", "y" %}{{ a }}{{ b }}{{ c }}',
    "{% if v %}{% set x = 1 %}{% else %}{% set x = 2 %}{% endif %}{{ x }}{% set x = x + 10 %}{{ x }}",
    "{% set block %}<{{ v }}>{% endset %}{{ block }}{{ block }}",
    "{% for i in [1, 2] %}{% set inner = i * v %}{{ inner }}{% endfor %}{% set after = 3 %}{{ after }}",
    "{% set ns = namespace(n=0) %}{% for i in [1, 2, 3] %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}",
    "{% set _private = v %}{% set shown = _private ~ '!' %}{{ shown }}",
]
OPEN = [
    "{% macro m() %}{{ x }}{% endmacro %}{% set x = 1 %}{{ m() }}",
    "{% set x = 1 %}{% include 'part.j2' %}",
    "{% import 'part.j2' as p %}{% set x = 1 %}",
    "{% from 'part.j2' import y %}{% set x = 1 %}",
    "{% extends 'part.j2' %}{% set x = 1 %}",
    "{% set x = 1 %}{% block b %}{{ x }}{% endblock %}",
    "{% macro m() %}{{ caller() }}{% endmacro %}{% set x = 1 %}{% call m() %}{{ x }}{% endcall %}",
    "{% set x = 1 %}{{ self }}",
]


def _env(folder):
    return environment.make_environment(folder, False, False, UTC, random.Random(1))


def _render(env, template, values):
    ctx = template.new_context(dict(values))
    return "".join(template.root_render_func(ctx)), ctx


@pytest.mark.parametrize("source", CLOSED, ids=range(len(CLOSED)))
def test_a_closed_template_renders_the_same_without_copying_its_names(tmp_path, source):
    (tmp_path / "t.j2").write_text(source)
    env = _env(tmp_path)
    template = env.get_template("t.j2")
    direct = closed.direct_template(env, template)
    assert direct is not template
    for v in (0, 1, 7):
        text, ctx = _render(env, template, {"v": v})
        direct_text, direct_ctx = _render(env, direct, {"v": v})
        assert direct_text == text
        assert ctx.vars  # Jinja's copy of the names...
        assert direct_ctx.vars == {} and direct_ctx.exported_vars == set()  # ...which nothing here reads


@pytest.mark.parametrize("source", OPEN, ids=range(len(OPEN)))
def test_a_template_that_can_hand_its_context_on_keeps_jinjas_copies(tmp_path, source):
    (tmp_path / "t.j2").write_text(source)
    (tmp_path / "part.j2").write_text("{% set y = 2 %}[{{ x }}]{% block b %}{% endblock %}")
    env = _env(tmp_path)
    template = env.get_template("t.j2")
    assert closed.direct_template(env, template) is template


def test_a_template_rendered_directly_still_exports_to_one_that_imports_it(tmp_path):
    conf = write(
        tmp_path,
        """
        [s]
        generator = jinja
        jinjaMode = all
        jinjaTemplates = {"lib": {"template": "lib.j2"}, "main": {"template": "main.j2"}}
        jinjaOutput = text
        """,
        {
            "lib.j2": '{% set greeting = "hi" %}{% if greeting %}{% set greeting = greeting ~ "!" %}{% endif %}'
            "{{ greeting }}",
            "main.j2": '{% import "lib.j2" as lib %}{{ lib.greeting }} from main',
        },
    )
    first, second = generator(conf), generator(conf)
    assert run(first, 2).events == ["hi!", "hi! from main", "hi!", "hi! from main"]
    direct = first.loop.renderers["lib"][0]
    assert direct is not first.loop.templates["lib"].root_render_func  # lib was compiled a second time, closed
    assert direct.__code__ is second.loop.renderers["lib"][0].__code__  # once per process
    assert first.loop.renderers["main"][0] is first.loop.templates["main"].root_render_func  # main imports: as is
