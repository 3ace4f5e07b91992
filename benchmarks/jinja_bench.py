"""Benchmark of `generator = jinja`: events/s for a typical 6-field JSON event.

Runs the plugin directly (no outputs): one render per event vs batch mode (`jinjaBatch = true`),
in 1 process and in 2 processes (a multiprocessing Pool, each worker with its own generator).

    python benchmarks/jinja_bench.py [--events 400000] [--job-size 10000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIELDS = (
    '"@timestamp": "{{ timestamp.isoformat() }}", "host": "{{ rand.choice(vars.hosts) }}", '
    '"user": "{{ samples.users.pick() }}", "status": {{ rand.weighted_choice(vars.statuses) }}, '
    '"bytes": {{ rand.number.integer(200, 50000) }}, "src_ip": "{{ rand.network.ip_v4_private() }}"'
)
EVENT = "{" + FIELDS + "}\n"
BATCH = "{% for timestamp in timestamps %}\n{" + FIELDS + "}\n{% endfor %}\n"
VARS = '{"hosts": ["web-01", "web-02", "web-03", "db-01"], "statuses": {"200": 80, "301": 5, "404": 10, "500": 5}}'
CONF = """
[bench]
generator = jinja
jinjaTemplates = {{"event": {{"template": "{template}", "vars": {vars}}}}}
jinjaSamples = {{"users": {{"type": "items", "source": ["alice", "bob", "carol", "dave", "erin"]}}}}
jinjaBatch = {batch}
count = 1
earliest = -1m
latest = now
timezone = +0000
"""


def make_conf(folder: Path, batch: bool) -> Path:
    (folder / "templates").mkdir(exist_ok=True)
    (folder / "templates" / "event.j2").write_text(EVENT)
    (folder / "templates" / "batch.j2").write_text(BATCH)
    name = "batch" if batch else "event"
    conf = folder / f"{name}.conf"
    text = CONF.format(template=f"{name}.j2", vars=VARS, batch=str(batch).lower())
    conf.write_text(textwrap.dedent(text).lstrip())
    return conf


def generate(conf: str, events: int, job_size: int, seed: int = 1) -> tuple[int, float, float]:
    """Generate `events` events from the conf's sample; (events made, wall seconds, CPU seconds)."""
    from eventgen.core.batch import GenerationJob
    from eventgen.plugin.base import registry
    from eventgen.resolve.loader import load

    sample = load(conf).samples[0]
    generator = registry.get("generator", "jinja")(sample)  # type: ignore[call-arg]
    now = time.time()
    made, seq = 0, 0
    started, cpu = time.perf_counter(), time.process_time()
    while made < events:
        n = min(job_size, events - made)
        job = GenerationJob(sample.label, seq, n, now - 60, now, offset=made, now=now, seed=seed)
        made += len(generator.generate(job).events)
        seq += 1
    return made, time.perf_counter() - started, time.process_time() - cpu


def _worker(args: tuple[str, int, int, int]) -> tuple[int, float, float]:
    return generate(*args)


def run(conf: Path, events: int, job_size: int, processes: int) -> tuple[float, float]:
    """(events/s of wall time, events/s per CPU-second summed over processes)."""
    if processes == 1:
        generate(str(conf), job_size, job_size)  # warm-up
        made, seconds, cpu = generate(str(conf), events, job_size)
        return made / seconds, made / cpu
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        pool.map(_worker, [(str(conf), job_size, job_size, i) for i in range(processes)])  # warm-up
        started = time.perf_counter()
        results = pool.map(_worker, [(str(conf), events, job_size, i) for i in range(processes)])
        wall = time.perf_counter() - started
    return sum(r[0] for r in results) / wall, sum(r[0] / r[2] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=400_000, help="events per process")
    parser.add_argument("--job-size", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(f"jinja generator, 6-field JSON event, {args.events:,} events per process, jobs of {args.job_size:,}")
        for batch in (False, True):
            conf = make_conf(Path(folder), batch)
            for processes in (1, 2):
                wall, cpu = run(conf, args.events, args.job_size, processes)
                mode = "batch (jinjaBatch)" if batch else "one render per event"
                print(
                    f"  {mode:22} {processes} process{'es' if processes > 1 else '  '}: {wall:10,.0f} events/s wall, "
                    f"{cpu:10,.0f} events/s of CPU time"
                )
        print("(wall figures depend on other load; CPU-time figures are what free cores would reach)")


if __name__ == "__main__":
    main()
