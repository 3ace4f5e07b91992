"""Chains naming a method of the random API compile to one name the context holds (randnames.py), and give what
Jinja's own lookups give: the same draws from the same seed, the same errors for what the API does not have."""

from __future__ import annotations

import random

import jinja2
import pytest

from tests.unit.jinja_helpers import fast_and_plain, plugin_module

randnames = plugin_module("randnames")
rand_module = plugin_module("rand")
api = plugin_module("api")
environment = plugin_module("environment")


def values() -> dict:
    """A fresh generator's names, seeded the same for each render."""
    rng = random.Random(42)
    rand = rand_module.Rand(rng)
    return {"rand": rand, "module": api.Modules(rand, rng, None, False), **randnames.rand_names(rand), "n": 3}


CASES = [
    "{{ module.rand.number.integer(1, 100) }} {{ rand.number.integer(1, 100) }} {{ module.rand.chance(0.5) }}",
    "{{ module.rand.weighted_choice({'a': 1, 'b': 3}) }}{{ rand.string.hex(8) }}{{ module.rand.network.ip_v4() }}",
    "{% for i in range(n) %}{{ module.rand.crypto.uuid4() }},{% endfor %}",
    "{% set f = module.rand.number.integer %}{{ f(1, 9) }}{{ f(1, 9) }}",
    "{% set part = module.rand.number %}{{ part.integer(1, 9) }}",  # a part, not a method: as written
    "{{ module.rand.number.nothing(1) }}",  # nothing of the API: Jinja's lookup and its error
    "{{ rand.nothing }}|{{ module.other }}",
    "{% set rand = module.rand %}{{ rand.number.integer(1, 9) }}",  # `rand` assigned: every chain as written
    "{% macro m(module) %}{{ module.rand.chance(1) }}{% endmacro %}{{ m(module) }}",
    "{% for module in [module] %}{{ module.rand.number.integer(5, 5) }}{% endfor %}",
]


@pytest.mark.parametrize("source", CASES, ids=range(len(CASES)))
@pytest.mark.parametrize("undefined", [jinja2.Undefined, jinja2.StrictUndefined])
def test_same_draws_and_errors_as_jinja(source, undefined):
    fast, plain = fast_and_plain(source, values, undefined=undefined)
    assert fast == plain
    assert fast  # something was rendered (or an error said)


def test_chains_become_names_only_where_nothing_else_can_be_meant():
    env = environment.FastEnvironment()
    code = env.compile("{{ module.rand.number.integer(1, 2) }}{{ rand.chance(0.5) }}{{ module.rand.number }}", raw=True)
    assert "_eg_rand__number__integer" in code and "_eg_rand__chance" in code
    assert "'number'" in code  # `module.rand.number` alone is looked up
    for own in (
        "{% set module = x %}",
        "{% import 'm.j2' as module %}",
        "{% from 'm.j2' import x as rand %}",
        "{% from 'm.j2' import rand %}",
        "{% macro rand() %}{% endmacro %}",
        "{% with module = x %}{% endwith %}",
    ):
        assert "_eg_rand" not in env.compile(own + "{{ module.rand.chance(1) }}{{ rand.chance(1) }}", raw=True), own
    assert "_eg_rand" not in env.compile("{{ module.rand.number.nothing() }}", raw=True)
    assert set(randnames.METHODS.values()) <= set(values())
    assert ("number", "integer") in randnames.METHODS and ("weighted_choice",) in randnames.METHODS
