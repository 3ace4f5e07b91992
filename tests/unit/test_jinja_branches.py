"""Filters of a choice between constants moved into its branches (branches.py), and Jinja's async-aware filters
replaced by the plain functions they wrap: the same text as Jinja's own environment, and the filter folded into a
constant where it was moved."""

from __future__ import annotations

import pytest

from tests.unit.jinja_helpers import fast_and_plain, plugin_module

environment_module = plugin_module("environment")


@pytest.mark.parametrize(
    "source",
    [
        '{{ (["start"] if ok else ["info"]) | tojson }}',
        "{{ ('<a>' if ok else 'b&c') | tojson }}",  # Jinja's escapes kept
        "{{ ('x' if ok else 'y') | upper | center(5) }}",  # two filters, one after the other
        "{{ (('a', 'b') if ok else ('c',)) | join(sep) }}",  # an argument that is not a constant: kept as is
        "{{ ('a' if ok else n) | upper }}",  # a branch that is not a constant: kept as is
        "{{ ([3, 1, 2] if ok else [9]) | sort | first }}",
        "{{ ({'b': 1, 'a': 2} if ok else {}) | tojson }}",
        "{{ ('ab' if ok else 'cd') | replace('b', 'B') }}",
        "{{ (('x' if ok else 'y') | tojson) + '<' }}",  # Markup's + escapes the other side, as in Jinja
        "{{ ('x' if ok) | string }}",  # no else: kept as is
        "{{ ([1, 2] if ok else [3]) | random in [1, 2, 3] }}",  # not pure: never moved
        '{% set t = (["a"] if ok else ["b"]) | tojson %}{{ t ~ t }}',
    ],
)
@pytest.mark.parametrize("ok", [True, False])
def test_a_filter_moved_into_the_branches_writes_what_jinja_writes(source: str, ok: bool) -> None:
    fast, plain = fast_and_plain(source, {"ok": ok, "n": "z", "sep": "-"})
    assert fast == plain


def test_a_pure_filter_of_a_choice_between_constants_is_folded_in_each_branch() -> None:
    env = environment_module.FastEnvironment()
    code = env.compile('{{ (["start"] if ok else ["info"]) | tojson }}', raw=True)
    assert """Markup('["start"]') if""" in code and """else Markup('["info"]')""" in code
    assert "t_1(context" not in code  # looked up in the preamble as Jinja does, never called
    kept = env.compile("{{ ([1, 2] if ok else [3]) | random }}", raw=True)
    assert "t_1(context, ([1, 2] if" in kept


def test_async_aware_filters_are_the_plain_functions_they_wrap() -> None:
    import jinja2.filters

    env = environment_module.FastEnvironment()
    assert env.filters["first"] is jinja2.filters.sync_do_first
    assert env.filters["list"] is jinja2.filters.sync_do_list
    assert env.filters["join"] is jinja2.filters.sync_do_join
    asynchronous = environment_module.FastEnvironment(enable_async=True)
    assert asynchronous.filters["first"] is jinja2.filters.do_first  # an async environment keeps Jinja's
    fast, plain = fast_and_plain("{{ xs | list | first }}-{{ xs | join(',') }}-{{ xs | sum }}", {"xs": (3, 4)})
    assert fast == plain == "3-3,4-7"
