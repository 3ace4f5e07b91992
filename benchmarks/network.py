"""Network output benchmark: is the receiver, not eventgen, the bottleneck?

    python benchmarks/network.py [--events N] [--only syslog|hec]

1. eventgen → rsyslog over TCP (syslogout, RFC 3164 header) against syslog-ng's `loggen` → the same
   rsyslog, both measured at the receiver (lines written by rsyslog per second), plus eventgen → devnull
   as the generation ceiling.
2. eventgen → nginx answering HEC `{"text":"Success","code":0}` (token checked) with 1 MB batches.

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
        stderr=subprocess.DEVNULL,
    )
    return json.loads(stats.read_text())


def write_conf(folder: Path, events: int, output: str) -> Path:
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
        for endpoint in ("event", "raw"):
            run = eventgen(
                write_conf(
                    folder,
                    events,
                    f"outputMode = httpevent\nhttpeventServers = {servers}\nhttpeventEndpoint = {endpoint}",
                )
            )["total"]
            print(
                f"eventgen -> nginx HEC /{endpoint:<5} 1 MB : {run['sent']:>10,} events  "
                f"{run['events_per_second']:>12,.0f} ev/s  failed {run['failed']}"
            )
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--only", choices=("syslog", "hec"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eventgen-bench-") as tmp:
        folder = Path(tmp)
        if args.only in (None, "syslog"):
            bench_syslog(folder, args.events)
        if args.only in (None, "hec"):
            bench_hec(folder, args.events)


if __name__ == "__main__":
    main()
