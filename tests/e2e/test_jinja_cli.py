"""`generator = jinja` through the CLI: state across intervals, seeds, errors, subprocess, preview."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, cli, write_conf

pytestmark = pytest.mark.e2e

BACKFILL = "2024-01-01T00:00:00+00:00"


def templates(folder: Path, **files: str) -> None:
    (folder / "templates").mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / "templates" / name.replace("_j2", ".j2")).write_text(text, encoding="utf-8")


def lines_of(result: subprocess.CompletedProcess) -> list[str]:
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_locals_counter_continues_across_intervals(tmp_path: Path) -> None:
    templates(tmp_path, count_j2="n={{ locals.incr('n') }} interval={{ eventgen_interval }}\n")
    conf = write_conf(
        tmp_path,
        f"""
        [counter]
        generator = jinja
        jinjaTemplates = {{"c": {{"template": "count.j2"}}}}
        count = 4
        interval = 10
        backfill = {BACKFILL}
        end = 3
        timeMode = sample
    """,
    )
    out = lines_of(cli(str(conf), "--status-interval", "0"))
    assert out == [f"n={i + 1} interval={i // 4}" for i in range(12)]


def test_seed_gives_byte_identical_output(tmp_path: Path) -> None:
    templates(
        tmp_path,
        e_j2=(
            '{"t": "{{ timestamp.isoformat() }}", "id": "{{ rand.crypto.uuid4() }}", '
            '"ip": "{{ rand.network.ip_v6() }}", "who": "{{ samples.users.pick() }}", '
            '"lvl": "{{ ["INFO", "WARN"] | random }}", "n": {{ locals.incr("n") }}}\n'
        ),
    )
    conf = write_conf(
        tmp_path,
        f"""
        [seeded]
        generator = jinja
        jinjaOutput = json
        jinjaTemplates = {{"e": {{"template": "e.j2"}}}}
        jinjaSamples = {{"users": {{"type": "items", "source": ["ann", "ben", "cid"]}}}}
        count = 50
        interval = 60
        earliest = -60s
        backfill = {BACKFILL}
        end = 4
        timeMode = sample
        timezone = +0000
    """,
    )
    first = cli(str(conf), "--seed", "42", "--status-interval", "0")
    second = cli(str(conf), "--seed", "42", "--status-interval", "0")
    other = cli(str(conf), "--seed", "43", "--status-interval", "0")
    assert first.returncode == second.returncode == other.returncode == 0, first.stderr
    assert len(first.stdout.splitlines()) == 200
    assert first.stdout == second.stdout
    assert first.stdout != other.stdout
    assert [json.loads(line)["n"] for line in first.stdout.splitlines()] == list(range(1, 201))


def test_subprocess_refused_without_opt_in_and_works_with_it(tmp_path: Path) -> None:
    templates(tmp_path, cmd_j2="date={{ subprocess.run('echo 2024-05-06').stdout | trim }}\n")
    text = """
        [cmd]
        generator = jinja
        jinjaTemplates = {"c": {"template": "cmd.j2"}}
        count = 2
        end = 1
    """
    conf = write_conf(tmp_path, text)
    refused = cli(str(conf), "--status-interval", "0")
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert (
        f"sample cmd: generator failed: template {tmp_path / 'templates' / 'cmd.j2'}:1: subprocess.run is "
        "disabled: set jinjaAllowSubprocess = true in [cmd] to let templates run commands"
    ) in refused.stderr
    conf = write_conf(tmp_path, text + "jinjaAllowSubprocess = true\n")
    assert lines_of(cli(str(conf), "--status-interval", "0")) == ["date=2024-05-06", "date=2024-05-06"]


def test_template_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    templates(tmp_path, broken_j2="ok line\n{{ rand.integer(1, 2) }\n")
    conf = write_conf(
        tmp_path,
        """
        [broken]
        generator = jinja
        jinjaTemplates = {"b": {"template": "broken.j2"}}
    """,
    )
    for command in (["validate", str(conf)], [str(conf)]):
        result = cli(*command)
        assert result.returncode == 2
        assert result.stderr.strip() == (
            f"eventgen: error: {conf}: [broken]: jinjaTemplates: template {tmp_path / 'templates' / 'broken.j2'}:2: "
            "syntax error: unexpected '}'"
        )


def test_preview_shows_state_after_each_render(tmp_path: Path) -> None:
    templates(tmp_path, a_j2="A{{ shared.incr('total') }}", b_j2="B{{ locals.incr('mine') }}")
    conf = write_conf(
        tmp_path,
        """
        [pv]
        generator = jinja
        jinjaMode = spin
        jinjaTemplates = {"a": {"template": "a.j2"}, "b": {"template": "b.j2"}}
        count = 3
    """,
    )
    out = lines_of(cli("preview", str(conf), "-n", "3", "--state", "--seed", "1"))
    assert out[0] == "== pv (jinja, 3 events) =="
    assert out[1:] == [
        "A1",
        '   state after event 1: {"template": "a", "locals": {"a": {}, "b": {}}, "shared": {"total": 1}, '
        '"globals": {}, "position": 1}',
        "B1",
        '   state after event 2: {"template": "b", "locals": {"a": {}, "b": {"mine": 1}}, "shared": {"total": 1}, '
        '"globals": {}, "position": 0}',
        "A2",
        '   state after event 3: {"template": "a", "locals": {"a": {}, "b": {"mine": 1}}, "shared": {"total": 2}, '
        '"globals": {}, "position": 1}',
    ]


def test_bundled_webshop_sample_runs_sessions_in_order(tmp_path: Path) -> None:
    conf = ROOT / "samples" / "jinja_webshop.conf"
    assert cli("validate", str(conf)).returncode == 0
    events = [json.loads(line) for line in lines_of(cli(str(conf), "--seed", "9", "--status-interval", "0"))]
    assert len(events) == 60
    sessions: dict[str, list[str]] = {}
    for event in events:
        sessions.setdefault(event["session"], []).append(event["action"])
    for session, actions in sessions.items():
        flow = " ".join(actions)
        assert re.fullmatch(r"login( (view|add_to_cart))+( checkout)?( logout)?", flow), (session, flow)
        if "checkout" in actions:
            assert "add_to_cart" in actions
