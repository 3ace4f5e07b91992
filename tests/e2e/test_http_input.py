"""`input = http` (Eventum's http input) through the CLI on real loopback sockets: each POST /generate makes exactly
its count of events stamped with its arrival time, /stop ends the run once they are made, bad requests get 400,
a full queue 429 and a stopping input 409; SIGTERM and --duration end an idle run cleanly; validate and preview
never open the port; thread, process and ZeroMQ mode make the same."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT, cli, free_port, write_conf
from tests.waiting import line_count, port_open, wait_for

pytestmark = pytest.mark.e2e

DEADLINE = 20.0  # seconds any wait below may take at most
CONF = """
    [ev\\.log]
    input = http
    httpInputPort = {port}
    {extra}
    timezone = utc
    outputMode = stdout
    token.0.token = TS
    token.0.replacementType = timestamp
    token.0.replacement = %Y-%m-%dT%H:%M:%S.%f
"""
TOTAL_LINE = re.compile(r"^TOTAL\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)", re.M)


def totals(summary: str) -> tuple[int, ...]:
    """(generated, sent, failed) from the summary's TOTAL row."""
    found = TOTAL_LINE.search(summary)
    assert found, summary
    return tuple(int(n.replace(",", "")) for n in found.groups())


def setup(folder: Path, port: int, extra: str = "", line: str = "ts=TS") -> Path:
    (folder / "ev.log").write_text(line + "\n", encoding="utf-8")
    return write_conf(folder, CONF.format(port=port, extra=extra))


def start(folder: Path, *args: str, stdout=None) -> subprocess.Popen:
    """`eventgen ARGS` in `folder`, in the background; stdout to out.txt (unless given), stderr to err.txt."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "eventgen", *args]
    with (folder / "out.txt").open("w") as out, (folder / "err.txt").open("w") as err:  # the child keeps its own
        return subprocess.Popen(argv, cwd=folder, stdout=out if stdout is None else stdout, stderr=err, env=env)


def wait_for_port(proc: subprocess.Popen, port: int) -> None:
    """Until the port accepts connections (the run's feeder opened it), within the deadline."""
    wait_for(lambda: port_open(port), f"something to listen on port {port}", DEADLINE, process=proc)


def post(port: int, path: str, body: str | bytes | None = None, method: str = "POST") -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
        answer = conn.getresponse()
        return answer.status, json.loads(answer.read() or b"{}")
    finally:
        conn.close()


def generate(port: int, count: int) -> tuple[float, float]:
    """POST /generate {"count": count} → 201; the wall-clock window around the request."""
    before = time.time()
    status, body = post(port, "/generate", json.dumps({"count": count}))
    after = time.time()
    assert (status, body) == (201, {"accepted": count})
    return before, after


def finish(proc: subprocess.Popen, folder: Path) -> tuple[str, str]:
    assert proc.wait(timeout=DEADLINE) == 0, (folder / "err.txt").read_text()
    return (folder / "out.txt").read_text(), (folder / "err.txt").read_text()


def stamps(lines: list[str]) -> list[float]:
    return sorted(datetime.fromisoformat(line.split("ts=", 1)[1] + "+00:00").timestamp() for line in lines)


def in_window(times: list[float], window: tuple[float, float]) -> bool:
    slack = 2e-6  # the stamp is printed to the microsecond, truncated
    return all(window[0] - slack <= t <= window[1] + slack for t in times)


MODES = {
    "thread": ("--threading", "thread"),
    "process": ("--threading", "process", "--queueing", "python"),
    "zeromq": ("--threading", "process", "--queueing", "zeromq"),
}


@pytest.mark.parametrize("mode", sorted(MODES))
def test_each_request_makes_its_count_at_its_time_and_stop_ends_the_run(tmp_path: Path, mode: str) -> None:
    port = free_port()
    setup(tmp_path, port)
    proc = start(tmp_path, "eventgen.conf", *MODES[mode], "--generators", "2", "--stats-json", "s.json")
    wait_for_port(proc, port)
    first = generate(port, 3)
    time.sleep(0.05)  # the two request windows do not touch
    second = generate(port, 5)
    status, body = post(port, "/stop")
    assert status == 200 and body["stopping"] is True and body["pending"] in (0, 1)  # the last may still wait
    out, err = finish(proc, tmp_path)
    times = stamps(out.splitlines())
    assert len(times) == 8
    assert in_window(times[:3], first) and in_window(times[3:], second), (times, first, second)
    assert len(set(times[:3])) == 1 and len(set(times[3:])) == 1  # N copies of the arrival time
    assert totals(err) == (8, 8, 0)
    total = json.loads((tmp_path / "s.json").read_text())["total"]
    assert (total["generated"], total["sent"], total["failed"]) == (8, 8, 0)
    socket.create_server(("127.0.0.1", port)).close()  # the port is free again


def test_eventum_project_listens_on_loopback_by_default(tmp_path: Path) -> None:
    port = free_port()
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.jinja").write_text("{{ timestamp.isoformat() }} {{ tags | join(',') }}\n")
    (tmp_path / "generator.yml").write_text(
        textwrap.dedent(f"""
            input:
              - http: {{port: {port}, max_pending_requests: 10, tags: [api]}}
            event:
              template:
                templates:
                  - t: {{template: templates/t.jinja}}
            output:
              - stdout: {{}}
        """).lstrip()
    )
    proc = start(tmp_path, "generator.yml")
    wait_for_port(proc, port)
    listening = [c.laddr for c in psutil.Process(proc.pid).net_connections("inet") if c.status == psutil.CONN_LISTEN]
    assert [(a.ip, a.port) for a in listening] == [("127.0.0.1", port)]
    window = generate(port, 2)
    assert post(port, "/stop")[0] == 200
    out, _ = finish(proc, tmp_path)
    lines = out.splitlines()
    assert len(lines) == 2 and {line.split()[1] for line in lines} == {"api"}
    assert in_window([datetime.fromisoformat(line.split()[0]).timestamp() for line in lines], window)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("not json", 'the body must be JSON like {"count": 10}'),
        ("", 'the body must be JSON like {"count": 10}'),
        ("[3]", 'the body must be a JSON object with "count", like {"count": 10}'),
        ('{"n": 3}', 'the body must be a JSON object with "count", like {"count": 10}'),
        ('{"count": 0}', "count must be a whole number of 1 or more, got 0"),
        ('{"count": -2}', "count must be a whole number of 1 or more, got -2"),
        ('{"count": 1.5}', "count must be a whole number of 1 or more, got 1.5"),
        ('{"count": "3"}', 'count must be a whole number of 1 or more, got "3"'),
        ('{"count": true}', "count must be a whole number of 1 or more, got true"),
    ],
)
def test_bad_bodies_are_400_and_make_nothing(tmp_path: Path, body: str, error: str) -> None:
    port = free_port()
    setup(tmp_path, port)
    proc = start(tmp_path, "eventgen.conf")
    wait_for_port(proc, port)
    assert post(port, "/generate", body) == (400, {"error": error})
    assert post(port, "/elsewhere")[0] == 404
    assert post(port, "/generate", method="GET")[0] == 405
    assert post(port, "/stop")[0] == 200
    out, err = finish(proc, tmp_path)
    assert out == ""
    assert totals(err) == (0, 0, 0)


