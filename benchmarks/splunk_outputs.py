"""What the outputs of issue 24 cost per batch, and splunkstream end to end against the loopback splunkd.

    python benchmarks/splunk_outputs.py [--events 10000] [--repeat 7] [--run-events 200000]

1. The worker's part (the formatter, per batch of `--events`): HEC event envelopes (for comparison), HEC metric
   envelopes (one JSON parse of the batch to check its metrics), splunkstream's lines with the receiver's query,
   counter's per-day tally. Best of `--repeat`.
2. `eventgen` with `outputMode = splunkstream` into tests/splunkd_standin.py, and with `outputMode = counter`,
   `--run-events` events in batches of 10,000: events/s as the summary reports them. The stand-in is a Python
   HTTP server: the splunkstream figure is its ceiling more than the output's.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eventgen.core.batch import EventBatch  # noqa: E402
from eventgen.format.envelopes import HecEvent  # noqa: E402
from eventgen.format.hec_metric import HecMetric  # noqa: E402
from eventgen.format.text import EventText  # noqa: E402
from eventgen.plugin import registry  # noqa: E402
from tests.conftest import cli  # noqa: E402
from tests.splunkd_standin import Splunkd  # noqa: E402


def formatters(events: int, repeat: int) -> None:
    texts = [
        json.dumps({"metric_name:cpu.idle": i * 0.5, "region": "eu-west", "cpu": str(i % 8)}) for i in range(events)
    ]
    meta = {"host": "h", "source": "s", "sourcetype": "st", "index": "m"}
    registry.load()
    made = {}
    for name in ("splunkstream", "counter"):
        plugin = registry.get("output", name)
        made[name] = plugin(plugin.config_of({"splunkHost": "127.0.0.1"} if name == "splunkstream" else {})).format
    cases = {"HecEvent": HecEvent(EventText()), "HecMetric": HecMetric(EventText()), **made}
    for name, fmt in cases.items():
        best = float("inf")
        for _ in range(repeat):
            batch = EventBatch("s", 0, list(texts), 1.7e9 + np.arange(events, dtype=float), meta)
            started = time.perf_counter()
            fmt(batch)
            best = min(best, time.perf_counter() - started)
        print(
            f"formatter {name:12s} {events} events: {best * 1000:7.1f} ms per batch,"
            f" {events / best / 1e6:5.2f} M events/s"
        )


def end_to_end(total: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "s.log").write_text(
            "".join(f"2024-01-01 00:00:0{i} host=web-0{i} GET /index.html 200\n" for i in range(5))
        )
        splunkd = Splunkd().start()
        try:
            for mode, keys in (
                (
                    "splunkstream",
                    f"splunkHost = 127.0.0.1\nsplunkPort = {splunkd.port}\nsplunkMethod = http\n"
                    f"splunkUser = {splunkd.user}\nsplunkPass = {splunkd.password}\n",
                ),
                ("counter", ""),
            ):
                conf = root / "eventgen.conf"
                conf.write_text(
                    f"[global]\njobSize = 10000\n\n[s.log]\nsampleDir = .\ncount = {total}\nend = 1\n"
                    f"outputMode = {mode}\n{keys}"
                )
                stats = root / "stats.json"
                proc = cli(str(conf), "--stats-json", str(stats), "--status-interval", "0", timeout=600)
                summary = json.loads(stats.read_text())
                row = summary["rows"][0]
                print(
                    f"run {mode:12s} {row['sent']} of {row['generated']} sent in {summary['elapsed_seconds']:.2f}s: "
                    f"{row['events_per_second']:,.0f} events/s (exit {proc.returncode})"
                )
        finally:
            splunkd.stop()
        print(f"splunkd stand-in: {len(splunkd.posted)} POSTs, {len(splunkd.events)} events, {splunkd.logins} login")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--run-events", type=int, default=200_000)
    args = parser.parse_args()
    formatters(args.events, args.repeat)
    end_to_end(args.run_events)


if __name__ == "__main__":
    main()
