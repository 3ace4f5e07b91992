"""modinput (Splunk's path: a single writer, so process workers format and hand the bytes to the parent, which
writes) into /dev/null: process mode with 2 workers against 1 thread, interleaved, best of `repeat`.

Run by `benchmarks/network.py --only modinput`. Besides events/s (wall clock, what a user sees: on a machine
shared with other work it moves with the load), it measures each mode's CPU seconds per million events (the run
and its workers, start-up taken out by a one-job run of the same conf). From those,
`two_idle_cores_bound = 2 x CPU per event (thread x1) / CPU per event (process x2)` is the most process x2 can
make of thread x1's rate on two otherwise idle cores: where the wall ratio falls short of it, other work took the
second core.
"""

from __future__ import annotations

import resource
from collections.abc import Callable
from pathlib import Path

ENGINES = {"thread_x1": "generatorWorkers = 1\nthreading = thread", "process_x2": None}
ONE_JOB = 20000  # network.py's jobSize: a run of one job is start-up and one batch


def children_cpu() -> float:
    """CPU seconds of the finished children this process waited for (and the processes they waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_modinput(
    folder: Path, events: int, repeat: int, write_conf: Callable[[Path, int, str], Path], eventgen: Callable
) -> dict[str, float]:
    confs: dict[str, dict[int, Path]] = {}
    for label, engine in ENGINES.items():
        for count in (events, ONE_JOB):
            conf = write_conf(folder / f"{label}-{count}", count, "outputMode = modinput")
            if engine:
                conf.write_text(conf.read_text().replace("generatorWorkers = 2\nthreading = process", engine))
            confs.setdefault(label, {})[count] = conf
    rates: dict[str, float] = {}
    cpu: dict[tuple[str, int], float] = {}
    for _ in range(repeat):  # interleaved, best of `repeat` (least CPU: the run least disturbed)
        for label, by_count in confs.items():
            for count, conf in by_count.items():
                before = children_cpu()
                total = eventgen(conf)["total"]
                used = children_cpu() - before
                cpu[label, count] = min(cpu.get((label, count), used), used)
                if count == events:
                    rates[label] = max(rates.get(label, 0.0), total["events_per_second"])
    per_million = {label: 1e6 * (cpu[label, events] - cpu[label, ONE_JOB]) / (events - ONE_JOB) for label in confs}
    for label, rate in rates.items():
        print(
            f"eventgen -> modinput ({label:<10})   : {rate:>12,.0f} ev/s  "
            f"{per_million[label]:.2f} CPU-s per million events"
        )
    bound = min(2.0, 2 * per_million["thread_x1"] / per_million["process_x2"])
    return {
        **rates,
        "ratio_process_x2_to_thread_x1": round(rates["process_x2"] / rates["thread_x1"], 3),
        "cpu_s_per_million_thread_x1": round(per_million["thread_x1"], 3),
        "cpu_s_per_million_process_x2": round(per_million["process_x2"], 3),
        "two_idle_cores_bound": round(bound, 3),
    }
