"""A run of output written as one `%` format (outputs.py) gives the text, the errors and the error lines Jinja's
one-yield-per-piece output gives."""

from __future__ import annotations

import sys
import traceback

import jinja2
import jinja2.compiler
import pytest
from markupsafe import Markup

from tests.unit.jinja_helpers import fast_and_plain, plugin_module

environment_module = plugin_module("environment")


class Shown:
    def __str__(self) -> str:
        return "shown %s %%"


VALUES = {
    "n": 7,
    "f": 0.1 + 0.2,
    "none": None,
    "pair": (1, "%s"),
    "percent": "100%",
    "markup": Markup("<b>%s</b>"),
    "shown": Shown(),
    "rows": [{"a": 1}, {"a": 2}],
}
CASES = [
    '{"n": {{ n }}, "f": {{ f }}, "none": {{ none }}, "pair": "{{ pair }}", "p": "{{ percent }}"} 50% %s %%',
    "{{ markup }}|{{ markup ~ '<i>' }}|{{ shown }}|{{ missing }}|{{ missing is defined }}|{{ missing.attr }}",
    "100% literal, no expression",
    "{% for r in rows %}{{ loop.index }}:{{ r.a }}%{% if not loop.last %}, {% endif %}{% endfor %}",
    "{% macro m(x) %}<{{ x }}% {{ caller() if caller else '' }}>{% endmacro %}"
    "{{ m(n) }}{% call m(f) %}in %s{% endcall %}",
    "{% set block %}a{{ n }}%b{% endset %}[{{ block }}]",
    "{% filter upper %}x{{ percent }}y{% endfilter %}",
    "{% raw %}{{ not an expression }} %{% endraw %}{{ n }}",
    "  {{- n -}}  %  {{ n }}\n{{ n }}",
    "{{ '%' }}{{ '%%' }}{{ n ~ '%' }}",
    "{{ n ~ none ~ pair ~ f ~ shown }}|{% set s = percent ~ '%s' ~ n %}{{ s }}|{{ (markup ~ '<i>') | length }}",
    "{{ 'a' ~ missing ~ 'b' }}|{{ rows[0].a ~ rows[1].a }}",
    "",
]


@pytest.mark.parametrize("source", CASES)
@pytest.mark.parametrize("undefined", [jinja2.Undefined, jinja2.ChainableUndefined, jinja2.DebugUndefined])
def test_same_text_as_jinja(source, undefined):
    fast, plain = fast_and_plain(source, VALUES, undefined=undefined)
    assert fast == plain


def test_one_format_per_run_of_output():
    code = environment_module.FastEnvironment().compile('{"a": {{ a }}, "b": "{{ b }}"}\n50%', raw=True)
    assert 'yield \'{"a": %s, "b": "%s"}\\n50%%\' % (' in code
    assert code.count("yield") == 2  # Jinja's `if 0: yield None`, and the one run


def test_strict_undefined_raises_and_names_the_template_line():
    source = '{\n  "a": {{ a }},\n  "b": "{{ nothing }}",\n  "c": {{ c }}\n}'
    fast = environment_module.FastEnvironment(undefined=jinja2.StrictUndefined).from_string(source)
    with pytest.raises(jinja2.UndefinedError, match="'nothing' is undefined"):
        fast.render(a=1, c=2)
    assert template_line(fast, a=1, c=2) == 3


def test_an_error_in_a_later_expression_names_its_own_line():
    source = "first {{ a }}\nsecond {{ a }}\nthird {{ 1 // zero }}\n"
    fast = environment_module.FastEnvironment().from_string(source)
    assert template_line(fast, a=1, zero=0) == 3


def test_autoescape_keeps_jinjas_output():
    env = environment_module.FastEnvironment(autoescape=True)
    source = "{{ '<a>' }} % {{ markup }} {{ '<' ~ markup }}"
    assert env.from_string(source).render(VALUES) == "&lt;a&gt; % <b>%s</b> &lt;<b>%s</b>"
    assert "% (" not in env.compile(source, raw=True)  # escaping is Jinja's own path


def template_line(template: jinja2.Template, **values: object) -> int:
    """The line of the template the traceback of a failed render points at."""
    try:
        template.render(values)
    except Exception:
        frames = traceback.extract_tb(sys.exc_info()[2])
        return next(f.lineno for f in reversed(frames) if f.filename == "<template>")
    raise AssertionError("the render did not fail")