def test_full_queue_is_429_and_stopping_is_409(tmp_path: Path) -> None:
    """The test does not read the run's stdout: once the pipe is full the run blocks, the one request it may hold
    waits, and the next is refused. Reading it then lets everything accepted be made."""
    port = free_port()
    setup(tmp_path, port, "httpInputMaxPending = 1", line="ts=TS " + "x" * 1000)
    proc = start(tmp_path, "eventgen.conf", "--generators", "1", stdout=subprocess.PIPE)
    wait_for_port(proc, port)
    accepted = refused = 0
    deadline = time.monotonic() + DEADLINE
    while refused < 2:  # two 429s in a row, a pause apart: the run is stuck on the pipe, not just busy a moment
        status, body = post(port, "/generate", '{"count": 500}')
        if status == 429:
            assert body == {"error": "1 request(s) already wait: try again later"}
            refused += 1
            time.sleep(0.5)
        else:
            assert (status, body) == (201, {"accepted": 500})
            accepted, refused = accepted + 1, 0
        assert time.monotonic() < deadline, "the run never filled up"
    assert post(port, "/stop") == (200, {"stopping": True, "pending": 1})
    assert post(port, "/generate", '{"count": 1}') == (409, {"error": "stopping: no new requests are taken"})
    out, _ = proc.communicate(timeout=DEADLINE)
    assert proc.returncode == 0
    assert len(out.splitlines()) == 500 * accepted
    err = (tmp_path / "err.txt").read_text()
    assert totals(err) == (500 * accepted, 500 * accepted, 0)


@pytest.mark.parametrize("how", ["sigterm", "duration"])
def test_an_idle_run_ends_cleanly_on_sigterm_or_duration(tmp_path: Path, how: str) -> None:
    port = free_port()
    setup(tmp_path, port)
    proc = start(tmp_path, "eventgen.conf", *(["--duration", "2"] if how == "duration" else []))
    wait_for_port(proc, port)
    generate(port, 4)
    if how == "sigterm":
        wait_for(lambda: line_count(tmp_path / "out.txt") >= 4, "4 events", DEADLINE)
        proc.send_signal(signal.SIGTERM)
    out, err = finish(proc, tmp_path)
    assert len(out.splitlines()) == 4
    assert totals(err) == (4, 4, 0)
    socket.create_server(("127.0.0.1", port)).close()


