"""Network output benchmark: each output against its receiver's ceiling, measured in the same run.

    python benchmarks/network.py [--events N] [--only syslog|hec|kafka|modinput] [--json FILE]

1. syslog: eventgen → rsyslog over TCP (syslogout, RFC 3164 header) against syslog-ng's `loggen` → the
   same rsyslog, both counted at the receiver (lines rsyslog wrote per second).
2. HEC: eventgen → nginx answering HEC `{"text":"Success","code":0}` (token checked), `/event` and `/raw`,
   against a bare loop POSTing one pre-built body of the same size over one kept-alive connection, and
   against eventgen's own devnull rate for the same sample (the formatter and transport cost together).
3. Kafka: eventgen → tansu against a bare confluent-kafka producer loop of pre-rendered messages, both
   counted by reading the topics back (benchmarks/kafka_ceiling.py).
4. modinput (Splunk's path, a single writer) to /dev/null: process mode with 2 workers against 1 thread, with
   the CPU each uses per event (benchmarks/single_writer.py).

Every ratio is printed at the end, and written as JSON with --json.

Needs `.ci/install-receivers.sh --with-loggen` (rsyslog, nginx-light, loggen in /opt/eventgen-loggen).
Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGGEN = Path(os.environ.get("LOGGEN_DIR", "/opt/eventgen-loggen"))
TOKEN = "bench-token"
SAMPLE_LINE = (
    "2026-01-01T00:00:00.000 app[1234]: user=alice action=login status=ok src=10.1.2.3 dst=10.9.8.7 "
    'bytes=5120 duration=0.123 msg="benchmark event with a realistic length for syslog lines ok"'
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port}")


def count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


class Rsyslog:
    def __init__(self, folder: Path):
        self.folder, self.port, self.out = folder, free_port(), folder / "out.log"
        (folder / "work").mkdir(parents=True, exist_ok=True)
        self.conf = folder / "rsyslog.conf"
        self.conf.write_text(
            f'global(workDirectory="{folder / "work"}")\nmodule(load="imtcp")\n'
            'template(name="raw" type="string" string="%rawmsg%\\n")\n'
            f'input(type="imtcp" address="127.0.0.1" port="{self.port}" ruleset="keep")\n'
            f'ruleset(name="keep") {{ action(type="omfile" file="{self.out}" template="raw") }}\n'
        )

    def __enter__(self) -> Rsyslog:
        binary = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
        self.proc = subprocess.Popen([binary, "-n", "-f", str(self.conf), "-i", str(self.folder / "pid")])
        wait_port(self.port)
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(10)

    def watch(self) -> Watch:
        return Watch(self.out)


class Watch:
    """Watches the receiver's output file grow (by size, polled every 10 ms, in a thread): the rate
    is lines / (last growth - first byte), so neither side's process start-up is counted."""

    def __init__(self, path: Path):
        self.path, self.first, self.last, self.size = path, 0.0, 0.0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            size = self.path.stat().st_size if self.path.exists() else 0
            now = time.time()
            if size != self.size:
                self.first = self.first or now
                self.size, self.last = size, now
            time.sleep(0.01)

    def result(self, expected: int, timeout: float = 300) -> tuple[int, float]:
        """(lines, seconds) once `expected` lines were written or the file stopped growing for 2 s."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            time.sleep(0.5)
            if self.last and time.time() - self.last > 2:
                break
            if self.size and count_lines(self.path) >= expected:
                time.sleep(0.05)
                break
        self._stop.set()
        self._thread.join()
        return count_lines(self.path), max(self.last - self.first, 1e-3)


def eventgen(conf: Path, extra: list[str] | None = None) -> dict:
    stats = conf.parent / "stats.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "eventgen",
            str(conf),
            "--stats-json",
            str(stats),
            "--status-interval",
            "0",
            *(extra or []),
        ],
        check=False,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return json.loads(stats.read_text())


def write_conf(folder: Path, events: int, output: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench.log").write_text(SAMPLE_LINE + "\n")
    conf = folder / f"{output.split()[0]}.conf"
    conf.write_text(
        "[global]\ngeneratorWorkers = 2\nthreading = process\n\n"
        f"[bench.log]\ncount = {events}\nend = 1\nearliest = -1m\njobSize = 20000\nhost = bench-host\n"
        "token.0.token = ^\\S+\ntoken.0.replacementType = timestamp\ntoken.0.replacement = %Y-%m-%dT%H:%M:%S.%f\n"
        f"{output}\n"
    )
    return conf


def bench_syslog(folder: Path, events: int) -> None:
    base = eventgen(write_conf(folder, events, "outputMode = devnull"))["total"]
    print(f"eventgen -> devnull                 : {base['sent']:>10,} events  {base['events_per_second']:>12,.0f} ev/s")
    with Rsyslog(folder / "rs1") as rs:
        watch = rs.watch()
        run = eventgen(
            write_conf(
                folder,
                events,
                f"outputMode = syslogout\nsyslogProtocol = tcp\nsyslogAddHeader = true\n"
                f"syslogDestinationPort = {rs.port}",
            )
        )["total"]
        lines, seconds = watch.result(run["sent"])
        print(
            f"eventgen -> rsyslog TCP (sender)    : {run['sent']:>10,} events  "
            f"{run['events_per_second']:>12,.0f} ev/s  ({run['bytes'] / max(run['sent'], 1):.0f} B/event)"
        )
        print(f"eventgen -> rsyslog TCP (received)  : {lines:>10,} lines   {lines / seconds:>12,.0f} lines/s")
        RESULTS["syslog"] = {
            "devnull_per_s": base["events_per_second"],
            "eventgen_sender_per_s": run["events_per_second"],
            "eventgen_received_per_s": round(lines / seconds),
            "received": lines,
        }
    loggen = LOGGEN / "usr" / "bin" / "loggen"
    if not loggen.exists():
        print("loggen: not installed (.ci/install-receivers.sh --with-loggen)")
        return
    with Rsyslog(folder / "rs2") as rs:
        env = {
            **os.environ,
            "SYSLOGNG_PREFIX": str(LOGGEN / "usr"),
            "LD_LIBRARY_PATH": f"{LOGGEN}/usr/lib/x86_64-linux-gnu:{LOGGEN}/usr/lib/syslog-ng",
        }
        watch = rs.watch()
        proc = subprocess.run(
            [str(loggen), "-S", "-r", "10000000", "-s", "200", "-n", str(events), "-P", "127.0.0.1", str(rs.port)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        lines, seconds = watch.result(events)
        RESULTS["syslog"]["loggen_received_per_s"] = round(lines / seconds)
        RESULTS["syslog"]["ratio_eventgen_to_loggen"] = round(
            RESULTS["syslog"]["eventgen_received_per_s"] / (lines / seconds), 3
        )
        report = (proc.stderr.strip().splitlines() or [""])[-1]
        print(
            f"loggen   -> rsyslog TCP (received)  : {lines:>10,} lines   {lines / seconds:>12,.0f} lines/s"
            f"  [loggen: {report}]"
        )


NGINX_CONF = """
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {folder}/body;
  client_max_body_size 20m;
  client_body_buffer_size 2m;
  keepalive_requests 100000;
  server {{
    listen 127.0.0.1:{port};
    location /services/collector {{
      default_type application/json;
      if ($http_authorization != "Splunk {token}") {{ return 403 '{{"text":"Invalid token","code":4}}'; }}
      return 200 '{{"text":"Success","code":0}}';
    }}
  }}
}}
"""


def bare_hec(port: int, body: bytes, events_per_body: int, events: int, path: str) -> float:
    """Events/s of a loop POSTing one pre-built body over one kept-alive connection."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Splunk {TOKEN}", "Content-Type": "application/json"}
    posts = max(1, events // events_per_body)
    started = time.perf_counter()
    for _ in range(posts):
        conn.request("POST", path, body, headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"bare HEC loop: HTTP {response.status}")
    took = time.perf_counter() - started
    conn.close()
    return posts * events_per_body / took


def hec_body(endpoint: str, limit: int = 1_000_000) -> tuple[bytes, int]:
    """A body like eventgen's for the benchmark sample: (body, events in it)."""
    if endpoint == "raw":
        line = (SAMPLE_LINE + "\n").encode()
    else:
        line = (
            '{"time":1795447860.123,"host":"bench-host","source":"bench.log","sourcetype":"bench.log",'
            f'"event":{json.dumps(SAMPLE_LINE)}}}\n'
        ).encode()
    count = limit // len(line)
    return line * count, count


def bench_hec(folder: Path, events: int) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    port = free_port()
    (folder / "nginx").mkdir(parents=True, exist_ok=True)
    conf = folder / "nginx" / "nginx.conf"
    conf.write_text(NGINX_CONF.format(folder=folder / "nginx", port=port, token=TOKEN))
    proc = subprocess.Popen([nginx, "-c", str(conf), "-g", "daemon off;"])
    try:
        wait_port(port)
        servers = json.dumps({"servers": [{"protocol": "http", "address": "127.0.0.1", "port": port, "key": TOKEN}]})
        confs = {
            "devnull": write_conf(folder / "devnull", events, "outputMode = devnull"),
            **{
                endpoint: write_conf(
                    folder / endpoint,
                    events,
                    f"outputMode = httpevent\nhttpeventServers = {servers}\nhttpeventEndpoint = {endpoint}",
                )
                for endpoint in ("event", "raw")
            },
        }
        best: dict[str, dict] = {}
        for _ in range(REPEAT):  # interleaved, best of REPEAT: a loaded machine slows runs at random
            for name, conf in confs.items():
                total = eventgen(conf)["total"]
                if name not in best or total["events_per_second"] > best[name]["events_per_second"]:
                    best[name] = total
        devnull = best["devnull"]["events_per_second"]
        print(f"eventgen -> devnull                 : {devnull:>12,.0f} ev/s")
        for endpoint in ("event", "raw"):
            run = best[endpoint]
            body, per_body = hec_body(endpoint)
            ceiling = bare_hec(port, body, per_body, events, f"/services/collector/{endpoint}")
            print(
                f"eventgen -> nginx HEC /{endpoint:<5} 1 MB : {run['sent']:>10,} events  "
                f"{run['events_per_second']:>12,.0f} ev/s  failed {run['failed']}; bare POST loop "
                f"{ceiling:,.0f} ev/s"
            )
            RESULTS[f"hec_{endpoint}"] = {
                "eventgen_per_s": run["events_per_second"],
                "devnull_per_s": devnull,
                "bare_post_loop_per_s": round(ceiling),
                "ratio_to_devnull": round(run["events_per_second"] / devnull, 3),
                "ratio_to_bare_loop": round(run["events_per_second"] / ceiling, 3),
                "sent": run["sent"],
                "failed": run["failed"],
            }
    finally:
        proc.terminate()
        proc.wait(10)


def bench_modinput(folder: Path, events: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import single_writer

    RESULTS["modinput"] = single_writer.bench_modinput(folder, events, REPEAT, write_conf, eventgen)


def bench_kafka(folder: Path, events: int) -> None:
    """Both counted by reading the topics back; eventgen with 2 worker processes, as every other figure here."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import kafka_ceiling as kc

    broker, bootstrap = kc.start_tansu(folder)
    bare_rate = rate = 0.0
    read = sent = 0
    try:
        for round_ in range(REPEAT):  # interleaved, best of REPEAT
            kc.create_topic(bootstrap, f"bare{round_}", 1)
            bare_s = kc.bare(bootstrap, f"bare{round_}", events)
            bare_rate = max(bare_rate, kc.count_topic(bootstrap, f"bare{round_}", 1, events) / bare_s)
            kc.create_topic(bootstrap, f"eventgen{round_}", 2)
            _, total = kc.eventgen(bootstrap, f"eventgen{round_}", events, folder, 10000, workers=2)
            read = kc.count_topic(bootstrap, f"eventgen{round_}", 2, events)
            if read == events and total["events_per_second"] > rate:
                rate, sent = total["events_per_second"], total["sent"]
    finally:
        broker.kill()
        broker.wait(10)
    print(
        f"eventgen -> tansu (kafka)           : {read:>10,} read back  {rate:>12,.0f} ev/s; "
        f"bare producer {bare_rate:,.0f} ev/s"
    )
    RESULTS["kafka"] = {
        "eventgen_per_s": rate,
        "bare_producer_per_s": round(bare_rate),
        "read_back": read,
        "sent": sent,
        "ratio_to_bare_producer": round(rate / bare_rate, 3),
    }


RESULTS: dict[str, dict] = {}
REPEAT = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--only", choices=("syslog", "hec", "kafka", "modinput"))
    parser.add_argument("--json", metavar="FILE", help="also write the figures and ratios as JSON")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure, interleaved; the best is kept")
    args = parser.parse_args()
    global REPEAT
    REPEAT = max(1, args.repeat)
    benches = {"syslog": bench_syslog, "hec": bench_hec, "kafka": bench_kafka, "modinput": bench_modinput}
    with tempfile.TemporaryDirectory(prefix="eventgen-bench-") as tmp:
        for name, bench in benches.items():
            if args.only in (None, name):
                folder = Path(tmp) / name
                folder.mkdir()
                bench(folder, args.events)
    print(json.dumps(RESULTS, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(RESULTS, indent=2))


if __name__ == "__main__":
    main()
