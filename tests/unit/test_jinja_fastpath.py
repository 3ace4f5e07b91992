"""The template fast path (memo: sample filters remembered; hoist: loops that filter a sample rewritten; rows with
column properties) against the plain per-event path: the same bytes, since neither draws a random value."""

from __future__ import annotations

from pathlib import Path

import jinja2
import jinja2.compiler
import pytest
from markupsafe import Markup

from eventgen.core.batch import GenerationJob
from eventgen.plugin.base import registry
from eventgen.resolve.eventum import load_translated
from tests.conftest import ROOT
from tests.unit.jinja_helpers import generator, plugin_module, run, write

memo_module = plugin_module("memo")
gather_module = plugin_module("gather")
codecache_module = plugin_module("codecache")
hoist_module = plugin_module("hoist")
samples_module = plugin_module("samples")
environment_module = plugin_module("environment")
compile_module = plugin_module("compile")
PROJECTS = ROOT / "benchmarks" / "templates"


@pytest.fixture
def plain_path(monkeypatch):
    """Switch the fast path off: loops, choices and chains kept as written, Jinja's own code and filters, each
    template compiled once (with Jinja's copies of its names into the context)."""

    def off() -> None:
        monkeypatch.setattr(environment_module, "hoist_loops", lambda tree: tree)
        monkeypatch.setattr(environment_module, "gather_loops", lambda tree: tree)
        monkeypatch.setattr(environment_module, "share_literals", lambda tree: tree)
        monkeypatch.setattr(environment_module, "fold_branches", lambda tree: tree)
        monkeypatch.setattr(environment_module, "bind_rand", lambda tree: tree)
        monkeypatch.setattr(compile_module, "direct_template", lambda env, template: template)
        monkeypatch.setattr(environment_module.FastEnvironment, "code_generator_class", jinja2.compiler.CodeGenerator)
        monkeypatch.setattr(codecache_module, "_CODE", {})  # nothing compiled before counts
        monkeypatch.setattr(memo_module.FilterMemo, "filters", lambda self: {})

    return off


def project_events(name: str, seq: int) -> list[str]:
    sample = load_translated(PROJECTS / name / "generator.yml", {}, {}, {"timeMode": "sample"}).samples[0]
    gen = registry.get("generator", "jinja")(sample)  # type: ignore[call-arg]
    texts = []
    for number in range(seq):  # state carries from job to job
        job = GenerationJob(sample.label, number, 150, 1.7146e9, 1.7146e9 + 3600, offset=150 * number, seed=7)
        texts += gen.generate(job).events
    return texts


@pytest.mark.parametrize("name", sorted(p.name for p in PROJECTS.iterdir() if (p / "generator.yml").is_file()))
def test_projects_byte_identical_with_and_without_the_fast_path(name, plain_path):
    fast = project_events(name, 2)
    plain_path()
    plain = project_events(name, 2)
    assert len(fast) == 300 and fast == plain


FILTERS = """
{%- set t = samples.hosts -%}
{{ t | selectattr("site", "equalto", site) | map(attribute="name") | join(",") }}|
{{- t | selectattr("site", "==", site) | list | length }}|
{{- t | rejectattr("site", "equalto", site) | map(attribute="name") | join(",") }}|
{{- t | selectattr("site", "in", ["a", "c"]) | map(attribute="name") | join(",") }}|
{{- t | selectattr("site", "in", ("a", "c", "list")) | map(attribute="name") | join(",") }}|
{{- t | selectattr("up") | map(attribute="name") | join(",") }}|
{{- t | rejectattr("up") | map(attribute="name") | join(",") }}|
{{- t | selectattr("load", "gt", 2) | map(attribute="name") | join(",") }}|
{{- t | selectattr("site", "ne", site) | selectattr("up") | map(attribute="name") | join(",") }}|
{{- t | selectattr("site", "equalto", "nowhere") | list }}|
{{- (t | selectattr("site", "equalto", site) | first | default({"name": "-"})).name }}|
{{- t.where(site=site) | selectattr("up") | map(attribute="name") | join(",") }}|
{{- samples.levels | select("equalto", "WARN") | list | length }}|
{{- samples.levels | reject("equalto", "WARN") | list | length }}|
{%- for h in samples.hosts if h.site == site %}{{ h.name }}{{ loop.index }}/{{ loop.length }}{% endfor %}|
{%- for h in samples.hosts if site == h.site and h.up %}{{ h.name }}{% else %}none{% endfor %}|
{%- for h in samples.hosts if h.site in sites %}{{ h.name }}{% endfor %}|
{%- set a, b, c = [], [], [] %}
{%- for h in samples.hosts if h.site == site %}{% do a.append(h) %}{% do b.append(h.load | string) %}{% endfor %}
{%- for h in samples.hosts %}{% do c.append(h.name | upper) %}{% endfor %}
{{- a | map(attribute="name") | join(",") }}/{{ b | join(",") }}/{{ c | join(",") }}/
{{- samples.hosts | map(attribute="load") | sum }}
"""


