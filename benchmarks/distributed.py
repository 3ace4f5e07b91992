"""Benchmark of distributed mode on this machine: a controller and N worker processes on loopback.

1. events/s to devnull with 1 and 2 worker processes (default jobSize 10000);
2. the controller's own CPU seconds per million jobs (small jobs, so the controller is as busy
   as it gets), and from it how many workers one controller could feed.

    python benchmarks/distributed.py [--events 20000000] [--jobs 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import psutil
import zmq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventgen.cluster.local_keys import local_secret  # noqa: E402
from eventgen.rpc.keys import read_key_file  # noqa: E402
from eventgen.rpc.protocol import MsgType, decode, encode  # noqa: E402

SAMPLE = "2024-01-01 00:00:00 id=@@ID host=web01 user=alice action=login status=200 bytes=1234\n"
CONF = """
[bench.log]
sampleDir = .
outputMode = devnull
count = {count}
end = {intervals}
timeMode = sample
interval = 1
jobSize = {job_size}
earliest = -1s
token.0.token = @@ID
token.0.replacementType = integerid
token.0.replacement = 0
token.1.token = \\d{{4}}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d
token.1.replacementType = timestamp
token.1.replacement = %Y-%m-%d %H:%M:%S
"""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def spawn(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "eventgen", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def status(sock: zmq.Socket) -> dict | None:
    sock.send(encode(MsgType.STATUS))
    if not sock.poll(2000):
        return None
    return decode(sock.recv())["status"]


def run(folder: Path, workers: int, events: int, job_size: int) -> dict:
    count = min(events, 1_000_000)
    (folder / "bench.log").write_text(SAMPLE)
    conf = folder / "eventgen.conf"
    conf.write_text(textwrap.dedent(CONF.format(count=count, intervals=events // count, job_size=job_size)))
    port = free_port()
    summary = folder / "summary.json"
    controller = spawn(
        "controller",
        str(conf),
        "--bind",
        f"tcp://127.0.0.1:{port}",
        "--status-interval",
        "0",
        "--stats-json",
        str(summary),
        "--seed",
        "1",
    )
    context = zmq.Context()
    probe = context.socket(zmq.DEALER)
    public, secret = read_key_file(local_secret())  # the controller lets in this user's own key pair
    probe.curve_publickey, probe.curve_secretkey, probe.curve_serverkey = public, secret, public
    probe.setsockopt(zmq.LINGER, 0)
    probe.connect(f"tcp://127.0.0.1:{port}")
    while status(probe) is None:
        pass
    procs = [spawn("worker", "--connect", f"tcp://127.0.0.1:{port}", "--name", f"w{i}") for i in range(workers)]
    cpu = psutil.Process(controller.pid)
    cpu_seen = 0.0
    joined: tuple[float, int] | None = None  # when every worker was working, events sent then
    while controller.poll() is None:
        current = status(probe)
        if current is not None:
            if joined is None and sum(w["state"] == "working" for w in current["workers"]) == workers:
                joined = (time.monotonic(), current["totals"]["sent"])
            times = cpu.cpu_times()
            cpu_seen = times.user + times.system
        time.sleep(0.05)
    ended = time.monotonic()
    probe.close()
    context.term()
    for proc in procs:
        proc.wait(30)
    data = json.loads(summary.read_text())
    total = data["total"]["sent"]
    steady = (total - joined[1]) / (ended - joined[0]) if joined else 0.0
    return {
        "workers": workers,
        "events": total,
        "jobs": data["jobs"]["done"],
        "elapsed": data["elapsed_seconds"],
        "steady_events_per_s": steady,
        "controller_cpu_s": cpu_seen,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000_000, help="events per throughput run")
    parser.add_argument("--jobs", type=int, default=100_000, help="jobs in the controller-CPU run")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    print("events/s: from the moment every worker has joined until the controller exits (bundle load included)")
    rates = {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            result = run(Path(tmp), workers, args.events, 10_000)
        rates[workers] = result["steady_events_per_s"]
        print(
            f"{workers} worker(s): {result['events']:,} events in {result['jobs']:,} jobs; steady "
            f"{result['steady_events_per_s']:,.0f} events/s; controller CPU {result['controller_cpu_s']:.2f}s"
        )
    with tempfile.TemporaryDirectory() as tmp:
        result = run(Path(tmp), 2, args.jobs * 10, 10)  # 10-event jobs: the controller is the busy part
    per_million = result["controller_cpu_s"] / result["jobs"] * 1e6
    jobs_per_s = 1e6 / per_million
    worker_jobs_per_s = rates[1] / 10_000
    print(
        f"controller: {result['jobs']:,} jobs of 10 events, {result['controller_cpu_s']:.2f} CPU s → "
        f"{per_million:,.1f} CPU s per million jobs ≈ {jobs_per_s:,.0f} jobs/s per controller core"
    )
    print(
        f"one worker at jobSize 10000 asks {worker_jobs_per_s:,.0f} jobs/s → one controller core could feed "
        f"≈ {jobs_per_s / worker_jobs_per_s:,.0f} such workers ({jobs_per_s * 10_000:,.0f} events/s)"
    )


if __name__ == "__main__":
    main()
