"""Live pacing benchmark: run eventgen live at a stated rate and measure what arrives.

    python benchmarks/live_pacing.py --rate 50000 --seconds 60

Runs `eventgen generate CONF --rate R --duration S` with a stdout sample whose events carry their
epoch timestamp, reads stdout as it arrives and records, per read: how many events came and how
late the oldest of them was (arrival - event timestamp). Reports the achieved rate over the
run, the worst and 99th-percentile arrival lag, and eventgen's own pacing summary.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CONF = """[bench\\.log]
outputMode = stdout
token.0.token = ^(\\S+)
token.0.replacementType = timestamp
token.0.replacement = %s.%f
token.1.token = src=(\\S+)
token.1.replacementType = random
token.1.replacement = ipv4
token.2.token = bytes=(\\d+)
token.2.replacementType = random
token.2.replacement = integer[100:99999]
"""
SAMPLE = "0 src=1.2.3.4 action=allowed bytes=1 msg=benchmark event for live pacing\n"


def measure(rate: float, seconds: float, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        conf = Path(folder) / "eventgen.conf"
        conf.write_text(CONF)
        (Path(folder) / "bench.log").write_text(SAMPLE)
        stats = Path(folder) / "stats.json"
        cmd = [
            sys.executable,
            "-m",
            "eventgen",
            "generate",
            str(conf),
            "--rate",
            str(rate),
            "--duration",
            str(seconds),
            "--status-interval",
            "0",
            "--stats-json",
            str(stats),
            "--generators",
            str(workers),
        ]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        assert proc.stdout is not None
        events = 0
        first = last = None
        lags: list[float] = []
        tail = b""
        while True:
            chunk = proc.stdout.read1(1 << 20)  # type: ignore[attr-defined]
            if not chunk:
                break
            now = time.time()
            data = tail + chunk
            cut = data.rfind(b"\n") + 1
            tail = data[cut:]
            if not cut:
                continue
            n = data.count(b"\n", 0, cut)
            oldest = float(data[: data.index(b" ")])  # the first event of the read is the oldest
            first = first if first is not None else now
            last = now
            events += n
            lags.append(now - oldest)
        err = proc.stderr.read().decode() if proc.stderr else ""
        proc.wait()
        if proc.returncode != 0:
            raise SystemExit(f"eventgen failed ({proc.returncode}):\n{err}")
        summary = json.loads(stats.read_text())
    span = (last - first) if first is not None and last is not None else 0.0
    lag = np.array(lags) if lags else np.zeros(1)
    return {
        "target_rate": rate,
        "seconds": seconds,
        "events_received": events,
        "achieved_rate_received": round(events / seconds, 1),
        "receive_span_seconds": round(span, 3),
        "worst_arrival_lag_seconds": round(float(lag.max()), 4),
        "p99_arrival_lag_seconds": round(float(np.percentile(lag, 99)), 4),
        "median_arrival_lag_seconds": round(float(np.median(lag)), 4),
        "eventgen_pacing": summary.get("pacing", {}),
        "eventgen_total": summary["total"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=50000, help="target events per second")
    parser.add_argument("--seconds", type=float, default=60, help="length of the live run")
    parser.add_argument("--generators", type=int, default=1, help="generator workers")
    parser.add_argument("--json", help="also write the result to this file")
    args = parser.parse_args()
    result = measure(args.rate, args.seconds, args.generators)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text)
    achieved = result["achieved_rate_received"]
    verdict = "OK" if abs(achieved / args.rate - 1) <= 0.05 and result["worst_arrival_lag_seconds"] < 1 else "BEHIND"
    print(
        f"{verdict}: target {args.rate:,.0f}/s, received {achieved:,.0f}/s over {args.seconds:g}s, "
        f"worst arrival lag {result['worst_arrival_lag_seconds']:.3f}s "
        f"(eventgen's own: {result['eventgen_pacing'].get('worst_lag_seconds', 'n/a')}s)",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