def test_the_port_closes_when_the_input_ends_while_the_run_goes_on(tmp_path: Path) -> None:
    port = free_port()
    setup(tmp_path, port)
    (tmp_path / "tick.log").write_text("tick\n")
    with (tmp_path / "eventgen.conf").open("a") as conf:
        conf.write("\n[tick\\.log]\ninput = timer\ninterval = 1\ncount = 1\ntimerRepeat = 4\noutputMode = devnull\n")
    proc = start(tmp_path, "eventgen.conf")
    wait_for_port(proc, port)
    generate(port, 1)
    assert post(port, "/stop")[0] == 200
    wait_for(lambda: not port_open(port), "the port to close after /stop", DEADLINE)
    assert proc.poll() is None  # the timer sample still runs
    out, err = finish(proc, tmp_path)
    assert len(out.splitlines()) == 1
    assert totals(err) == (5, 5, 0)


def test_port_zero_picks_a_free_port_and_logs_it(tmp_path: Path) -> None:
    setup(tmp_path, 0)
    proc = start(tmp_path, "eventgen.conf")
    listening = re.compile(r"listening on http://127\.0\.0\.1:(\d+) ")
    found = wait_for(lambda: listening.search((tmp_path / "err.txt").read_text()), "the port", DEADLINE, process=proc)
    port = int(found.group(1))
    generate(port, 2)
    assert post(port, "/stop")[0] == 200
    out, _ = finish(proc, tmp_path)
    assert len(out.splitlines()) == 2


def test_validate_and_preview_do_not_open_the_port(tmp_path: Path) -> None:
    port = free_port()
    setup(tmp_path, port)
    with socket.create_server(("127.0.0.1", port)):  # the port is taken: a command that opened it would fail
        started = time.monotonic()
        result = cli("validate", "eventgen.conf", cwd=tmp_path, timeout=DEADLINE)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[-1] == "eventgen.conf: OK, 1 sample(s), 0 warning(s)"
        result = cli("preview", "eventgen.conf", cwd=tmp_path, timeout=DEADLINE)
        assert (result.returncode, result.stderr) == (0, "")
        assert result.stdout == (
            "== ev.log (default, no events: input = http takes the event times from requests during a run) ==\n"
        )
        assert time.monotonic() - started < DEADLINE / 2
        result = cli("eventgen.conf", cwd=tmp_path, timeout=DEADLINE)  # a run does open it: here it cannot
        assert result.returncode == 1
        assert f"httpInputPort: input = http cannot listen on 127.0.0.1:{port}: " in result.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "httpInputPort: input = http needs httpInputPort = 1-65535 (0: any free port, logged)"),
        ("httpInputPort = 70000", "httpInputPort"),
        ("httpInputPort = 8080\nhttpInputMaxPending = 0", "httpInputMaxPending"),
    ],
    ids=["no-port", "bad-port", "bad-max-pending"],
)
def test_bad_settings_are_one_line_exit_2(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "ev.log").write_text("x\n")
    write_conf(tmp_path, f"[ev\\.log]\ninput = http\n{text}\n")
    result = cli("validate", "eventgen.conf", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("eventgen: error: ")
    assert message in result.stderr and "ev\\.log" in result.stderr, result.stderr


def test_eventum_mapping_keeps_loopback_unless_a_host_is_given(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.jinja").write_text("x\n")
    project = tmp_path / "generator.yml"
    body = "input:\n  - http: {{{}}}\nevent:\n  template:\n    templates:\n      - t: {{template: templates/t.jinja}}\n"
    for params, expected in [
        ("port: 8080", {"input = http", "httpInputPort = 8080"}),
        ("port: 8080, host: 0.0.0.0, max_pending_requests: 5", {"httpInputHost = 0.0.0.0", "httpInputMaxPending = 5"}),
    ]:
        project.write_text(body.format(params) + "output:\n  - stdout: {}\n")
        result = cli("convert", str(project))
        assert result.returncode == 0, result.stderr
        lines = set(result.stdout.splitlines())
        assert expected <= lines
        assert ("host" in params) == any(line.startswith("httpInputHost") for line in lines)
    for params, message in [
        ("host: h", "input[0].http.port"),
        ("port: 99999", "input[0].http.port: must be 1-65535 (or 0: any free port), got 99999"),
        ("port: 1, max_pending_requests: 0", "input[0].http.max_pending_requests: must be 1 or more"),
        ("port: 1, start: now", "input[0].http.start: unknown parameter"),
    ]:
        project.write_text(body.format(params) + "output:\n  - stdout: {}\n")
        result = cli("validate", str(project))
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
        assert message in result.stderr, result.stderr
