"""A cluster rehearsal in network namespaces (root): what operators do to a live run, and what arrives.

    sudo python3 benchmarks/cluster_rehearsal.py [--workers 3] [--rate 20000] [--seconds 40] [--job-size 100]

Builds a private bridge (tests/netns.py: no device in this namespace, no route out) with a controller, N workers
and a TCP line receiver (tests/line_receiver.py), each in its own namespace, all with CurveZMQ keys. It runs a
live run at `--rate` for `--seconds` and, during it: SIGKILLs one worker, cuts another's link for 10 s, starts a
late joiner, and SIGTERMs one worker (scale-down). Then it prints the delivered lines per second at the
receiver, the totals, loss and duplicates by id, and the controller's summary. Every namespace and process is
removed at the end, also on Ctrl-C or an error.

Duplicates are expected and explained: a worker killed (or cut off past the liveness bound) with jobs in flight
may have written some of them already; those jobs are re-issued to other workers, so their events can arrive
twice. The summary counts each job once (`reissued` says how many were re-issued); loss must be zero.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.line_receiver import write_ids_conf  # noqa: E402
from tests.netns import Host, Lab, available  # noqa: E402

CONTROL_PORT, SINK_PORT = 5570, 9000
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def eventgen(*args: str) -> list[str]:
    return [sys.executable, "-m", "eventgen", *args]


def make_keys(folder: Path, workers: list[str]) -> Path:
    keys = folder / "keys"
    for name in ("controller", *workers):
        done = subprocess.run(eventgen("keys", "generate", "--dir", str(keys), "--name", name), env=ENV,
                              capture_output=True, text=True, timeout=60)  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"eventgen keys generate failed: {done.stderr}")
    (keys / "authorized").mkdir()
    for name in workers:
        (keys / "authorized" / f"{name}.key").write_bytes((keys / f"{name}.key").read_bytes())
    return keys


def make_conf(folder: Path, sink: Host, job_size: int) -> Path:
    return write_ids_conf(folder, sink.ip, SINK_PORT, "rehearsal id=@@ID user=alice action=login", jobSize=job_size)


class Rehearsal:
    def __init__(self, lab: Lab, folder: Path, args: argparse.Namespace):
        self.lab, self.folder, self.args = lab, folder, args
        self.names = [f"worker{i}" for i in range(1, args.workers + 1)] + ["late"]
        self.keys = make_keys(folder, self.names)
        self.hosts = {name: lab.add_host(name) for name in ("controller", "receiver", *self.names)}
        self.address = f"tcp://{self.hosts['controller'].ip}:{CONTROL_PORT}"
        self.procs: dict[str, subprocess.Popen] = {}
        self.started = 0.0
        self.timeline: list[tuple[float, str]] = []

    def log(self, name: str) -> Path:
        return self.folder / f"{name}.log"

    def spawn(self, name: str, argv: list[str], host: str | None = None) -> subprocess.Popen:
        with open(self.log(name), "w", encoding="utf-8") as handle:
            proc = self.hosts[host or name].popen(argv, cwd=self.folder, env=ENV, stdout=handle,
                                                  stderr=subprocess.STDOUT)  # fmt: skip
        self.procs[name] = proc
        return proc

    def note(self, what: str) -> None:
        at = time.monotonic() - self.started
        self.timeline.append((at, what))
        print(f"  t={at:5.1f}s  {what}", flush=True)

    def wait_for(self, check, what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}; see {self.folder}")
            time.sleep(0.1)

    def worker(self, name: str) -> None:
        secret, server = self.keys / f"{name}.key_secret", self.keys / "controller.key"
        argv = ["worker", "--connect", self.address, "--name", name, "--curve-key", str(secret), "--server-key"]
        self.spawn(name, eventgen(*argv, str(server)))

    def run(self) -> dict:
        args, sink = self.args, self.hosts["receiver"]
        report_path = self.folder / "receiver.json"
        self.spawn("receiver", [sys.executable, str(ROOT / "tests/line_receiver.py"), sink.ip, str(SINK_PORT),
                                str(report_path)])  # fmt: skip
        self.wait_for(lambda: "listening" in self.log("receiver").read_text(), "the receiver", 20)
        initial = self.names[: args.workers]
        for name in initial:
            self.worker(name)
        summary = self.folder / "summary.json"
        keys = self.keys
        self.spawn("controller", eventgen(
            "controller", str(make_conf(self.folder, sink, args.job_size)), "--bind", self.address, "--rate",
            str(args.rate), "--duration", str(args.seconds), "--expect-workers", str(args.workers),
            "--status-interval", "5", "--stats-json", str(summary), "--curve-secret-key",
            str(keys / "controller.key_secret"), "--authorized-keys", str(keys / "authorized")))  # fmt: skip
        joined = [f"worker {name} joined" for name in initial]
        self.wait_for(lambda: all(j in self.log("controller").read_text() for j in joined), "the workers to join", 90)
        self.started = time.monotonic()
        self.note(f"run started: {args.workers} workers, {args.rate:,} events/s, jobSize {args.job_size}")
        span = args.seconds
        plan = [
            (0.15 * span, "kill", "worker1"),
            (0.30 * span, "cut", "worker2"),
            (0.30 * span + 10, "plug", "worker2"),
            (0.50 * span, "join", "late"),
            (0.70 * span, "term", self.names[args.workers - 1] if args.workers >= 3 else "late"),
        ]
        for at, action, name in sorted(plan):
            time.sleep(max(0.0, self.started + at - time.monotonic()))
            if action == "kill":
                os.killpg(self.procs[name].pid, signal.SIGKILL)
                self.note(f"SIGKILL {name}")
            elif action == "cut":
                self.hosts[name].link(False)
                self.note(f"link down {name} (10 s)")
            elif action == "plug":
                self.hosts[name].link(True)
                self.note(f"link up {name}")
            elif action == "join":
                self.worker(name)
                self.note(f"late joiner {name} started")
            elif action == "term":
                os.killpg(self.procs[name].pid, signal.SIGTERM)
                self.note(f"SIGTERM {name} (scale-down)")
        code = self.procs["controller"].wait(args.seconds + 120)
        self.note(f"controller exited {code}")
        data = json.loads(summary.read_text())
        sent = data["total"]["sent"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the receiver notes its count every second
            notes = [x for x in self.log("receiver").read_text().splitlines() if x.startswith("lines=")]
            if notes and int(notes[-1][6:]) >= sent:
                break
            time.sleep(0.5)
        time.sleep(1.5)
        os.killpg(self.procs["receiver"].pid, signal.SIGTERM)
        self.procs["receiver"].wait(20)
        return {"summary": data, "receiver": json.loads(report_path.read_text()), "controller_exit": code}


def report(result: dict, folder: Path, rate: float) -> int:
    data, got = result["summary"], result["receiver"]
    total, jobs = data["total"], data["jobs"]
    print("\ndelivered per second at the receiver (lines):")
    rows = got["per_second"]
    first = rows[0][0] if rows else 0
    for second, lines in rows:
        bar = "#" * int(40 * lines / max(rate * 1.5, 1))
        print(f"  {second - first:4d}s {lines:>9,}  {bar}")
    ids = got["ids"]
    expected = total["sent"]
    lost = ids["missing"] + max(0, expected - 1 - ids["highest"])
    print(
        f"\nreceived {got['lines']:,} lines over {got['connections']} connection(s), {ids['distinct']:,} distinct ids "
        f"(highest {ids['highest']:,}); summary: {total['generated']:,} generated, {total['sent']:,} sent, "
        f"{total['failed']:,} failed"
    )
    print(f"loss (ids below the highest never received, or sent but not here): {lost:,}")
    print(
        f"duplicates: {ids['duplicates']:,} line(s) over {ids['duplicated_ids']:,} id(s); re-issued jobs: "
        f"{jobs.get('reissued', 0)} ({jobs.get('reissued_events', 0):,} events), returned (given back): "
        f"{jobs.get('returned', 0)}"
    )
    print(
        "  (a killed or cut-off worker's jobs in flight are re-issued: whatever it had already written arrives "
        "twice; the summary counts each job once)"
    )
    print(f"\ncontroller exit status {result['controller_exit']}; its summary:")
    text = (folder / "controller.log").read_text(errors="replace")
    print(text[text.rfind("eventgen summary") :].rstrip() if "eventgen summary" in text else text[-3000:])
    ok = lost == 0 and ids["duplicates"] <= jobs.get("reissued_events", 0) and total["failed"] == 0
    ok = ok and got["lines"] - ids["duplicates"] == total["sent"]
    print(f"\nverdict: {'OK' if ok else 'PROBLEM'} (no loss; duplicates within the re-issued events; totals exact)")
    return 0 if ok else 1


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM cleans up as Ctrl-C does


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=3, help="workers at the start (default 3), plus a late joiner")
    parser.add_argument("--rate", type=int, default=20000, help="events/s (default 20000)")
    parser.add_argument("--seconds", type=float, default=40, help="length of the run (default 40)")
    parser.add_argument("--job-size", type=int, default=100, help="jobSize (default 100: 200 jobs/s at 20000/s)")
    parser.add_argument("--keep", action="store_true", help="keep the logs folder")
    args = parser.parse_args()
    if args.workers < 2 or args.seconds < 20:
        parser.error("needs --workers 2 or more and --seconds 20 or more (the link stays down for 10 s)")
    if reason := available():
        print(f"cannot rehearse here: {reason}", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="eventgen-rehearsal-"))
    print(f"rehearsal in {folder}", flush=True)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with Lab() as lab:  # closes every process and namespace whatever happens
            result = Rehearsal(lab, folder, args).run()
        return report(result, folder, args.rate)
    except KeyboardInterrupt:
        print("interrupted: namespaces and processes removed", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        if not args.keep:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
