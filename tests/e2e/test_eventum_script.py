"""Eventum's `script` event plugin (`generator = script`) through the CLI: one event or a list per timestamp, tags,
state in module globals, the one-line errors, thread/process/ZeroMQ/cluster modes, convert, and a plain conf."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT, cli, free_port, write_conf
from tests.e2e.test_eventum_projects import START, project, run

pytestmark = pytest.mark.e2e

ECHO = """
def produce(params):
    return f"{params['timestamp'].isoformat()} {','.join(params['tags'])}"
"""
PAIR = """
def produce(params):
    stamp = params["timestamp"].isoformat()
    return [f"{stamp} open", f"{stamp} close"]
"""
COUNTER = """
calls = 0


def produce(params):
    global calls
    calls += 1
    return f"n={calls}"
"""


def script_project(folder: Path, input_yml: str, script: str, path: str = "produce.py") -> Path:
    yml = f"""
input:
  - {input_yml}
event:
  script: {{path: {path}}}
output:
  - stdout: {{}}
"""
    return project(folder, yml, {"produce.py": script})


def test_a_string_per_timestamp_with_the_inputs_tags(tmp_path: Path) -> None:
    path = script_project(
        tmp_path, 'timestamps: {source: ["2024-01-01T00:00:05Z", "2024-01-01T00:00:06.5Z"], tags: [web, eu]}', ECHO
    )
    assert run(path) == ["2024-01-01T00:00:05+00:00 web,eu", "2024-01-01T00:00:06.500000+00:00 web,eu"]


def test_a_list_gives_several_events_at_one_timestamp(tmp_path: Path) -> None:
    path = script_project(tmp_path, f'linspace: {{start: "{START}", end: "+1m", count: 4, endpoint: false}}', PAIR)
    expected = []
    for second in ("00", "15", "30", "45"):
        expected += [f"2024-01-01T00:00:{second}+00:00 open", f"2024-01-01T00:00:{second}+00:00 close"]
    assert run(path) == expected


def test_the_timestamp_is_aware_in_the_samples_zone_and_empty_results_make_no_event(tmp_path: Path) -> None:
    script = """
    def produce(params):
        stamp = params["timestamp"]
        if stamp.second == 1:
            return []
        if stamp.second == 2:
            return ""
        return [f"{stamp.isoformat()} {stamp.tzname()} {type(params['tags']).__name__}", ""]
    """
    path = script_project(tmp_path, f'linspace: {{start: "{START}", end: "+3s", count: 4}}', textwrap.dedent(script))
    assert run(path) == ["2024-01-01T00:00:00+00:00 UTC tuple", "2024-01-01T00:00:03+00:00 UTC tuple"]


def test_module_globals_keep_state_across_calls_and_jobs(tmp_path: Path) -> None:
    path = script_project(tmp_path, f'timer: {{start: "{START}", seconds: 60, count: 3, repeat: 5}}', COUNTER)
    assert run(path, "--generators", "3") == [f"n={i}" for i in range(1, 16)]


def test_several_inputs_share_one_module_and_keep_their_own_tags(tmp_path: Path) -> None:
    script = """
    calls = 0


    def produce(params):
        global calls
        calls += 1
        return f"{params['timestamp'].isoformat()} {','.join(params['tags'])} n={calls}"
    """
    yml = f"""
input:
  - timestamps: {{source: ["{START}"], tags: [a]}}
  - linspace: {{start: "{START}", end: "+1m", count: 2, tags: [b, c]}}
event:
  script: {{path: produce.py}}
output:
  - stdout: {{}}