def filters_conf(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        """
        [s]
        generator = jinja
        jinjaTemplates = {"e": {"template": "e.j2", "vars": {"sites": ["b", "c"]}}}
        jinjaSamples = {"hosts": {"type": "json", "source": "hosts.json"},
                        "levels": {"type": "items", "source": ["INFO", "WARN", "WARN", "ERROR"]}}
        jinjaOutput = text
        """,
        {
            "e.j2": "{% set site = rand.choice(['a', 'b', 'c', 'd']) %}{% set sites = vars.sites %}" + FILTERS,
            "hosts.json": """
            [{"name": "h1", "site": "a", "up": true, "load": 1},
             {"name": "h2", "site": "b", "up": false, "load": 3},
             {"name": "h3", "site": "a", "up": true, "load": 5},
             {"name": "h4", "site": "c", "up": true, "load": 2},
             {"name": "h5", "site": "list", "up": false, "load": 0}]
            """,
        },
    )


def test_every_covered_filter_and_loop_gives_the_plain_answer(tmp_path, plain_path):
    conf = filters_conf(tmp_path)
    fast_gen = generator(conf)
    fast = run(fast_gen, 200).events
    memo = fast_gen.loop.env.filters["selectattr"].__closure__  # the memo answered (it is installed)
    assert memo is not None
    plain_path()
    plain = run(generator(conf), 200).events
    assert fast == plain
    assert {text.split("|")[0] for text in fast} == {"h1,h3", "h2", "h4", ""}  # every site was drawn
    site_a = next(text for text in fast if text.startswith("h1,h3|"))
    assert site_a.split("|")[1:5] == ["2", "h2,h4,h5", "h1,h3,h4", "h1,h3,h4,h5"]
    assert site_a.split("|")[-1] == "h1,h3/1,5/H1,H2,H3,H4,H5/11"


def test_memo_answers_once_per_value_and_keeps_tables_from_where_out(tmp_path):
    gen = generator(filters_conf(tmp_path))
    run(gen, 300)
    memo = next(
        cell.cell_contents
        for cell in gen.loop.env.filters["selectattr"].__closure__
        if isinstance(cell.cell_contents, memo_module.FilterMemo)
    )
    assert memo.hits > 10 * memo.misses  # 300 renders, a handful of distinct questions
    tables = {id(t) for t in memo.owned.values() if isinstance(t, samples_module.Table)}
    assert len(tables) == 2  # hosts and levels; never a table made by where()


def test_memo_leaves_other_tests_and_sequences_to_jinja():
    memo = memo_module.FilterMemo({})
    env = jinja2.Environment()
    env.filters.update(memo.filters())
    env.tests["mine"] = lambda value: value > 1
    rows = [{"a": 1}, {"a": 2}, {"a": 3}]
    assert env.from_string("{{ rows | selectattr('a', 'mine') | list }}").render(rows=rows) == "[{'a': 2}, {'a': 3}]"
    assert env.from_string("{{ rows | selectattr('a', 'equalto', 2) | list }}").render(rows=rows) == "[{'a': 2}]"
    assert memo.hits == memo.misses == 0  # a plain list: not remembered (its contents may change)


