"""Jinja generator: samples API, rand module, seeding, outputs, time tags, errors, subprocess, sandbox."""

from __future__ import annotations

import ipaddress
import json
import random
import re
from collections import Counter

import pytest

from eventgen.core.errors import ConfigErrors, TemplateError
from eventgen.resolve.loader import load
from tests.unit.jinja_helpers import START, generator, plugin_module, run, write

samples_module = plugin_module("samples")
rand_module = plugin_module("rand")

try:
    from scipy.stats import chi2

    CRITICAL_3DF = float(chi2.ppf(0.999, 3))
except ImportError:  # the χ² 0.999 quantile with 3 degrees of freedom
    CRITICAL_3DF = 16.266


def test_csv_weighted_pick_matches_weights_chi_square(tmp_path):
    conf = write(
        tmp_path,
        """
        [s]
        generator = jinja
        jinjaTemplates = {"e": {"template": "e.j2"}}
        jinjaSamples = {"hosts": {"type": "csv", "source": "hosts.csv", "header": true}}
        """,
        {"e.j2": "{{ samples.hosts.weighted_pick('weight').name }}"},
        {"templates/hosts.csv": "name,weight\na,1\nb,2\nc,3\nd,4\n"},
    )
    n = 20_000
    counts = Counter(run(generator(conf), n).events)
    assert sum(counts.values()) == n and set(counts) == {"a", "b", "c", "d"}
    expected = {"a": 0.1 * n, "b": 0.2 * n, "c": 0.3 * n, "d": 0.4 * n}
    statistic = sum((counts[k] - e) ** 2 / e for k, e in expected.items())
    assert statistic < CRITICAL_3DF


def test_tables_csv_without_header_json_items_and_filters(tmp_path):
    rng = random.Random(3)
    csv_file = tmp_path / "users.csv"
    csv_file.write_text("alice;admin;3\nbob;dev;1\ncarol;dev;1\n")
    json_file = tmp_path / "svc.json"
    json_file.write_text('[{"name": "api", "port": 443}, {"name": "db", "port": 5432, "tier": "data"}]')
    users = samples_module.load_table(
        "users", {"type": "csv", "source": "users.csv", "delimiter": ";"}, lambda p: tmp_path / p, rng
    )
    assert users.columns == ["_0", "_1", "_2"] and len(users) == 3
    assert users[1]._0 == "bob" and users[1][2] == "1" and users["_0"] == ["alice", "bob", "carol"]
    devs = users.where(_1="dev")
    assert [r[0] for r in devs] == ["bob", "carol"]
    assert [r[0] for r in users.where(_0=["alice", "carol"])] == ["alice", "carol"]
    assert len(users.pick_n(5)) == 5 and users.where(_1="nobody").pick("none") == "none"
    svc = samples_module.load_table("svc", {"type": "json", "source": "svc.json"}, lambda p: tmp_path / p, rng)
    assert svc.columns == ["name", "port", "tier"]
    assert svc[1].as_dict() == {"name": "db", "port": 5432, "tier": "data"} and svc[0].tier is None
    assert svc.where(port=5432)[0]["name"] == "db"
    items = samples_module.load_table("lv", ["INFO", "WARN"], lambda p: tmp_path / p, rng)
    assert items.rows == ["INFO", "WARN"] and items.pick() in ("INFO", "WARN")
    with pytest.raises(ValueError, match="unknown type 'xml'"):
        samples_module.load_table("x", {"type": "xml", "source": "a"}, lambda p: tmp_path / p, rng)


def test_rand_module_values():
    rand = rand_module.Rand(random.Random(7))
    for _ in range(200):
        assert 3 <= rand.number.integer(3, 5) <= 5
        assert ipaddress.ip_address(rand.network.ip_v4_private()).is_private
        public = ipaddress.ip_address(rand.network.ip_v4_public())
        assert public.is_global and not public.is_multicast
        assert ipaddress.ip_address(rand.network.ip_v4_in_subnet("10.1.2.0/24")) in ipaddress.ip_network("10.1.2.0/24")
        assert ipaddress.ip_address(rand.network.ip_v6()).version == 6
        assert ipaddress.ip_address(rand.network.ip_v6_link_local()).is_link_local
        assert ipaddress.ip_address(rand.network.ip_v6_global()) in ipaddress.ip_network("2000::/3")
    assert re.fullmatch(r"00:50:56(:[0-9a-f]{2}){3}", rand.network.mac(oui="00:50:56"))
    assert re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", rand.network.mac())
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", rand.crypto.uuid4())
    assert [len(rand.crypto.md5()), len(rand.crypto.sha1()), len(rand.crypto.sha256())] == [32, 40, 64]
    assert re.fullmatch(r"ORD-[A-Z]{3}-\d{6}%", rand.string.pattern("ORD-%A{3}-%d{6}%%"))
    assert rand.weighted_choice({"only": 1, "never": 0}) == "only"
    assert rand.weighted_choices(["x", "y"], [0, 1], n=3) == ["y", "y", "y"]
    assert sorted(rand.shuffle([3, 1, 2])) == [1, 2, 3]


