"""The realistic template workloads (benchmarks/templates/) keep working as the engine changes.

Each project runs through the CLI as a user runs it (`eventgen <project>/generator.yml --sample-mode`) and must
make valid JSON events of 1,000-2,048 bytes with its fields, its state counters counting and its conditional
values consistent. Speed is measured by benchmarks/templates_bench.py, not here.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest

from tests.conftest import ROOT, cli

PROJECTS = ROOT / "benchmarks" / "templates"
EVENTS = 300
MIN_BYTES, MAX_BYTES = 1000, 2048  # benchmarks/templates_bench.py's bounds, the newline included
START, END = datetime(2024, 5, 6, 8, tzinfo=UTC), datetime(2024, 5, 6, 9, tzinfo=UTC)  # every project's linspace

FIELDS = {
    "nginx_access": (
        "message",
        "http.request.method",
        "http.response.status_code",
        "http.response.body.bytes",
        "url.path",
        "source.ip",
        "source.geo.country_iso_code",
        "user_agent.original",
        "nginx.access.upstream.address",
    ),
    "windows_security": ("event.code", "winlog.record_id", "winlog.computer_name", "host.hostname", "user.name"),
    "firewall": (
        "message",
        "observer.serial_number",
        "source.ip",
        "destination.ip",
        "destination.port",
        "network.transport",
        "rule.name",
        "fortinet.firewall.sessionid",
    ),
    "dns": ("dns.question.name", "dns.question.type", "dns.response_code", "dns.answers", "source.ip", "server.ip"),
    "cloudtrail": ("eventTime", "eventSource", "eventName", "awsRegion", "userIdentity.arn", "sourceIPAddress"),
    "linux_auth": ("message", "event.action", "event.outcome", "user.name", "host.hostname", "log.syslog.appname"),
}


def field(event: dict, dotted: str):
    value = event
    for part in dotted.split("."):
        value = value[part]
    return value


def events_of(project: str) -> list[dict]:
    """EVENTS events of the project, made by the CLI; each line checked for size and JSON."""
    done = cli(str(PROJECTS / project / "generator.yml"), "--sample-mode", "-c", str(EVENTS), "--seed", "1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == EVENTS
    sizes = [len(line.encode()) + 1 for line in lines]
    assert min(sizes) >= MIN_BYTES and max(sizes) <= MAX_BYTES, (project, min(sizes), max(sizes))
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module", params=sorted(FIELDS))
def made(request) -> tuple[str, list[dict]]:
    return request.param, events_of(request.param)


def test_every_project_is_benchmarked() -> None:
    assert sorted(p.name for p in PROJECTS.iterdir() if (p / "generator.yml").is_file()) == sorted(FIELDS)


def test_events_have_the_fields_and_times(made) -> None:
    project, events = made
    stamps = [datetime.fromisoformat(e["@timestamp"]) for e in events]
    assert stamps == sorted(stamps) and stamps[0] >= START and stamps[-1] < END
    for event in events:
        for name in FIELDS[project]:
            assert field(event, name) not in (None, ""), (project, name, event)


def check_nginx_access(events: list[dict]) -> None:
    for e in events:
        status, body = e["http"]["response"]["status_code"], e["http"]["response"]["body"]["bytes"]
        assert (body == 0) == (status in (204, 304)), e
        assert e["event"]["outcome"] == ("success" if status < 400 else "failure")
        assert f'"{e["http"]["request"]["method"]} {e["url"]["original"]} HTTP/' in e["message"]
        assert e["url"]["original"].startswith(e["url"]["path"])
    assert {e["http"]["request"]["method"] for e in events} >= {"GET", "POST"}


def check_windows_security(events: list[dict]) -> None:
    records = [e["winlog"]["record_id"] for e in events]
    assert records == list(range(records[0], records[0] + len(events)))  # one `shared` counter for all templates
    assert {e["event"]["code"] for e in events} == {"4624", "4625", "4672", "4688"}
    for e in events:
        if e["event"]["code"] == "4625":
            assert e["event"]["outcome"] == "failure" and e["winlog"]["keywords"] == ["Audit Failure"]
        if e["event"]["code"] == "4688":
            assert e["process"]["command_line"].startswith(f'"{e["process"]["executable"]}"')


def check_firewall(events: list[dict]) -> None:
    sessions = [int(e["fortinet"]["firewall"]["sessionid"]) for e in events]
    assert all(a < b for a, b in pairwise(sessions))  # the `locals` counter
    for e, session in zip(events, sessions, strict=True):
        assert f" sessionid={session} " in e["message"]
        if e["event"]["action"] == "deny":
            assert e["source"]["bytes"] == 0 and e["event"]["outcome"] == "failure" and "nat" not in e["source"]
        assert f"srcip={e['source']['ip']} " in e["message"] and f"dstport={e['destination']['port']} " in e["message"]


def check_dns(events: list[dict]) -> None:
    for e in events:
        answers = e["dns"]["answers"]
        assert e["dns"]["answers_count"] == len(answers)
        if e["dns"]["response_code"] != "NOERROR":
            assert answers == [] and e["event"]["outcome"] == "failure"
        for answer in answers:
            if answer["type"] == "A":
                assert ipaddress.ip_address(answer["data"]).version == 4
        assert e["dns"].get("resolved_ip", []) == [a["data"] for a in answers if a["type"] in ("A", "AAAA")]


def check_cloudtrail(events: list[dict]) -> None:
    for e in events:
        stamp = datetime.fromisoformat(e["@timestamp"])
        assert e["eventTime"] == stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert ("errorCode" in e) <= ("errorMessage" in e)
        assert (e["eventSource"] == "signin.amazonaws.com") == (e["eventName"] == "ConsoleLogin")
    assert {e["eventName"] for e in events} >= {"ConsoleLogin", "GetObject", "AssumeRole"}


def check_linux_auth(events: list[dict]) -> None:
    sessions = [
        e["system"]["auth"]["ssh"]["session"] for e in events if "session" in e["system"]["auth"].get("ssh", {})
    ]
    assert sessions == list(range(sessions[0], sessions[0] + len(sessions)))  # `shared`, accepted logins only
    runs = [e["event"]["sequence"] for e in events if e["event"]["action"] == "sudo"]
    assert runs == list(range(1, len(runs) + 1))  # the sudo template's `locals`
    for e in events:
        if "brute-force" in e["tags"]:
            assert e["event"]["outcome"] == "failure" and e["message"].startswith("Failed password for invalid user")


CHECKS = {name: globals()[f"check_{name}"] for name in FIELDS}


def test_values_follow_the_template_logic(made) -> None:
    project, events = made
    CHECKS[project](events)


def test_sample_files_are_what_make_samples_writes(tmp_path: Path) -> None:
    script = PROJECTS / "make_samples.py"
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True, timeout=60)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(PROJECTS) for p in PROJECTS.glob("*/samples/*") if p.is_file())
    assert written == committed
    for name in written:
        assert (tmp_path / name).read_bytes() == (PROJECTS / name).read_bytes(), name


def test_bench_runs_the_template_workloads(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = cli(
        "bench",
        "--workload",
        "templates",
        "--template-project",
        "linux_auth",
        "--template-events",
        "200",
        "--template-repeat",
        "1",
        "--json",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text())["templates"]
    runs = data["projects"]["linux_auth"]
    assert sorted(runs) == ["plain loop", "process x2", "thread x1"]
    assert all(
        run["events_per_second"] > 0
        and run["events_per_cpu_second"] > 0
        and MIN_BYTES <= run["bytes_per_event"] <= MAX_BYTES
        for run in runs.values()
    )
    assert data["summary"]["process x2"]["worst_project"] == "linux_auth"
    assert "linux_auth" in done.stdout and "median" in done.stdout and "per CPU-second" in done.stdout


def test_bench_names_an_unknown_template_project() -> None:
    done = cli("bench", "--workload", "templates", "--template-project", "nosuch")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "eventgen: error: eventgen bench: no template workload nosuch (there are: cloudtrail, dns, firewall, "
        "linux_auth, nginx_access, windows_security)"
    ]