def test_strict_undefined_still_errors(tmp_path):
    conf = write(
        tmp_path,
        """
        [s]
        generator = jinja
        jinjaTemplates = ["e.j2"]
        jinjaSamples = {"levels": {"type": "items", "source": ["INFO", "WARN"]}}
        jinjaOutput = text
        """,
        {"e.j2": "{{ samples.levels | select('equalto', nothing) | list }}"},
    )
    with pytest.raises(Exception, match="nothing"):
        run(generator(conf), 1)


HOISTED = {
    "{% for d in samples.t if d.c == x %}{% endfor %}": True,
    "{% for d in samples['t'] if x == d.c and d.b %}{% endfor %}": True,
    "{% for d in samples.t if d.c in xs %}{% endfor %}": True,
    "{% for d in samples.t if d.c == a.b[0] %}{% endfor %}": True,
    "{% for d in samples.t if d.c == f(x) %}{% endfor %}": False,  # a call: once per row stays once per row
    "{% for d in samples.t if d.c == x | lower %}{% endfor %}": False,
    "{% for d in samples.t if d.c == d.b %}{% endfor %}": False,
    "{% for d in samples.t if d.b and d.c == x %}{% endfor %}": False,  # only the first operand of `and`
    "{% for d in samples.t if d.c == x %}{% set x = 1 %}{% endfor %}": False,
    "{% for d in samples.t if d.c == x.k %}{% do x.update(k=1) %}{% endfor %}": False,
    "{% for d in samples.t if d.c == x %}{% do out.append(d) %}{% endfor %}": True,
    "{% for d in rows if d.c == x %}{% endfor %}": False,  # not a sample: dict keys and attributes may differ
    "{% for d in samples.t if d.c != x %}{% endfor %}": False,
    "{% for d in samples.t if d.c == x recursive %}{% endfor %}": False,
    "{% for d in samples.t if x in d.c.split() %}{% endfor %}": True,
    "{% for d in samples.t if x.k in d.c.split() and d.b %}{% endfor %}": True,
    "{% for d in samples.t if x in d.c.split(',') %}{% endfor %}": False,  # split with a separator
    "{% for d in samples.t if d.c in x.split() %}{% endfor %}": False,  # a call on the other side
    "{% for d in samples.t if x in d.split() %}{% endfor %}": False,  # the row, not a column
    "{% for d in samples.t if d.c in d.b.split() %}{% endfor %}": False,
}


@pytest.mark.parametrize("source", list(HOISTED))
def test_which_loops_are_hoisted(source):
    tree = hoist_module.hoist_loops(jinja2.Environment(extensions=["jinja2.ext.do"]).parse(source))
    loop = next(tree.find_all(jinja2.nodes.For))
    rewritten = isinstance(loop.iter, jinja2.nodes.Filter) and loop.iter.name == "selectattr"
    assert rewritten is HOISTED[source]
    if rewritten:
        assert loop.test is None or isinstance(loop.test, jinja2.nodes.Getattr)


def test_row_columns_as_properties_agree_with_lookup():
    cls = samples_module.row_class(["name", "count", "get", "two words", "_0"])
    row = cls(("a", 5, "g", "w", "z"))
    assert (row.name, row["name"], row._0, row["two words"], row[1]) == ("a", "a", "z", "w", 5)
    assert row.count("a") == 1 and row["count"] == 5  # a column named like a tuple method stays reachable by key
    assert row.get("get") == "g" and row.as_dict()["two words"] == "w"
    with pytest.raises(AttributeError):
        _ = row.missing


GATHERED = {
    "{% for d in samples.t %}{% do a.append(d) %}{% endfor %}": True,
    "{% for d in samples.t | select('odd') %}{% do a.append(d.w | int) %}{% do b.append(d) %}{% endfor %}": True,
    "{% for d in rows %}{% do a.append(d | lower) %}{% endfor %}": True,  # no attribute: any sequence
    "{% for d in rows %}{% do a.append(d.w) %}{% endfor %}": False,  # dict keys and attributes may differ
    "{% for d in samples.t %}{% do a.append(d) %}{% do a.append(d.w) %}{% endfor %}": False,  # one list, interleaved
    "{% for d in samples.t %}{% do a.append(d.w | round(1)) %}{% endfor %}": False,  # a filter with arguments
    "{% for d in samples.t %}{% do a.append(d.w | random) %}{% endfor %}": False,  # not a computation
    "{% for d in samples.t %}{% do a.append(f(d)) %}{% endfor %}": False,
    "{% for d in samples.t %}{% do a.append(d) %}{{ d }}{% endfor %}": False,  # it writes too
    "{% for d in samples.t %}{% do a.append(d) %}{% else %}{% do a.append(0) %}{% endfor %}": False,
    "{% for d in samples[a] %}{% do a.append(d) %}{% endfor %}": False,
    "{% for d in samples.t %}{% do ns.a.append(d) %}{% endfor %}": False,
}


