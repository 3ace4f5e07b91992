"""A template with state (`locals` counter, `shared` tally, random values) split in two state lanes: run after run
with --seed/--now the output is byte-identical, and thread, process and cluster mode (two workers on loopback)
make the same events, each lane counting its own renders without a gap or a repeat."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import cli, write_conf
from tests.e2e.test_one_engine import start

pytestmark = pytest.mark.e2e

COUNT, JOB_SIZE = 600, 50  # 12 jobs: 6 per lane
TEMPLATE = (
    '{% set n = locals.get("n", 0) + 1 %}{% do locals.set("n", n) %}'
    '{% do shared.update(bytes=shared.get("bytes", 0) + rand.integer(1, 1000)) %}'
    "lane={{ state_lane }} n={{ n }} total={{ shared.bytes }} ip={{ rand.network.ip_v4_private() }} "
    "t={{ timestamp.isoformat() }}\n"
)
EVENT = re.compile(r"lane=(\d) n=(\d+) total=\d+ ip=[\d.]+ t=\S+")


def project(folder: Path, output: str) -> None:
    (folder / "templates").mkdir(exist_ok=True)
    (folder / "templates" / "c.j2").write_text(TEMPLATE)
    write_conf(
        folder,
        f"""
        [counted]
        generator = jinja
        jinjaTemplates = ["c.j2"]
        jinjaOutput = text
        jinjaStateLanes = 2
        timeMode = sample
        count = {COUNT}
        jobSize = {JOB_SIZE}
        end = 1
        earliest = -1h
        latest = now
        {output}
        """,
    )


def test_seed_and_now_give_the_same_bytes_twice(tmp_path: Path) -> None:
    project(tmp_path, "outputMode = stdout")
    flags = ("--seed", "11", "--now", "2024-05-06T08:00:00Z")
    first = cli(str(tmp_path / "eventgen.conf"), *flags)
    second = cli(str(tmp_path / "eventgen.conf"), *flags)
    assert first.returncode == 0, first.stderr
    assert len(first.stdout.splitlines()) == COUNT and first.stdout == second.stdout
    assert cli(str(tmp_path / "eventgen.conf"), "--seed", "12", "--now", "2024-05-06T08:00:00Z").stdout != first.stdout


def events(mode: str, folder: Path) -> Counter[str]:
    project(folder, f"outputMode = file\nfileName = {folder}/out{{worker}}.log\nfileMaxBytes = 0")
    main, workers = start(mode, folder, "--seed", "11", "--now", "2024-05-06T08:00:00Z")
    _, err = main.communicate(timeout=120)
    for worker in workers:
        worker.communicate(timeout=30)
    assert main.returncode == 0, err
    lines = [line for path in sorted(folder.glob("out*.log")) for line in path.read_text().splitlines()]
    return Counter(lines)


def test_thread_process_and_cluster_make_the_same_events(tmp_path: Path) -> None:
    made = {}
    for mode in ("thread", "process", "cluster"):
        (tmp_path / mode).mkdir()
        made[mode] = events(mode, tmp_path / mode)
    assert made["thread"] == made["process"] == made["cluster"]
    lanes: dict[int, list[int]] = {0: [], 1: []}
    for line in made["thread"].elements():
        match = EVENT.fullmatch(line)
        assert match, line
        lanes[int(match[1])].append(int(match[2]))
    assert sorted(lanes[0]) == sorted(lanes[1]) == list(range(1, COUNT // 2 + 1))  # no gap, no repeat per lane


def test_each_lane_renders_in_its_own_worker_process(tmp_path: Path) -> None:
    """Two worker processes, two lanes: each lane's jobs go to one process, and not both to the same one (lanes are
    pinned as their first jobs go out, so the run waits for both local workers to join first)."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "c.j2").write_text(
        '{% set n = locals.get("n", 0) + 1 %}{% do locals.set("n", n) %}'
        "lane={{ state_lane }} pid={{ module.os.getpid() }}\n"
    )
    write_conf(
        tmp_path,
        f"""
        [global]
        threading = process
        generatorWorkers = 2

        [counted]
        generator = jinja
        jinjaTemplates = ["c.j2"]
        jinjaOutput = text
        jinjaStateLanes = 2
        count = {COUNT}
        jobSize = {JOB_SIZE}
        end = 1
        earliest = -1h
        latest = now
        outputMode = stdout
        """,
    )
    result = cli(str(tmp_path / "eventgen.conf"))
    assert result.returncode == 0, result.stderr
    pids: dict[str, set[str]] = {"0": set(), "1": set()}
    for line in result.stdout.splitlines():
        lane, pid = re.fullmatch(r"lane=(\d) pid=(\d+)", line).groups()  # type: ignore[union-attr]
        pids[lane].add(pid)
    assert len(pids["0"]) == len(pids["1"]) == 1 and pids["0"] != pids["1"], pids


def test_an_eventum_project_takes_its_lanes_from_the_command_line(tmp_path: Path) -> None:
    """generator.yml has no place for eventgen's settings: `--state-lanes 2` splits its state in two lanes, each
    counting its own renders in a worker process of its own."""
    from tests.e2e.test_eventum_projects import one_input

    template = '{% set n = locals.get("n", 0) + 1 %}{% do locals.set("n", n) %}lane={{ state_lane }} n={{ n }}\n'
    timer = f'timer: {{start: "2024-01-01T00:00:00Z", seconds: 1, count: {JOB_SIZE}, repeat: {COUNT // JOB_SIZE}}}'
    path = one_input(tmp_path, timer, template)
    flags = ("--sample-mode", "--batch-size", str(JOB_SIZE), "--threading", "process", "--generators", "2")
    result = cli(str(path), *flags, "--state-lanes", "2")
    assert result.returncode == 0, result.stderr
    lanes: dict[str, list[int]] = {"0": [], "1": []}
    for line in result.stdout.splitlines():
        lane, n = re.fullmatch(r"lane=(\d) n=(\d+)", line).groups()  # type: ignore[union-attr]
        lanes[lane].append(int(n))
    assert sorted(lanes["0"]) == sorted(lanes["1"]) == list(range(1, COUNT // 2 + 1))
    refused = cli(str(path), *flags, "--state-lanes", "0")
    assert refused.returncode == 2
    assert refused.stderr.strip().endswith("[command line]: jinjaStateLanes: must be at least 1, got 0")
