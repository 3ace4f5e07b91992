"""Benchmark of an Eventum-style project: a 6-field JSON template, events/s on this machine's cores.

The same template three ways, interleaved in one run (best of `--repeat` each):
- the `generator.yml` project through the CLI (`--sample-mode`, stdout to /dev/null), one worker thread and
  `--threading process` with one worker process per core;
- the eventgen.conf `eventgen convert` prints for it, the same two ways;
- a plain jinja2 loop: one Environment, the template compiled once, rendered per event with the same context
  names (`timestamp`, `vars`, `samples`, `module.rand`) backed by Python's `random`, joined and written once.

    python benchmarks/eventum_project.py [--events 300000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TEMPLATE = (
    '{"@timestamp": "{{ timestamp.isoformat() }}", "host": "{{ module.rand.choice(vars.hosts) }}", '
    '"user": "{{ module.rand.choice(samples.users) }}", "status": {{ module.rand.weighted_choice(vars.statuses) }}, '
    '"bytes": {{ module.rand.number.integer(200, 50000) }}, "src_ip": "{{ module.rand.network.ip_v4_private() }}"}\n'
)
HOSTS = ["web-01", "web-02", "web-03", "db-01"]
STATUSES = {"200": 80, "301": 5, "404": 10, "500": 5}
USERS = ["alice", "bob", "carol", "dave", "erin"]
PROJECT = """
input:
  - linspace: {{start: "2024-01-01T00:00:00Z", end: "+1d", count: {events}, endpoint: false}}
event:
  template:
    samples:
      users: {{type: items, source: {users}}}
    templates:
      - event:
          template: templates/event.jinja
          vars: {{hosts: {hosts}, statuses: {statuses}}}
output:
  - stdout: {{}}
"""


def write_project(folder: Path, events: int) -> Path:
    (folder / "templates").mkdir(parents=True, exist_ok=True)
    (folder / "templates" / "event.jinja").write_text(TEMPLATE)
    lists = {"users": json.dumps(USERS), "hosts": json.dumps(HOSTS), "statuses": json.dumps(STATUSES)}
    text = PROJECT.format(events=events, **lists)
    path = folder / "generator.yml"
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def cli_rate(target: Path, *flags: str) -> float:
    """Events/s from the run's own summary (start-up excluded), output to /dev/null."""
    stats = target.parent / "stats.json"
    subprocess.run(
        [sys.executable, "-m", "eventgen", str(target), "--sample-mode", "--stats-json", str(stats), *flags],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    total = json.loads(stats.read_text())["total"]
    return float(total["sent"]) / json.loads(stats.read_text())["elapsed_seconds"]


class _Number:
    def __init__(self, rng: random.Random):
        self.integer = rng.randint


class _Network:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def ip_v4_private(self) -> str:
        r = self.rng.random
        return f"10.{int(r() * 256)}.{int(r() * 256)}.{int(r() * 256)}"


class _Rand:
    """The few `module.rand` helpers the template calls, on Python's `random` (no eventgen code)."""

    def __init__(self, seed: int = 1):
        rng = random.Random(seed)
        self.choice = rng.choice
        self.number, self.network = _Number(rng), _Network(rng)
        self._rng = rng

    def weighted_choice(self, weights: dict[str, int]) -> str:
        return self._rng.choices(list(weights), list(weights.values()))[0]


def plain_loop_rate(events: int) -> float:
    """A plain jinja2 loop: compile once, render per event, one write to /dev/null."""
    import jinja2

    template = jinja2.Environment().from_string(TEMPLATE)
    context = {"vars": {"hosts": HOSTS, "statuses": STATUSES}, "samples": {"users": USERS}}
    context["module"] = {"rand": _Rand()}
    start = datetime(2024, 1, 1, tzinfo=UTC)
    step = timedelta(days=1) / events
    started = time.perf_counter()
    out = [template.render(context, timestamp=start + i * step) for i in range(events)]
    with open(os.devnull, "w", encoding="utf-8") as sink:
        sink.write("".join(out))
    return events / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        project = write_project(Path(tmp) / "project", args.events)
        conf = Path(tmp) / "conf" / "eventgen.conf"
        conf.parent.mkdir()
        converted = subprocess.run(
            [sys.executable, "-m", "eventgen", "convert", str(project), "--sample-mode"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=True,
        )
        conf.write_text(converted.stdout)
        processes = ("--threading", "process", "--generators", str(cores))
        runs = {
            "plain jinja2 loop, 1 process": lambda: plain_loop_rate(args.events),
            "generator.yml, 1 thread": lambda: cli_rate(project),
            "eventgen.conf, 1 thread": lambda: cli_rate(conf),
            f"generator.yml, {cores} processes": lambda: cli_rate(project, *processes),
            f"eventgen.conf, {cores} processes": lambda: cli_rate(conf, *processes),
        }
        best = dict.fromkeys(runs, 0.0)
        for _ in range(args.repeat):
            for name, measure in runs.items():
                best[name] = max(best[name], measure())
    plain = best["plain jinja2 loop, 1 process"]
    print(f"Eventum-style 6-field JSON template, {args.events:,} events, best of {args.repeat}, {cores} cores")
    for name, rate in best.items():
        print(f"  {name:34}: {rate:10,.0f} events/s   ({rate / plain:.2f} x the plain loop)")


if __name__ == "__main__":
    main()
