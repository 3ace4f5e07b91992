"""Jinja generator: state (locals, shared, globals), picking modes and fsm sequences."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from tests.unit.jinja_helpers import generator, plugin_module, run, write

state_module = plugin_module("state")
GLOBALS, LockedState, State = state_module.GLOBALS, state_module.LockedState, state_module.State


def test_state_api():
    state = State()
    assert state.set("a", 1) == ""
    state.update({"b": 2}, c=3)
    assert state.get("a") == 1 and state["b"] == 2 and state.get("zz", 9) == 9
    assert state.pop("c") == 3 and "c" not in state
    assert state.incr("n") == 1 and state.incr("n", 5) == 6
    assert state.as_dict() == {"a": 1, "b": 2, "n": 6}
    state.clear()
    assert len(state) == 0
    locked = LockedState()
    locked.acquire()
    locked.set("x", 1)
    locked.release()
    assert locked.incr("x") == 2


def test_locals_counter_continues_across_jobs(tmp_path):
    conf = write(
        tmp_path,
        """
        [s]
        generator = jinja
        jinjaTemplates = {"count": {"template": "count.j2"}}
        """,
        {"count.j2": "n={{ locals.incr('n') }}\n"},
    )
    gen = generator(conf)
    first = run(gen, 4, seq=0)
    second = run(gen, 3, seq=1, offset=4)
    assert first.events + second.events == [f"n={i}" for i in range(1, 8)]


def test_shared_state_between_two_templates(tmp_path):
    conf = write(
        tmp_path,
        """
        [s]
        generator = jinja
        jinjaMode = spin
        jinjaTemplates = {"writer": {"template": "w.j2"}, "reader": {"template": "r.j2"}}
        """,
        {
            "w.j2": "{% do shared.set('token', 'tok' ~ shared.incr('writes')) %}wrote {{ shared.get('token') }}",
            "r.j2": "read {{ shared.get('token') }} locals={{ locals.as_dict() }}",
        },
    )
    batch = run(generator(conf), 6)
    assert batch.events == [
        "wrote tok1",
        "read tok1 locals={}",
        "wrote tok2",
        "read tok2 locals={}",
        "wrote tok3",
        "read tok3 locals={}",
    ]


def test_globals_shared_between_samples_of_one_process(tmp_path):
    GLOBALS.clear()
    conf = write(
        tmp_path,
        """
        [a]
        generator = jinja
        jinjaTemplates = {"g": {"template": "g.j2"}}
        """,
        {"g.j2": "{{ globals.incr('hits') }}"},
    )
    first, second = generator(conf), generator(conf)
    assert run(first, 2).events == ["1", "2"]
    assert run(second, 2).events == ["3", "4"]
    GLOBALS.clear()


def test_modes_spin_chain_all(tmp_path):
    templates = {"a.j2": "A", "b.j2": "B", "c.j2": "C"}
    specs = '{"a": {"template": "a.j2"}, "b": {"template": "b.j2"}, "c": {"template": "c.j2"}}'
    conf = write(
        tmp_path,
        f"""
        [s]
        generator = jinja
        jinjaTemplates = {specs}
        jinjaMode = chain
        jinjaChain = a, a, c
        """,
        templates,
    )
    gen = generator(conf)
    assert run(gen, 4).events == ["A", "A", "C", "A"]
    assert run(gen, 2, seq=1).events == ["A", "C"]  # the chain position survives the job
    (tmp_path / "eventgen.conf").write_text(f"[s]\ngenerator = jinja\njinjaTemplates = {specs}\njinjaMode = all\n")
    batch = run(generator(tmp_path / "eventgen.conf"), 2)
    assert batch.events == ["A", "B", "C", "A", "B", "C"]
    assert batch.times[0] == batch.times[2] and batch.times[3] == batch.times[5]


def test_chance_mode_follows_weights(tmp_path):
    conf = write(
        tmp_path,
        """
        [s]
        generator = jinja
        jinjaMode = chance
        jinjaTemplates = {"rare": {"template": "a.j2", "chance": 1}, "common": {"template": "b.j2", "chance": 9}}
        """,
        {"a.j2": "rare", "b.j2": "common"},
    )
    events = run(generator(conf), 10_000).events
    # binomial(10000, 0.1): sd = 30, so ±150 is a 5-sigma bound
    assert abs(events.count("rare") - 1000) < 150
    assert events.count("rare") + events.count("common") == 10_000


FSM = """
    [s]
    generator = jinja
    jinjaMode = fsm
    jinjaSamples = {"users": {"type": "items", "source": ["alice", "bob", "carol", "dave"]}}
    jinjaTemplates = {
        "login": {"template": "login.j2", "initial": true, "transitions": [{"to": "action", "when": {"always": true}}]},
        "action": {"template": "action.j2", "transitions": [{"to": "logout", "when": {"le": {"shared.left": 0}}}]},
        "logout": {"template": "logout.j2", "transitions": [{"to": "login", "when": "true"}]}}
    """
FSM_TEMPLATES = {
    "login.j2": """
        {% set user = samples.users.pick() %}
        {% do shared.update(user=user, left=rand.integer(1, 4)) %}
        login user={{ user }} actions={{ shared.get('left') }}
        """,
    "action.j2": "{% do shared.incr('left', -1) %}action user={{ shared.get('user') }}",
    "logout.j2": "logout user={{ shared.pop('user') }}",
}


def test_fsm_sequences_respect_transitions(tmp_path):
    conf = write(tmp_path, FSM, FSM_TEMPLATES)
    gen = generator(conf)
    events = run(gen, 500).events + run(gen, 500, seq=1, offset=500).events
    assert len(events) == 1000
    per_user: dict[str, list[str]] = defaultdict(list)
    session = None
    for event in events:
        kind, user = re.match(r"(\w+) user=(\w+)", event).groups()
        per_user[user].append(kind)
        if kind == "login":
            assert session is None, "login inside an open session"
            session = [user, int(event.rsplit("=", 1)[1]), 0]
        else:
            assert session is not None and session[0] == user, f"{event} outside its session"
            if kind == "action":
                session[2] += 1
            else:
                assert session[2] == session[1], "logout after a different number of actions than announced"
                session = None
    assert set(per_user) == {"alice", "bob", "carol", "dave"}
    for user, kinds in per_user.items():
        assert re.fullmatch(r"(login (action )+logout )*(login (action )*)?", " ".join(kinds) + " "), user


def test_fsm_structured_and_time_conditions(tmp_path):
    conf = write(
        tmp_path,
        """
        [s]
        generator = jinja
        jinjaMode = fsm
        jinjaTemplates = {
          "a": {"template": "a.j2", "initial": true, "transitions": [
             {"to": "b", "when": {"and": [{"ge": {"locals.n": 2}}, {"after": {"year": 2000}}]}}]},
          "b": {"template": "b.j2", "transitions": [
             {"to": "a", "when": {"or": [{"matches": {"shared.last": "^b3$"}}, {"before": {"year": 1990}}]}}]}}
        """,
        {
            "a.j2": "a{{ locals.incr('n') }}",
            "b.j2": "{% do shared.set('last', 'b' ~ locals.incr('n')) %}{{ shared.get('last') }}",
        },
    )
    gen = generator(conf)
    assert run(gen, 7).events == ["a1", "a2", "b1", "b2", "b3", "a3", "b4"]
    assert gen.preview_state()["state"] == "b"


def test_fsm_needs_exactly_one_initial(tmp_path):
    from eventgen.core.errors import ConfigErrors
    from eventgen.resolve.loader import load

    write(
        tmp_path,
        """
        [s]
        generator = jinja
        jinjaMode = fsm
        jinjaTemplates = {"a": {"template": "a.j2"}}
        """,
        {"a.j2": "A"},
    )
    with pytest.raises(ConfigErrors) as info:
        load(tmp_path / "eventgen.conf")
    assert str(info.value).endswith(
        '[s]: jinjaTemplates: jinjaMode = fsm needs exactly one template with "initial": true, found 0'
    )
