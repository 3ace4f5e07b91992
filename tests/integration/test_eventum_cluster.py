"""An Eventum project in cluster mode: the controller ships the project (generator.yml, templates, samples, params)
and each worker translates it as the controller did; the same project gives the same events in thread, process
and cluster mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import cli, free_port
from tests.e2e.test_eventum_projects import START, project
from tests.integration.cluster import controller, finish, spawn

pytestmark = pytest.mark.integration

PROJECT = f"""
# two inputs merged in time order, a CSV sample and a param: all must reach the workers
input:
  - linspace: {{start: "{START}", end: "+1h", count: 3000, endpoint: false, tags: [lin]}}
  - timer: {{start: "{START}", seconds: 60, count: 5, repeat: 60, tags: [tick]}}
event:
  template:
    params: {{site: "${{params.site}}"}}
    samples:
      users: {{type: csv, source: data/users.csv, header: true}}
    templates:
      - t: {{template: templates/t.jinja}}
output:
  - file: {{path: "{{out}}"}}
"""
TEMPLATE = "{{ timestamp.isoformat() }} {{ tags | join(',') }} {{ params.site }} {{ samples.users | length }}\n"
USERS = "name,role\nalice,admin\nbob,dev\ncarol,ops\n"


def make(folder: Path, out: str) -> Path:
    files = {"templates/t.jinja": TEMPLATE, "data/users.csv": USERS}
    return project(folder, PROJECT.replace("{out}", out), files)


def lines_of(paths: list[Path]) -> list[str]:
    return sorted(line for path in paths for line in path.read_text(encoding="utf-8").splitlines())


def test_the_same_project_gives_the_same_events_in_thread_process_and_cluster_mode(tmp_path: Path) -> None:
    params = json.dumps({"site": "eu-1"})
    seen: dict[str, list[str]] = {}
    for mode in ("thread", "process"):
        folder = tmp_path / mode
        path = make(folder, str(folder / "out.txt"))
        result = cli(str(path), "--sample-mode", "--threading", mode, "--params", params)
        assert result.returncode == 0, result.stderr
        seen[mode] = lines_of([folder / "out.txt"])

    folder = tmp_path / "cluster"
    path = make(folder, str(folder / "out-{worker}.txt"))
    address = f"tcp://127.0.0.1:{free_port()}"
    main = controller(path, address, folder, "--sample-mode", "--params", params)
    workers = [spawn("worker", "--connect", address, "--name", f"w{i}", log=folder / f"w{i}.log") for i in range(2)]
    try:
        assert finish(main, 120) == 0, (folder / "controller.log").read_text()
    finally:
        for worker in workers:
            finish(worker, 30)
    seen["cluster"] = lines_of(sorted(folder.glob("out-w*.txt")))
    summary = json.loads((folder / "summary.json").read_text())

    expected = 3000 + 5 * 60
    assert len(seen["thread"]) == expected
    assert seen["thread"] == seen["process"] == seen["cluster"]
    assert seen["thread"][0] == "2024-01-01T00:00:00+00:00 lin eu-1 3"
    assert sum(1 for line in seen["thread"] if " tick " in line) == 300
    assert summary["total"]["generated"] == summary["total"]["sent"] == expected
