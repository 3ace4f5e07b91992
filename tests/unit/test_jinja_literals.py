"""Constant weights written in a template are made once (literals.py) and give the same events as before."""

from __future__ import annotations

import jinja2
import pytest

from tests.unit.jinja_helpers import generator, plugin_module, run, write

literals_module = plugin_module("literals")
environment_module = plugin_module("environment")
codecache_module = plugin_module("codecache")

TEMPLATE = """
{%- set a = module.rand.weighted_choice({"GET": 62, "POST": 24, "PUT": 9, "DELETE": 5}) -%}
{%- set b = rand.weighted_choices(["x", "y", "z"], [1, 2.5, 0], n=3) | join("") -%}
{%- set c = module.rand.weighted_choice({1.0: 1}) ~ module.rand.weighted_choice({true: 1}) ~
    module.rand.weighted_choice({1: 1}) ~ module.rand.weighted_choice({none: 1, "2": 0}) -%}
{%- set d = module.rand.weighted_choice(items=["p", "q"], weights=[3, 1]) -%}
{{ a }} {{ b }} {{ c }} {{ d }} {{ module.rand.weighted_choice(vars.mix) }}
"""


def conf(tmp_path):
    return write(
        tmp_path,
        """
        [s]
        generator = jinja
        jinjaTemplates = {"e": {"template": "e.j2", "vars": {"mix": {"k": 1, "l": 1}}}}
        jinjaOutput = text
        """,
        {"e.j2": TEMPLATE},
    )


def test_same_events_as_literals_built_per_render(tmp_path, monkeypatch):
    fast = run(generator(conf(tmp_path)), 2000, seed=5).events
    monkeypatch.setattr(environment_module, "share_literals", lambda tree: tree)
    monkeypatch.setattr(codecache_module, "_CODE", {})  # compile again, without the rewrite
    plain = run(generator(conf(tmp_path)), 2000, seed=5).events
    assert fast == plain
    columns = list(zip(*(event.split(" ") for event in fast), strict=True))
    assert set(columns[0]) == {"GET", "POST", "PUT", "DELETE"}
    assert set("".join(columns[1])) == {"x", "y"}  # z weighs 0
    assert set(columns[2]) == {"1.0True1None"}  # equal keys of different types stay apart
    assert set(columns[3]) == {"p", "q"} and set(columns[4]) == {"k", "l"}
    assert 0.55 < columns[0].count("GET") / 2000 < 0.69  # 62 %: binomial sd 1.1 %, six of them either way


SOURCES = {
    '{{ module.rand.weighted_choice({"a": 1, "b": 2}) }}': 1,
    "{{ rand.weighted_choices(['a', 'b'], [1, 2], n=2) }}": 2,
    "{{ rand.weighted_choice(items=['a'], weights=[1]) }}": 2,
    "{{ module.rand.weighted_choice({'a': x}) }}": 0,  # not a constant
    "{{ module.rand.weighted_choice({'a': [1]}) }}": 0,  # nested
    "{{ module.rand.choice(['a', 'b']) }}": 0,  # not a weighted choice
    "{{ other.rand.weighted_choice({'a': 1}) }}": 0,
    "{{ module.rand.weighted_choice({'a': 1.5, 'b': 1e400}) }}": 0,  # inf has no literal repr
}


@pytest.mark.parametrize("source", SOURCES)
def test_which_arguments_are_shared(source):
    tree = literals_module.share_literals(jinja2.Environment().parse(source))
    shared = [f for f in tree.find_all(jinja2.nodes.Filter) if f.name == literals_module.LITERAL_FILTER]
    assert len(shared) == SOURCES[source]


def test_one_object_per_literal_across_renders(tmp_path):
    gen = generator(conf(tmp_path))
    made = literals_module.literal(None, "{'GET': 62, 'POST': 24, 'PUT': 9, 'DELETE': 5}")
    run(gen, 10)
    assert literals_module.literal(None, "{'GET': 62, 'POST': 24, 'PUT': 9, 'DELETE': 5}") is made
    assert made == {"GET": 62, "POST": 24, "PUT": 9, "DELETE": 5}
    assert literals_module.literal(None, "{1: 1}") == {1: 1} and literals_module.literal(None, "{True: 1}") == {True: 1}
    assert list(literals_module.literal(None, "{1.0: 1}")) == [1.0]
