"""Benchmark of `eventgen server`'s control plane on this machine: N generators running at once (devnull, a
modest rate each), then the time the API takes to answer what a dashboard and Prometheus ask every second.

1. median and 95th-percentile milliseconds of `GET /api/generators` (every generator's live status);
2. the same for `GET /metrics` (every counter, read from the runs' summaries at each scrape);
3. the server process's CPU share while the generators run and nothing is asked.

    python benchmarks/server_api.py [--generators 20] [--rate 200] [--requests 100]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "benchmark-token-0123456789"


def timed(session: requests.Session, url: str, count: int) -> tuple[float, float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        session.get(url, timeout=30).raise_for_status()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generators", type=int, default=20)
    parser.add_argument("--rate", type=float, default=200.0, help="events/s per generator")
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workspace = Path(folder)
        (workspace / "eventgen.conf").write_text("[web.log]\noutputMode = devnull\n", encoding="utf-8")
        (workspace / "web.log").write_text("GET /index.html 200\nGET /cart 302\n", encoding="utf-8")
        port = 19500
        env = {**os.environ, "PYTHONPATH": str(ROOT), "EVENTGEN_SERVER_TOKEN": TOKEN}
        argv = [sys.executable, "-m", "eventgen", "server", "--workspace", str(workspace), "--port", str(port)]
        server = subprocess.Popen(argv, env=env, stderr=subprocess.DEVNULL)
        session = requests.Session()
        session.trust_env = False
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if session.get(f"{url}/healthcheck", timeout=1).ok:
                        break
                except requests.RequestException:
                    time.sleep(0.1)
            for i in range(args.generators):
                spec = {"id": f"g{i}", "path": "eventgen.conf", "rate": args.rate}
                session.post(f"{url}/api/generators", json=spec, timeout=30).raise_for_status()
            session.post(f"{url}/api/bulk/start", json={"ids": []}, timeout=60).raise_for_status()
            time.sleep(3)
            process = psutil.Process(server.pid)
            process.cpu_percent(None)
            time.sleep(5)
            idle = process.cpu_percent(None)
            status = timed(session, f"{url}/api/generators", args.requests)
            metrics = timed(session, f"{url}/metrics", args.requests)
            made = sum(g["generated"] for g in session.get(f"{url}/api/generators", timeout=30).json())
            print(f"{args.generators} generators at {args.rate:g} events/s each, {made:,} events made so far")
            print(f"GET /api/generators: median {status[0]:.1f} ms, p95 {status[1]:.1f} ms")
            print(f"GET /metrics:        median {metrics[0]:.1f} ms, p95 {metrics[1]:.1f} ms")
            print(f"server CPU while generating, nothing asked: {idle:.0f}% of one core")
        finally:
            server.terminate()
            server.wait(60)


if __name__ == "__main__":
    main()
