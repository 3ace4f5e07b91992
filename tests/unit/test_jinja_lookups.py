"""`x.a` compiled to the builtin getattr (lookups.py) gives what Jinja's `environment.getattr` gives."""

from __future__ import annotations

import jinja2
import pytest

from tests.unit.jinja_helpers import fast_and_plain, plugin_module

environment_module = plugin_module("environment")


class Thing:
    size = 3

    @property
    def broken(self):
        raise AttributeError("no")

    def __getitem__(self, key):
        return f"item {key}"


class Mapping(dict):
    extra = "attribute"


VALUES = {
    "d": {"x": 1, "items": "key", "n": {"y": [1, 2]}, "": 0},
    "empty": {},
    "zero": 0,
    "thing": Thing(),
    "sub": Mapping(x=2, extra="key"),
    "text": "abc",
}
CASES = [
    "{{ d.x }}",
    "{{ d.n.y }}",
    "{{ d.items | string | truncate(20) }}",
    "{{ d['items'] }}",
    "{{ d.missing }}",
    "{{ empty.x }}",
    "{{ zero.real }}",
    "{{ zero.x }}",
    "{{ thing.size }}",
    "{{ thing.broken }}",
    "{{ thing.other }}",
    "{{ sub.x }}",
    "{{ sub.extra }}",
    "{{ text.upper() }}",
    "{{ nothing.x is defined }}",
    "{% for k in d.n.y %}{{ loop.index }}{{ k }}{% endfor %}",
    "{% macro m(o) %}{{ o.x }}{% endmacro %}{{ m(d) }}{{ m(sub) }}",
    "{{ (d.n if d.x else empty).y }}",
]


@pytest.mark.parametrize("source", CASES)
@pytest.mark.parametrize("undefined", [jinja2.Undefined, jinja2.ChainableUndefined])
def test_same_as_jinja(source, undefined):
    fast, plain = fast_and_plain(source, VALUES, undefined=undefined)
    assert fast == plain


def test_strict_undefined_fails_the_same():
    fast = environment_module.FastEnvironment(undefined=jinja2.StrictUndefined).from_string("{{ nothing.x }}")
    with pytest.raises(jinja2.UndefinedError, match="'nothing' is undefined"):
        fast.render()
    assert "_eg_obj" in environment_module.FastEnvironment().compile("{{ d.x }}", raw=True)  # the fast lookup is used