@pytest.mark.parametrize("source", list(GATHERED))
def test_which_loops_are_gathered(source):
    tree = gather_module.gather_loops(jinja2.Environment(extensions=["jinja2.ext.do"]).parse(source))
    assert (next(tree.find_all(jinja2.nodes.For), None) is None) is GATHERED[source]


def test_extend_calls_append_on_what_is_not_a_list():
    class Log:
        def __init__(self):
            self.seen = []

        def append(self, value):
            self.seen.append(value)

    log, plain = Log(), [0]
    gather_module.extend(log, (1, 2))
    gather_module.extend(plain, (1, 2))
    assert log.seen == [1, 2] and plain == [0, 1, 2]


def test_tojson_writes_what_jinjas_writes():
    fast = environment_module.FastEnvironment()
    plain = jinja2.Environment()
    values = [{"b": "<a href='x'>&</a>", "a": [1, 2.5, None, True]}, 'é\n"', 10**20, [], {"z": {"y": "x"}}]
    values += ["<a href='x'>&</a>", "plain \\ \u2028 \x01", "", Markup("<b>'</b>")]  # strings take the C encoder
    values += [["a", "<b>"], ("x", "é"), [], ["a", 1], ["a", Markup("m")], ["a", ["b"]]]  # and lists of strings
    for source in ("{{ v | tojson }}", "{{ v | tojson(2) }}", "{{ (v | tojson) + '<' }}"):
        for value in values:
            assert fast.from_string(source).render(v=value) == plain.from_string(source).render(v=value)
    custom = environment_module.FastEnvironment()
    custom.policies["json.dumps_kwargs"] = {"sort_keys": False}
    assert environment_module.tojson_filter(custom) is jinja2.filters.do_tojson


def test_compiled_templates_are_shared_by_generators_and_recompiled_when_edited(tmp_path):
    conf = write(tmp_path, '[s]\ngenerator = jinja\njinjaTemplates = ["e.j2"]\njinjaOutput = text\n', {"e.j2": "one"})
    first, second = generator(conf), generator(conf)
    assert first.loop.templates["e"].root_render_func.__code__ is second.loop.templates["e"].root_render_func.__code__
    assert run(second, 1).events == ["one"]
    (tmp_path / "templates" / "e.j2").write_text("two")
    assert run(generator(conf), 1).events == ["two"]


def test_word_loops_give_the_plain_answer(tmp_path, plain_path):
    conf = write(
        tmp_path,
        """
        [s]
        generator = jinja
        jinjaTemplates = ["e.j2"]
        jinjaSamples = {"commands": {"type": "json", "source": "commands.json"}}
        jinjaOutput = text
        """,
        {
            "e.j2": "{% set role = rand.choice(['web', 'db', 'ops', 'none', 'we']) %}{% set fit = [] %}"
            "{% for c in samples.commands if role in c.roles.split() %}{% do fit.append(c.name) %}{% endfor %}"
            "{{ role }}:{{ fit | join(',') }}",
            "commands.json": """
            [{"name": "a", "roles": "web db"}, {"name": "b", "roles": "db"}, {"name": "c", "roles": " web  ops "},
             {"name": "d", "roles": "website"}, {"name": "e", "roles": ""}]
            """,
        },
    )
    fast = run(generator(conf), 300).events
    plain_path()
    assert fast == run(generator(conf), 300).events
    assert set(fast) == {"web:a,c", "db:a,b", "ops:c", "none:", "we:"}