"""
    path = project(tmp_path, yml, {"produce.py": script})
    lines = run(path)
    assert lines == [  # one sample: the inputs' times merged in order, one module counting through them
        "2024-01-01T00:00:00+00:00 a n=1",
        "2024-01-01T00:00:00+00:00 b,c n=2",
        "2024-01-01T00:01:00+00:00 b,c n=3",
    ]
    result = cli("validate", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"{path}: OK, 1 sample(s), 0 warning(s)"


def test_thread_process_and_zeromq_modes_give_the_same_events(tmp_path: Path) -> None:
    path = script_project(tmp_path, f'linspace: {{start: "{START}", end: "+1h", count: 2000}}', PAIR)
    threads = run(path, "--threading", "thread", "--generators", "2")
    processes = run(path, "--threading", "process", "--generators", "2")
    zeromq = run(path, "--threading", "process", "--queueing", "zeromq", "--generators", "2")
    assert len(threads) == 4000
    assert threads == processes == zeromq  # one stateful module renders every job, in order
    counted = script_project(tmp_path, f'linspace: {{start: "{START}", end: "+1h", count: 500}}', COUNTER)
    assert run(counted, "--threading", "process", "--generators", "2") == [f"n={i}" for i in range(1, 501)]


SCRIPT_ERRORS = [
    ("def produce(params)\n    return 'x'\n", "produce.py:1: syntax error: expected ':'"),
    ("x = 1\n", "produce.py: defines no produce(params) function"),
    ("produce = 3\n", "produce.py: defines no produce(params) function"),
    ("import no_such_module_here\n", "produce.py:1: ModuleNotFoundError: No module named 'no_such_module_here'"),
]


@pytest.mark.parametrize(("script", "message"), SCRIPT_ERRORS, ids=["syntax", "no-produce", "not-callable", "import"])
def test_a_script_that_does_not_load_is_one_line_exit_2(tmp_path: Path, script: str, message: str) -> None:
    path = script_project(tmp_path, f'timer: {{start: "{START}", seconds: 1, count: 2, repeat: 1}}', script)
    for command in (["validate"], []):
        result = cli(*command, str(path))
        assert result.returncode == 2
        assert result.stdout == ""
        assert result.stderr == (
            f"eventgen: error: {path}: [{tmp_path.name}]: scriptFile: script {tmp_path / message}\n"
        )


def test_a_missing_script_is_named_by_its_key_path(tmp_path: Path) -> None:
    path = script_project(tmp_path, f'timer: {{start: "{START}", seconds: 1, count: 2}}', ECHO, path="gone.py")
    for command in (["validate"], ["convert"], []):
        result = cli(*command, str(path))
        assert result.returncode == 2
        assert result.stderr == (
            f"eventgen: error: {path}: event.script.path: gone.py: no such file "
            f"(relative paths are read from {tmp_path})\n"
        )


RUN_ERRORS = [
    (
        "def helper(n):\n    return 1 / n\n\n\ndef produce(params):\n    return str(helper(0))\n",
        "produce.py:2: ZeroDivisionError: division by zero",
    ),
    ("def produce(params):\n    return 5\n", "produce.py:1: produce returned int; expected a str or a list of str"),
    (
        "# the def is on line 2\ndef produce(params):\n    return ['a', None]\n",
        "produce.py:2: produce returned a list whose item 1 is NoneType; expected a str or a list of str",
    ),
    ("import sys\n\n\ndef produce(params):\n    sys.exit(3)\n", "produce.py:5: SystemExit: 3"),
]


@pytest.mark.parametrize(("script", "message"), RUN_ERRORS, ids=["raises", "returns-int", "list-item", "exit"])
def test_a_failing_produce_is_one_line_naming_file_and_line(tmp_path: Path, script: str, message: str) -> None:
    path = script_project(tmp_path, f'timer: {{start: "{START}", seconds: 60, count: 2, repeat: 3}}', script)
    stats = tmp_path / "stats.json"
    result = cli(str(path), "--sample-mode", "--status-interval", "0", "--stats-json", str(stats))
    assert result.returncode == 1
    assert result.stdout == ""
    line = f"sample {tmp_path.name}: generator failed: script {tmp_path / message}"
    assert result.stderr.count(line) == 2  # logged once as it happens, once in the summary
    assert f"eventgen: ERROR: {line}\n" in result.stderr
    assert "jobs: 3 failed, 6 failed events" in result.stderr
    assert "Traceback" not in result.stderr
    summary = json.loads(stats.read_text())
    total = summary["total"]  # a failed job's events are asked for (generated) and failed at its output
    assert (total["generated"], total["sent"], total["failed"]) == (6, 0, 6)
    assert (summary["jobs"]["failed"], summary["jobs"]["failed_events"]) == (3, 6)
    assert summary["notes"] == [line]


def test_convert_prints_the_conf_and_it_runs_the_same(tmp_path: Path) -> None:
    path = script_project(tmp_path, f'timer: {{start: "{START}", seconds: 60, count: 1, repeat: 2, tags: [x]}}', ECHO)
    result = cli("convert", str(path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert {"generator = script", f"scriptFile = {tmp_path / 'produce.py'}", 'scriptTags = ["x"]'} <= set(lines)
    conf = tmp_path / "converted.conf"
    conf.write_text(result.stdout, encoding="utf-8")
    converted = cli(str(conf), "--no-wait", "--status-interval", "0")
    assert converted.returncode == 0, converted.stderr
    assert converted.stdout.splitlines() == run(path) == ["2024-01-01T00:00:00+00:00 x", "2024-01-01T00:01:00+00:00 x"]


CONF = """
    [gen]
    generator = script
    scriptFile = scripts/produce.py
    scriptTags = ["conf"]
    count = 3
    end = 2
    interval = 60
    backfill = 2024-01-01T00:00:00Z
    earliest = -60s
    sequentialTimestamp = true
    timeMode = sample
    timezone = +0100
    host = web01
    {extra}
