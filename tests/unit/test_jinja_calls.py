"""Plain methods called straight from the template's code (calls.py) give what Jinja's `context.call` gives:
the same values, the same errors, and functions that take the context or are macros still get it."""

from __future__ import annotations

import jinja2
import pytest

from tests.unit.jinja_helpers import fast_and_plain, plugin_module

environment_module = plugin_module("environment")


class Box:
    def __init__(self) -> None:
        self.items: list[int] = []

    def add(self, value: int, times: int = 1) -> str:
        self.items.extend([value] * times)
        return f"added {value}x{times}"

    def chain(self, value: int) -> Box:
        self.items.append(value)
        return self

    def __call__(self, value: int) -> str:
        return f"called {value}"


@jinja2.pass_context
def who(context, name: str) -> str:
    return f"{name} in {context.name}: {context.get('n')}"


@jinja2.pass_context
def looked(context, value: int) -> str:
    """What the context holds for the loop's or block's variables (Jinja passes them to `context.call`)."""
    return f"{value}:{context.get('j')}:{context.get('k')}"


VALUES = {"n": 3, "text": "a-b-c", "d": {"k": 1}, "who": who, "looked": looked, "nums": [3, 1, 2]}
CASES = [
    "{{ text.split('-') }}|{{ text.upper() }}|{{ d.get('k') }}|{{ d.get('x', 9) }}|{{ text.replace('-', n | string) }}",
    "{{ box.add(1) }}|{{ box.add(2, times=2) }}|{{ box.chain(5).chain(6).items }}|{{ box(7) }}",
    "{{ who('me') }}|{{ range(n) | list }}|{{ dict(a=n) }}|{{ namespace(x=n).x }}",
    "{% macro m(x, y=2) %}[{{ x }},{{ y }}{{ caller() if caller else '' }}]{% endmacro %}{{ m(1) }}{{ m(1, y=n) }}"
    "{% call m(4) %}in{% endcall %}",
    "{{ text.split(text[1]) }}|{{ text.split('-', n - 2) }}|{{ box.add(nums | sum) }}|{{ box.add(text.count('-')) }}",
    "{% for i in nums %}{{ box.add(i) }};{{ text.find('b') }};{% endfor %}{{ box.items }}",
    "{% set x = box.add(9) %}{{ x }}|{% filter upper %}{{ text.title() }}{% endfilter %}",
    "{% for i in nums %}{% set j = i * n %}{{ who(j | string) }},{{ looked(j) }};{% endfor %}",
    "{% block b %}{% set k = n + 1 %}{{ looked(k) }}{{ text.upper() }}{% endblock %}",
    "{{ missing() }}",
    "{{ missing.method() }}",
    "{{ text.nothing() }}",
    "{{ nums.sort() }}{{ nums }}|{{ d.update(k=5) }}{{ d.k }}",
]


@pytest.mark.parametrize("source", CASES)
@pytest.mark.parametrize("undefined", [jinja2.Undefined, jinja2.ChainableUndefined])
def test_same_as_jinja(source, undefined):
    fast, plain = fast_and_plain(source, values, undefined=undefined)
    assert fast == plain


def values() -> dict:
    return {**VALUES, "box": Box(), "nums": [3, 1, 2], "d": {"k": 1}}  # fresh mutable values for each render


def test_plain_calls_take_the_direct_form_and_others_jinjas():
    code = environment_module.FastEnvironment().compile(
        "{{ a.b(1, c=2) }}{{ f(g(1)) }}{% for i in x %}{{ h(i) }}{% endfor %}{{ k(*x) }}", raw=True
    )
    assert "(_eg_f(1, c=2) if ((_eg_t := type(_eg_f := " in code  # a method with plain arguments
    assert "context.call((undefined(name='f')" in code  # an argument that calls: Jinja's form, outside
    assert "_eg_f(1) if" in code  # ... and the inner call direct
    assert "context.call(_eg_f, l_1_i, _loop_vars=_loop_vars))" in code  # in a loop: Jinja's keywords kept
    assert "context.call((undefined(name='k')" in code  # *args: Jinja's form
