"""Two checkouts of eventgen, interleaved on the same machine in the same run: `eventgen bench`'s workloads
(plus the bundled 24-line samples/weblog.conf) in every mode, best of N.

    git worktree add /tmp/before <commit>
    python benchmarks/compare.py /tmp/before . --repeat 5 --events 2000000

Each run is a fresh process with the checkout first on sys.path. Two figures per cell: wall-clock events/s
(what a user sees; on a shared machine it varies from run to run) and events per CPU-second of the run and
its workers (steadier: it does not count time the machine gave to others).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
MODES = {
    "thread x1": {"threading": "thread", "queueing": "python", "generatorWorkers": "1"},
    "process x2": {"threading": "process", "queueing": "python", "generatorWorkers": "2"},
    "zeromq x2": {"threading": "process", "queueing": "zeromq", "generatorWorkers": "2"},
}
RUN = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
conf, overrides = sys.argv[2], json.loads(sys.argv[3])
try:
    from eventgen.resolve.loader import load
    from eventgen.run.wire import RunOptions, wire as Run
except ImportError:  # checkouts before the wiring function and resolve/
    try:
        from eventgen.run.engine import Engine as Run, RunOptions
        try:
            from eventgen.resolve.loader import load
        except ImportError:  # checkouts before resolve/
            from eventgen.conf.loader import load
    except ImportError:  # checkouts before the stage layout
        from eventgen.config import load
        from eventgen.engine import Run, RunOptions
def cpu():
    return sum(getattr(resource.getrusage(w), f) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))
run = Run(load(conf, overrides), RunOptions(seed=1, status_interval=0))
c0, t0 = cpu(), time.perf_counter()
result = run.execute()
wall, used = time.perf_counter() - t0, cpu() - c0
total = result.total if hasattr(result, "total") else result.totals()
sent = total["sent"] if isinstance(total, dict) else total.sent
print(sent / wall, sent / used)
"""


def workloads(folder: Path, events: int) -> dict[str, tuple[Path, dict[str, str]]]:
    """Workload name → (conf, overrides), written by this checkout's bench module."""
    sys.path.insert(0, str(HERE))
    from eventgen.tools import bench

    found = {}
    for name in bench.WORKLOADS:
        overrides = {"count": str(events), "end": "1", "outputMode": "devnull"} if name == "bundled-weblog" else {}
        found[name] = (bench._write_workload(folder, name, events), overrides)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", help="the checkout to compare against")
    parser.add_argument("after", help="the checkout under test")
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per cell and checkout (best is kept)")
    args = parser.parse_args()
    trees = {"before": str(Path(args.before).resolve()), "after": str(Path(args.after).resolve())}
    import json

    print(
        f"{'workload':<20} {'mode':<11} {'wall before':>12} {'after':>10} {'ratio':>6}   "
        f"{'per CPU-s before':>16} {'after':>10} {'ratio':>6}"
    )
    with tempfile.TemporaryDirectory(prefix="eventgen-compare-") as tmp:
        for name, (conf, overrides) in workloads(Path(tmp), args.events).items():
            for mode, settings in MODES.items():
                best: dict[str, tuple[float, float]] = {}
                for _ in range(args.repeat):
                    for tag, tree in trees.items():
                        out = subprocess.run(
                            [sys.executable, "-c", RUN, tree, str(conf), json.dumps({**settings, **overrides})],
                            capture_output=True,
                            text=True,
                            cwd=tmp,
                            check=True,
                        )
                        wall, cpu = map(float, out.stdout.split())
                        old = best.get(tag, (0.0, 0.0))
                        best[tag] = (max(old[0], wall), max(old[1], cpu))
                (bw, bc), (aw, ac) = best["before"], best["after"]
                print(
                    f"{name:<20} {mode:<11} {bw:>12,.0f} {aw:>10,.0f} {aw / bw:>6.2f}   {bc:>16,.0f} {ac:>10,.0f} "
                    f"{ac / bc:>6.2f}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