"""


def conf_project(folder: Path, script: str, extra: str = "") -> Path:
    (folder / "scripts").mkdir(exist_ok=True)
    (folder / "scripts" / "produce.py").write_text(textwrap.dedent(script).lstrip(), encoding="utf-8")
    return write_conf(folder, CONF.format(extra=extra))


def test_an_eventgen_conf_with_generator_script(tmp_path: Path) -> None:
    conf = conf_project(tmp_path, ECHO, "outputMode = stdout\noutputFormat = json")
    result = cli(str(conf), "--status-interval", "0")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["_raw"] for e in events] == [
        f"2024-01-01T0{h}:{m}:{s}+01:00 conf" for h, m in (("0", "59"), ("1", "00")) for s in ("00", "20", "40")
    ]
    assert {e["host"] for e in events} == {"web01"}
    shown = cli("preview", str(conf), "-n", "1")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == "== gen (script, 1 events) ==\n2024-01-01T00:59:00+01:00 conf\n"
    conf.write_text(conf.read_text().replace("scripts/produce.py", "scripts/none.py"))
    result = cli("validate", str(conf))
    assert result.returncode == 2
    assert result.stderr.startswith(f"eventgen: error: {conf}: [gen]: scriptFile: file 'scripts/none.py' not found; ")


def test_state_continues_across_jobs_with_several_thread_workers(tmp_path: Path) -> None:
    conf = conf_project(tmp_path, COUNTER, "jobSize = 2\noutputMode = stdout")
    result = cli(str(conf), "-c", "50", "-e", "20", "--generators", "3", "--status-interval", "0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"n={i}" for i in range(1, 1001)]
    stateless = conf_project(tmp_path, PAIR, "jobSize = 2\noutputMode = stdout\nscriptStateful = false")
    result = cli(str(stateless), "-c", "50", "-e", "20", "--generators", "3", "--status-interval", "0")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2000


def test_a_cluster_worker_loads_the_script_shipped_in_the_bundle(tmp_path: Path) -> None:
    from tests.integration.cluster import finish, spawn

    conf = conf_project(tmp_path, COUNTER, f"outputMode = file\nfileName = {tmp_path}/out.log\nfileMaxBytes = 0")
    address = f"tcp://127.0.0.1:{free_port()}"
    stats = tmp_path / "summary.json"
    controller = spawn(
        "controller", str(conf), "--bind", address, "--expect-workers", "1", "--status-interval", "0",
        "--stats-json", str(stats), log=tmp_path / "controller.log",
    )  # fmt: skip
    worker = spawn("worker", "--connect", address, "--name", "w1", log=tmp_path / "worker.log")
    assert finish(controller) == 0, (tmp_path / "controller.log").read_text()
    assert finish(worker) == 0, (tmp_path / "worker.log").read_text()
    assert (tmp_path / "out.log").read_text().splitlines() == [f"n={i}" for i in range(1, 7)]
    assert json.loads(stats.read_text())["total"]["sent"] == 6


def test_the_scripts_page_shows_the_bundled_script() -> None:
    bundled = (ROOT / "samples" / "eventum" / "script" / "produce.py").read_text(encoding="utf-8")
    page = (ROOT / "docs" / "scripts.md").read_text(encoding="utf-8")
    shown = page.split("```python\n", 1)[1].split("```\n", 1)[0]
    assert bundled.split("\n", 1)[1] == shown  # the page leaves out the file's first line, its name


def test_params_globals_is_the_globals_templates_see(tmp_path):
    """`params["globals"]` is the process's globals object (Eventum gives scripts the same state templates use)."""
    script = """
def produce(params):
    g = params["globals"]
    n = g.incr("calls")
    return f"{n} {type(g).__name__} {sorted(g.as_dict())}"
"""
    yml = f"""
input:
  - linspace: {{start: "{START}", end: "+1m", count: 3}}
event:
  script: {{path: produce.py}}
output:
  - stdout: {{}}
"""
    path = project(tmp_path, yml, {"produce.py": script})
    assert run(path) == ["1 LockedState ['calls']", "2 LockedState ['calls']", "3 LockedState ['calls']"]