def test_seed_gives_identical_output_and_other_seed_differs(tmp_path):
    conf = write(
        tmp_path,
        """
        [s]
        generator = jinja
        jinjaTemplates = {"e": {"template": "e.j2"}}
        """,
        {
            "e.j2": "{{ timestamp.isoformat() }} {{ rand.crypto.uuid4() }} {{ [1, 2, 3, 4, 5] | random }} "
            "{{ rand.network.ip_v4() }}"
        },
    )
    one = run(generator(conf), 50, seed=11).events
    assert one == run(generator(conf), 50, seed=11).events
    assert one != run(generator(conf), 50, seed=12).events


def test_json_output_metadata_and_eventgen_style(tmp_path):
    conf = write(
        tmp_path,
        """
        [s]
        generator = jinja
        jinja_target_template = eg.j2
        jinja_variables = {"app": "shop"}
        host = default-host
        timezone = +0000
        """,
        {
            "eg.j2": """
        # for i in range(2)
        {"_time": "{{ eventgen_earliest_epoch + i }}", "_raw": "{{ app }} line {{ i }}\nsecond", "host": "h{{ i }}"}
        # endfor
        """
        },
    )
    batch = run(generator(conf), 2)
    assert batch.events == ["shop line 0\nsecond", "shop line 1\nsecond"] * 2
    assert batch.times.tolist() == [START, START + 1] * 2
    assert batch.columns == {"host": ["h0", "h1", "h0", "h1"]} and batch.meta["host"] == "default-host"


def test_batch_mode_renders_once_per_job(tmp_path):
    conf = write(
        tmp_path,
        """
        [s]
        generator = jinja
        jinjaBatch = true
        jinjaTemplates = {"e": {"template": "e.j2"}}
        timezone = +0000
        """,
        {
            "e.j2": """
        {% do locals.incr('renders') %}
        {% for ts in timestamps %}
        {{ loop.index }}/{{ count }} {{ ts.strftime('%H:%M:%S') }} render={{ locals.get('renders') }}
        {% endfor %}
        """
        },
    )
    gen = generator(conf)
    batch = run(gen, 3, span=3)
    assert [e.split(" render=")[1] for e in batch.events] == ["1", "1", "1"]
    assert [e.split(" ")[0] for e in batch.events] == ["1/3", "2/3", "3/3"]
    assert batch.times.tolist() == sorted(batch.times.tolist()) and len(batch.times) == 3
    assert run(gen, 2, seq=1).events[0].endswith("render=2")


def test_time_tags_and_eventgen_variables(tmp_path):
    conf = write(
        tmp_path,
        """
        [s]
        generator = jinja
        jinjaTemplates = {"t": {"template": "t.j2"}}
        timezone = +0000
        """,
        {
            "t.j2": """
        {% time_now %}
        {% time_slice earliest=eventgen_earliest_epoch, latest=eventgen_latest_epoch, count=1, slices=4, date_format="%H:%M:%S" %}
        {{ time_now_epoch | int }} {{ time_now_formatted }} {{ time_target_epoch | int }} {{ time_target_formatted }} {{ eventgen_count }}/{{ eventgen_maxcount }}
        """  # noqa: E501 - template lines as a user writes them
        },
    )
    batch = run(generator(conf), 2, offset=10)
    now = int(START + 60)
    assert batch.events == [
        f"{now} 2023-11-14T22:14:20+0000 {int(START) + 15} 22:13:35 10/2",
        f"{now} 2023-11-14T22:14:20+0000 {int(START) + 15} 22:13:35 11/2",
    ]


def test_template_errors_name_file_and_line(tmp_path):
    conf = write(
        tmp_path,
        """
        [s]
        generator = jinja
        jinjaTemplates = {"bad": {"template": "bad.j2"}}
        """,
        {"bad.j2": "line one\n{% set x = 1 %}\n{{ 1 // 0 }}\n"},
    )
    with pytest.raises(TemplateError) as info:
        run(generator(conf), 1)
    assert (
        str(info.value) == f"template {tmp_path / 'templates' / 'bad.j2'}:3: ZeroDivisionError: integer division "
        "or modulo by zero"
    )
    (tmp_path / "templates" / "bad.j2").write_text("ok\n{% include 'inc.j2' %}\n")
    (tmp_path / "templates" / "inc.j2").write_text("fine\n\n{{ undefined_name }}\n")
    with pytest.raises(TemplateError, match=r"inc\.j2:3: 'undefined_name' is undefined$"):
        run(generator(conf), 1)
    (tmp_path / "templates" / "inc.j2").write_text("a\n{% if %}\n")
    with pytest.raises(ConfigErrors) as load_info:
        load(conf)
    assert str(load_info.value).endswith(
        f"[s]: jinjaTemplates: template {tmp_path / 'templates' / 'inc.j2'}:2: "
        "syntax error: Expected an expression, got 'end of statement block'"
    )


