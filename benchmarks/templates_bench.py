"""Realistic template workloads: each Eventum project of benchmarks/templates/ against a plain jinja2 loop.

For every project, in one interleaved run (the best of `--repeat` rounds; each round runs every project's three
measurements one after the other):
- the plain loop (benchmarks/plain_jinja.py): the same templates compiled once with jinja2, rendered per event
  with Python's `random` behind `module.rand`, samples as lists of dicts, state as dicts, the json formatter done
  with `json.loads`/`json.dumps`; one core, one write to /dev/null at the end;
- eventgen, thread x1 and process x2: the project's generator.yml in sample mode, `count` and `jobSize` set,
  written to devnull through the project's own output formatter (json); events/s from the run's summary
  (worker start-up excluded). Projects whose templates keep state run with `jinjaStateLanes = 2` in both modes
  (the same events in both), so their state does not pin them to one worker.
Every event the plain loop makes must be MIN_BYTES..MAX_BYTES long, and eventgen's mean size must match the
plain loop's within SIZE_TOLERANCE, or the run stops: the workloads must stay what they claim to be.

    python benchmarks/templates_bench.py [--events 10000] [--repeat 3] [--job-size 1000] [--project NAME]
    eventgen bench --workload templates   (the same from `eventgen bench`)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TextIO

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from benchmarks.plain_jinja import plain_rate  # noqa: E402

PROJECTS_DIR = HERE / "templates"
MIN_BYTES, MAX_BYTES = 1000, 2048  # each event, its newline included
SIZE_TOLERANCE = 0.1  # eventgen's mean event size vs the plain loop's
JOB_SIZE = 1000  # small enough that even a short run gives each of two workers several jobs
PLAIN = "plain loop"
MODES = {
    "thread x1": {"threading": "thread", "queueing": "python", "generatorWorkers": "1"},
    "process x2": {"threading": "process", "queueing": "python", "generatorWorkers": "2"},
}
STATE_WORDS = ("locals", "shared", "globals")
STATE_LANES = 2  # jinjaStateLanes for the projects with state, in both modes: one lane per core


class WorkloadError(RuntimeError):
    """A workload did not make what it claims (sizes, counts)."""


@dataclass
class Measure:
    events_per_second: float
    bytes_per_event: float
    events_per_cpu_second: float  # CPU of this process and the worker processes it waited for (start-up included)


def cpu_seconds() -> float:
    """User + system CPU of this process and of its children that ended (process mode's workers)."""
    return sum(
        getattr(resource.getrusage(who), field)
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        for field in ("ru_utime", "ru_stime")
    )


def project_names() -> list[str]:
    """The projects of benchmarks/templates/: each folder with a generator.yml."""
    if not PROJECTS_DIR.is_dir():
        return []
    return sorted(p.name for p in PROJECTS_DIR.iterdir() if (p / "generator.yml").is_file())


def uses_state(name: str) -> bool:
    """Whether a project's templates touch `locals`/`shared`/`globals` (eventgen then keeps them on one worker)."""
    texts = (path.read_text(encoding="utf-8") for path in (PROJECTS_DIR / name / "templates").glob("*.jinja"))
    return any(word in text for text in texts for word in STATE_WORDS)


def plain_run(name: str, events: int, seed: int) -> Measure:
    used = cpu_seconds()
    rate, sizes = plain_rate(PROJECTS_DIR / name / "generator.yml", events, seed)
    used = cpu_seconds() - used
    small, large = min(sizes), max(sizes)
    if small < MIN_BYTES or large > MAX_BYTES:
        raise WorkloadError(f"{name}: events of {small}..{large} bytes, outside {MIN_BYTES}..{MAX_BYTES}")
    return Measure(rate, sum(sizes) / len(sizes), events / used)


def eventgen_run(name: str, mode: str, events: int, job_size: int, seed: int) -> Measure:
    """The project through eventgen's engine, to devnull with the formatter of the project's first output."""
    from eventgen.resolve.eventum import load_translated
    from eventgen.run.wire import RunOptions, wire

    path = PROJECTS_DIR / name / "generator.yml"
    settings = load_translated(path, {}, {}, {"timeMode": "sample"}).samples[0].settings
    formats = settings.get("outputFormatBy") or {}
    overrides = {
        "timeMode": "sample",
        "count": str(events),
        "jobSize": str(job_size),
        "outputMode": "devnull",
        "outputFormatBy": json.dumps({"devnull": formats.get(settings["outputMode"][0], {})}),
        "jinjaStateLanes": str(STATE_LANES if uses_state(name) else 1),
        **MODES[mode],
    }
    run = wire(load_translated(path, {}, {}, overrides), RunOptions(seed=seed, status_interval=0))
    used = cpu_seconds()
    summary = run.execute()
    used = cpu_seconds() - used
    total = summary.total
    if total.sent != events or total.failed:
        raise WorkloadError(f"{name} {mode}: sent {total.sent} of {events}, {total.failed} failed")
    return Measure(events / summary.elapsed, total.bytes / events, events / used)


def measure(
    names: list[str], events: int, repeat: int, job_size: int, progress: TextIO | None = None
) -> dict[str, dict[str, Measure]]:
    """{project: {run: best Measure}}; rounds interleave every project's runs."""
    best: dict[str, dict[str, Measure]] = {name: {} for name in names}
    for round_ in range(repeat):
        for name in names:
            for run in (PLAIN, *MODES):
                if run == PLAIN:
                    result = plain_run(name, events, seed=round_ + 1)
                else:
                    result = eventgen_run(name, run, events, job_size, seed=round_ + 1)
                if progress is not None:
                    progress.write(f"  round {round_ + 1} {name:<18} {run:<11} {result.events_per_second:>9,.0f}/s\n")
                    progress.flush()
                kept = best[name].get(run)
                if kept is None or result.events_per_second > kept.events_per_second:
                    best[name][run] = result
        for name in names:
            plain = best[name][PLAIN].bytes_per_event
            for mode in MODES:
                made = best[name][mode].bytes_per_event
                if abs(made - plain) > SIZE_TOLERANCE * plain:
                    raise WorkloadError(f"{name} {mode}: {made:.0f} bytes per event, the plain loop {plain:.0f}")
    return best


def summary(best: dict[str, dict[str, Measure]]) -> dict[str, dict]:
    """Per eventgen mode: the median ratio to the plain loop and the worst project."""
    out = {}
    for mode in MODES:
        ratios = {name: runs[mode].events_per_second / runs[PLAIN].events_per_second for name, runs in best.items()}
        worst = min(ratios, key=ratios.__getitem__)
        out[mode] = {"median": statistics.median(ratios.values()), "worst": ratios[worst], "worst_project": worst}
    return out


def report(best: dict[str, dict[str, Measure]], out: TextIO) -> dict[str, dict]:
    """Write the table and the summary; return the summary."""
    out.write(
        f"{'project':<18} {'state':>7} {'bytes/ev':>8} {'plain loop':>10} {'thread x1':>10} {'x plain':>7} "
        f"{'process x2':>10} {'x plain':>7} {'p2/t1':>6}\n"
    )
    for name, runs in best.items():
        plain, thread, process = (runs[run].events_per_second for run in (PLAIN, *MODES))
        state = f"{STATE_LANES} lanes" if uses_state(name) else "no"
        out.write(
            f"{name:<18} {state:>7} {runs[PLAIN].bytes_per_event:>8,.0f} {plain:>10,.0f} {thread:>10,.0f} "
            f"{thread / plain:>7.2f} {process:>10,.0f} {process / plain:>7.2f} {process / thread:>6.2f}\n"
        )
    out.write(
        f"\nper CPU-second (the same runs; a loaded machine changes these least):\n{'project':<18} "
        f"{'plain loop':>10} {'thread x1':>10} {'x plain':>7} {'process x2':>10} {'x plain':>7}\n"
    )
    for name, runs in best.items():
        plain, thread, process = (runs[run].events_per_cpu_second for run in (PLAIN, *MODES))
        out.write(
            f"{name:<18} {plain:>10,.0f} {thread:>10,.0f} {thread / plain:>7.2f} {process:>10,.0f} "
            f"{process / plain:>7.2f}\n"
        )
    result = summary(best)
    for mode, figures in result.items():
        out.write(
            f"{mode}: median {figures['median']:.2f} x the plain loop, worst {figures['worst']:.2f} "
            f"({figures['worst_project']})\n"
        )
    return result


def run(names: list[str], events: int, repeat: int, job_size: int, out: TextIO) -> dict:
    """Measure and print; the results as a JSON-ready dict."""
    known = project_names()
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise WorkloadError(f"no template workload {', '.join(unknown)} (there are: {', '.join(known) or 'none'})")
    for number, label in ((events, "events"), (repeat, "repeat"), (job_size, "job size")):
        if number < 1:
            raise WorkloadError(f"template workloads: {label} must be 1 or more, got {number}")
    load_before = os.getloadavg()
    started = time.time()
    out.write(
        f"Template workloads: {events:,} events per run, best of {repeat}, jobs of {job_size:,}, "
        f"{os.cpu_count()} cores; load average before {load_before[0]:.2f}\n"
    )
    best = measure(names, events, repeat, job_size, progress=out)
    load_after = os.getloadavg()
    out.write(f"load average after {load_after[0]:.2f}, {time.time() - started:.0f} s\n\n")
    figures = report(best, out)
    return {
        "events": events,
        "repeat": repeat,
        "job_size": job_size,
        "load_average": {"before": load_before, "after": load_after},
        "projects": {name: {r: asdict(m) for r, m in runs.items()} for name, runs in best.items()},
        "summary": figures,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000, help="events per project and run (default 10,000)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the best of each is kept (default 3)")
    parser.add_argument("--job-size", type=int, default=JOB_SIZE, help=f"eventgen's jobSize (default {JOB_SIZE:,})")
    parser.add_argument("--project", action="append", choices=project_names(), help="only these projects")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    try:
        data = run(args.project or project_names(), args.events, args.repeat, args.job_size, sys.stdout)
    except WorkloadError as exc:
        parser.exit(2, f"templates_bench: error: {exc}\n")
    if args.json:
        Path(args.json).write_text(json.dumps(data, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
