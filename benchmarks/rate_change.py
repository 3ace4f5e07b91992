"""How fast a live rate change reaches a receiver: `python benchmarks/rate_change.py [--low 1000] [--high 3000]`.

For thread mode, process mode and a controller with two workers on loopback, a run to a TCP receiver (in this
process) starts at LOW events/s; after 3 s its rate is set to HIGH through `engine.rate`, after 3 s more back to
LOW. Printed per change: the rate that arrived over the second before it and over the second from 1 s after it,
and when the change took effect, from the lines of the second after it (the old rate for d seconds, then the new:
previous·d + new·(1 - d) lines).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventgen.resolve.loader import load  # noqa: E402
from eventgen.run.engine import Engine, RunOptions  # noqa: E402
from eventgen.run.wire import wire  # noqa: E402
from tests.rate_receiver import RateReceiver  # noqa: E402


def conf(folder: Path, port: int, rate: float, mode: str) -> str:
    (folder / "ids.log").write_text("rate id=@@ID\n", encoding="utf-8")
    path = folder / "eventgen.conf"
    path.write_text(
        f"[global]\nthreading = {mode}\ngeneratorWorkers = 2\n\n[ids.log]\nsampleDir = .\ninput = rate\nrate = {rate}\n"
        f"outputMode = tcpout\ntcpDestinationHost = 127.0.0.1\ntcpDestinationPort = {port}\n"
        "token.0.token = @@ID\ntoken.0.replacementType = integerid\ntoken.0.replacement = 0\n",
        encoding="utf-8",
    )
    return str(path)


def delay(receiver: RateReceiver, at: float, previous: float, target: float) -> float:
    """When the change took effect, from the second after it: previous·d + target·(1 - d) lines arrived in it."""
    return (target - receiver.lines_between(at, at + 1)) / (target - previous)


def measure(mode: str, low: float, high: float) -> None:
    receiver = RateReceiver()
    workers: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory() as folder:
        config = load(conf(Path(folder), receiver.port, low, "process" if mode == "process" else "thread"))
        remote, expect, summarize = None, 0, None
        if mode == "cluster":
            from eventgen.cluster import bundle as bundles
            from eventgen.cluster.controller import Controller
            from eventgen.cluster.local_keys import keys_dir, local_secret
            from eventgen.rpc.sockets import CurveServer, ZmqServer

            address = "tcp://127.0.0.1:5591"
            controller = Controller(
                ZmqServer(address, CurveServer(local_secret(), keys_dir())), bundles.build(config, {}, None)
            )
            remote, expect, summarize = controller.transport, 2, controller.summarize
            env = {"PYTHONPATH": str(ROOT)}
            for name in ("one", "two"):
                workers.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "eventgen", "worker", "--connect", address, "--name", name],
                        env={**__import__("os").environ, **env},
                        stderr=subprocess.DEVNULL,
                    )
                )
        engine: Engine = wire(config, RunOptions(seed=1, status_interval=0, expect_workers=expect), remote)
        thread = threading.Thread(target=engine.execute, daemon=True)
        thread.start()
        while not receiver.times:
            time.sleep(0.05)
        changes = []
        for target in (high, low):
            time.sleep(3)
            changes.append((time.time(), target))
            engine.rate.set_rate(target)
        time.sleep(3)
        engine.stop()
        thread.join(60)
        summary = engine.summary() if summarize is None else summarize(engine.summary())
        for proc in workers:
            proc.wait(30)
    receiver.close()
    previous = low
    for at, target in changes:
        before = receiver.lines_between(at - 1, at)
        after = receiver.lines_between(at + 1, at + 2)
        took = delay(receiver, at, previous, target)
        print(
            f"{mode:8} {previous:>6,.0f} -> {target:>6,.0f}/s: before {before:>6,}/s, from 1 s after {after:>6,}/s, "
            f"in effect after {abs(took):.3f}s"
        )
        previous = target
    total = summary.total
    counts = f"generated {total.generated:,} sent {total.sent:,} failed {total.failed:,}"
    print(f"{mode:8} {counts} received {receiver.lines:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--low", type=float, default=1000)
    parser.add_argument("--high", type=float, default=3000)
    parser.add_argument("--modes", default="thread,process,cluster")
    args = parser.parse_args()
    for mode in args.modes.split(","):
        measure(mode, args.low, args.high)


if __name__ == "__main__":
    main()