def test_subprocess_needs_opt_in(tmp_path):
    base = """
        [s]
        generator = jinja
        jinjaTemplates = {"p": {"template": "p.j2"}}
        """
    conf = write(tmp_path, base, {"p.j2": "out={{ subprocess.run('echo hello').stdout | trim }}\n"})
    with pytest.raises(TemplateError) as info:
        run(generator(conf), 1)
    assert str(info.value) == (
        f"template {tmp_path / 'templates' / 'p.j2'}:1: subprocess.run is disabled: set "
        "jinjaAllowSubprocess = true in [s] to let templates run commands"
    )
    conf = write(tmp_path, base + "jinjaAllowSubprocess = true\n")
    assert run(generator(conf), 2).events == ["out=hello", "out=hello"]


def test_sandbox_blocks_private_attributes_and_modules(tmp_path):
    conf = write(
        tmp_path,
        """
        [s]
        generator = jinja
        jinjaSandbox = true
        jinjaModulesDir = mods
        jinjaTemplates = {"x": {"template": "x.j2"}}
        """,
        {"x.j2": "{{ module.shop.sku() }} {{ rand._r }}"},
        {
            "mods/shop.py": """
        RNG = None

        def eventgen_setup(rng):
            global RNG
            RNG = rng

        def sku():
            return "SKU-%04d" % RNG.randrange(10000)
        """
        },
    )
    with pytest.raises(TemplateError, match=r"x\.j2:1: access to attribute '_r' of 'Rand' object is unsafe"):
        run(generator(conf), 1)
    (tmp_path / "templates" / "x.j2").write_text("{{ module.shop.sku() }}{{ module.os }}")
    with pytest.raises(TemplateError, match=r"x\.j2:1: .*'os'"):
        run(generator(conf), 1)
    (tmp_path / "templates" / "x.j2").write_text("{{ module.shop.sku() }}")
    first = run(generator(conf), 3, seed=5).events
    assert first == run(generator(conf), 3, seed=5).events and all(re.fullmatch(r"SKU-\d{4}", e) for e in first)


def test_settings_problems_are_reported_at_load(tmp_path):
    write(
        tmp_path,
        """
        [s]
        generator = jinja
        jinjaBatch = true
        jinjaMode = fsm
        jinjaTemplates = {"a": {"template": "a.j2", "initial": true}}
        """,
        {"a.j2": "A"},
    )
    with pytest.raises(ConfigErrors) as info:
        load(tmp_path / "eventgen.conf")
    assert str(info.value).endswith(
        "[s]: jinjaBatch: cannot be used with jinjaMode = fsm (transitions need one render per event)"
    )
    write(tmp_path, "[s]\ngenerator = jinja\n")
    with pytest.raises(ConfigErrors) as info:
        load(tmp_path / "eventgen.conf")
    assert str(info.value).endswith(
        "[s]: jinja_target_template: set jinja_target_template (a template file) or jinjaTemplates"
    )


def test_json_output_without_raw_is_one_line_json(tmp_path):
    conf = write(
        tmp_path,
        """
        [s]
        generator = jinja
        jinjaOutput = json
        jinjaTemplates = {"j": {"template": "j.j2"}}
        """,
        {"j.j2": '{"n": {{ locals.incr("n") }}, "msg": "a\nb"}'},
    )
    events = run(generator(conf), 2).events
    assert events == ['{"n": 1, "msg": "a\\nb"}', '{"n": 2, "msg": "a\\nb"}']
    assert json.loads(events[0]) == {"n": 1, "msg": "a\nb"}


def test_batch_mode_with_spin_puts_events_back_in_time_order(tmp_path):
    conf = write(
        tmp_path,
        """
        [s]
        generator = jinja
        jinjaBatch = true
        jinjaMode = spin
        jinjaTemplates = {"a": {"template": "a.j2"}, "b": {"template": "b.j2"}}
        """,
        {
            "a.j2": "{% for e in epochs %}\na{{ loop.index }}\n{% endfor %}",
            "b.j2": "{% for e in epochs %}\nb{{ loop.index }}\n{% endfor %}",
        },
    )
    batch = run(generator(conf), 5)
    assert batch.events == ["a1", "b1", "a2", "b2", "a3"]
    assert batch.times.tolist() == sorted(batch.times.tolist())


def test_a_table_is_a_plain_attribute_and_a_missing_one_says_what_there_is():
    rng = random.Random(1)
    users = samples_module.Table("users", ["name"], [{"name": "ann"}], rng)
    hidden = samples_module.Table("_hidden", ["name"], [{"name": "bob"}], rng)
    samples = samples_module.Samples({"users": users, "_hidden": hidden})
    assert vars(samples)["users"] is users  # found by a plain lookup, without a call of __getattr__
    assert samples.users is users and samples["users"] is users and samples["_hidden"] is hidden
    assert "_hidden" not in vars(samples) and samples._tables == {"users": users, "_hidden": hidden}
    with pytest.raises(AttributeError, match=r"^no sample 'hosts'; jinjaSamples defines: users, _hidden$"):
        _ = samples.hosts
