"""The names a template reads at its start, looked up with the context dict's `get` (names.py), give what Jinja's
`resolve` gives: in a plain render, in a child's `{% extends %}` (whose context already holds the child's
variables), in blocks, macros, includes and imports."""

from __future__ import annotations

import jinja2
import pytest

from tests.unit.jinja_helpers import fast_and_plain, plugin_module

environment_module = plugin_module("environment")

TEMPLATES = {
    "base.j2": "[{{ title }}|{{ who }}|{{ none_value }}|{{ unset }}]{% block body %}base {{ who }}{% endblock %}",
    "child.j2": '{% extends "base.j2" %}{% set title = "child title" %}{% set who = "child" %}'
    "{% block body %}body {{ who }} {{ title }} {{ super() }}{% endblock %}",
    "part.j2": "part:{{ who }}:{{ local_only | default('-') }}",
    "macros.j2": '{% set greeting = "hi" %}{% macro hello(x) %}{{ greeting }} {{ x }} {{ who }}{% endmacro %}',
}
VALUES = {"who": "caller", "title": "given", "none_value": None}
CASES = [
    "{{ who }}|{{ title }}|{{ none_value }}|{{ none_value is none }}|{{ unset is defined }}|{{ unset }}",
    '{% if who == "caller" %}{% set maybe = 1 %}{% endif %}{{ maybe }}|{{ maybe is defined }}',
    '{% extends "child.j2" %}',
    '{% include "child.j2" %}',
    '{% set local_only = "mine" %}{% include "part.j2" %}|{% include "part.j2" without context %}',
    '{% import "macros.j2" as m %}{{ m.hello(1) }}|{{ m.greeting }}',
    '{% from "macros.j2" import hello with context %}{% set who = "changed" %}{{ hello(2) }}',
    '{% set who = "top" %}{% macro inner() %}{{ who }}/{{ title }}{% endmacro %}{{ inner() }}',
    "{% for i in [1, 2] %}{{ who }}{{ i }}{% set who = 'loop' %}{% endfor %}{{ who }}",
]


@pytest.mark.parametrize("source", CASES)
@pytest.mark.parametrize("undefined", [jinja2.Undefined, jinja2.StrictUndefined])
def test_same_as_jinja(source, undefined):
    loader = jinja2.DictLoader(TEMPLATES)
    fast, plain = fast_and_plain(source, VALUES, undefined=undefined, loader=loader)
    assert fast == plain


def test_the_root_looks_names_up_with_get_and_blocks_with_resolve():
    env = environment_module.FastEnvironment(loader=jinja2.DictLoader(TEMPLATES))
    code = env.compile(TEMPLATES["base.j2"], "base.j2", raw=True)
    root, block = code.split("def block_body(")
    assert "l_0_who = _eg_get('who', missing)" in root and "resolve('who')" not in root
    assert "resolve('who')" in block
