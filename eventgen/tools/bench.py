"""`eventgen bench`: fixed workloads in every worker mode, next to two reference figures.

References measured in the same run: writing the same pre-rendered lines to /dev/null in batches
(the I/O ceiling) and a plain Python loop making the lines one by one with `random` and an
f-string (what a naive generator does). Memory (RSS of the run and its workers) is sampled.

In a source checkout, the `templates` workloads (benchmarks/templates_bench.py) follow: six realistic Eventum
projects, each against a plain jinja2 loop of the same templates.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

SYSLOG_SAMPLE = "Nov 23 10:00:00 host01 sshd[1234]: Accepted password for alice from 10.0.0.1 port 50000 ssh2\n"
SYSLOG_CONF = r"""
[syslog\.log]
count = {count}
end = 1
outputMode = devnull
timezone = utc
token.0.token = ^\w{{3}} \d{{2}} \d{{2}}:\d{{2}}:\d{{2}}
token.0.replacementType = timestamp
token.0.replacement = %b %d %H:%M:%S
token.1.token = sshd\[(\d+)\]
token.1.replacementType = random
token.1.replacement = integer[1000:65000]
token.2.token = for (\w+) from
token.2.replacementType = random
token.2.replacement = list["alice","bob","carol","dave","erin","frank"]
token.3.token = from (\d+\.\d+\.\d+\.\d+)
token.3.replacementType = random
token.3.replacement = ipv4
token.4.token = port (\d+)
token.4.replacementType = random
token.4.replacement = integer[1024:65535]
"""
WEB_SAMPLE = '1.2.3.4 - - [23/Nov/2026:10:00:00 +0000] "GET /index.html HTTP/1.1" 200 512 "-" "agent"\n'
WEB_CONF = r"""
[web\.log]
count = {count}
end = 1
outputMode = devnull
timezone = utc
token.0.token = ^(\d+\.\d+\.\d+\.\d+)
token.0.replacementType = random
token.0.replacement = ipv4
token.1.token = \[(\d{{2}}/\w{{3}}/\d{{4}}:\d{{2}}:\d{{2}}:\d{{2}}) \+0000\]
token.1.replacementType = timestamp
token.1.replacement = %d/%b/%Y:%H:%M:%S
token.2.token = "GET (\S+) HTTP
token.2.replacementType = file
token.2.replacement = uris.txt
token.3.token = HTTP/1\.1" (\d+)
token.3.replacementType = mvfile
token.3.replacement = codes.csv:1
token.4.token = HTTP/1\.1" \d+ (\d+)
token.4.replacementType = random
token.4.replacement = integer[100:90000]
token.5.token = "(agent)"
token.5.replacementType = mvfile
token.5.replacement = codes.csv:2
"""
CSV_SAMPLE = (
    '_raw,host,source,sourcetype,index\n"ts=0 user=u1 action=login",h1,auth,kv,main\n'
    '"ts=0 user=u2 action=logout",h2,auth,kv,main\n"ts=0 user=u3 action=read",h3,app,kv,sec\n'
)
CSV_CONF = r"""
[rows\.csv]
sampletype = csv
count = {count}
end = 1
outputMode = devnull
token.0.token = ts=(\d+)
token.0.replacementType = timestamp
token.0.replacement = %s
token.1.token = user=(\w+)
token.1.replacementType = random
token.1.replacement = list["ann","ben","cat","dan"]
"""
URIS = "\n".join(f"/shop/item/{i}?ref=home" for i in range(200)) + "\n"
CODES = "\n".join(f"{c},Mozilla/5.0 agent {i}" for i, c in enumerate([200, 200, 200, 301, 404, 500] * 5)) + "\n"

BUNDLED_WEBLOG = Path(__file__).resolve().parents[2] / "samples" / "weblog.conf"  # a checkout's 24-line sample
# a checkout's realistic template workloads (six Eventum projects against a plain jinja2 loop); not installed
TEMPLATE_BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "templates_bench.py"
TEMPLATES = "templates"

WORKLOADS = {
    "syslog-5-tokens": ({"syslog.log": SYSLOG_SAMPLE}, SYSLOG_CONF),
    "bundled-weblog": ({}, ""),  # samples/weblog.conf: 24 lines, 9 tokens, three lookup files
    "weblog-file-tokens": ({"web.log": WEB_SAMPLE, "uris.txt": URIS, "codes.csv": CODES}, WEB_CONF),
    "csv-sample": ({"rows.csv": CSV_SAMPLE}, CSV_CONF),
}
MODES = {
    "thread x1": {"threading": "thread", "queueing": "python", "generatorWorkers": "1"},
    "process x2": {"threading": "process", "queueing": "python", "generatorWorkers": "2"},
    "zeromq x2": {"threading": "process", "queueing": "zeromq", "generatorWorkers": "2"},
}


@dataclass
class Result:
    workload: str
    mode: str
    events: int
    seconds: float
    bytes: int
    rss_start_mb: float
    rss_peak_mb: float
    rss_end_mb: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def mb_per_s(self) -> float:
        return self.bytes / self.seconds / 1e6


class RssSampler:
    """Samples the RSS of this process plus its children every `period` seconds."""

    def __init__(self, period: float = 0.2):
        self.period = period
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self) -> float:
        me = psutil.Process()
        total = me.memory_info().rss
        for child in me.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return total / 2**20

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            self.samples.append(self._rss())

    def __enter__(self) -> RssSampler:
        self.samples.append(self._rss())
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(self._rss())


def _write_workload(folder: Path, name: str, count: int) -> Path:
    if name == "bundled-weblog":
        return BUNDLED_WEBLOG
    files, conf = WORKLOADS[name]
    for file_name, text in files.items():
        (folder / file_name).write_text(text)
    path = folder / f"{name}.conf"
    path.write_text(conf.format(count=count))
    return path


def _bundled_overrides(name: str, count: int) -> dict[str, str]:
    """The bundled conf as it is, but `count` events once, to devnull."""
    return {"count": str(count), "end": "1", "outputMode": "devnull"} if name == "bundled-weblog" else {}


def run_workload(name: str, mode: str, count: int, folder: Path) -> Result:
    from eventgen.resolve.loader import load
    from eventgen.run.wire import RunOptions, wire

    conf = _write_workload(folder, name, count)
    config = load(conf, {**MODES[mode], **_bundled_overrides(name, count)})
    run = wire(config, RunOptions(seed=1, status_interval=0))
    with RssSampler() as rss:
        started = time.perf_counter()
        total = run.execute().total
        seconds = time.perf_counter() - started
    if total.sent != count:
        raise RuntimeError(f"{name}/{mode}: sent {total.sent} of {count}")
    return Result(name, mode, total.sent, seconds, total.bytes, rss.samples[0], max(rss.samples), rss.samples[-1])


def render_lines(name: str, count: int, folder: Path) -> list[str]:
    """The workload's events, rendered once through the default generator (for the I/O ceiling)."""
    from eventgen.core.batch import GenerationJob
    from eventgen.plugin.base import generator_class
    from eventgen.resolve.loader import load

    config = load(_write_workload(folder, name, count), _bundled_overrides(name, count))
    sample = config.samples[0]
    generator = generator_class("default")(sample)
    now = time.time()
    return generator.generate(GenerationJob(sample.label, 0, count, now, now)).events


def io_ceiling(lines: list[str], batch: int = 10000) -> float:
    """Events/s writing pre-rendered lines to /dev/null, one joined write per batch."""
    fd = os.open(os.devnull, os.O_WRONLY)
    started = time.perf_counter()
    for start in range(0, len(lines), batch):
        os.write(fd, ("\n".join(lines[start : start + batch]) + "\n").encode())
    seconds = time.perf_counter() - started
    os.close(fd)
    return len(lines) / seconds


def plain_loop(count: int, batch: int = 10000) -> float:
    """Events/s of a naive generator: `random` + f-string per event, 5 tokens, same shape as syslog."""
    users = ["alice", "bob", "carol", "dave", "erin", "frank"]
    fd = os.open(os.devnull, os.O_WRONLY)
    started = time.perf_counter()
    rint, choice = random.randint, random.choice
    buffer: list[str] = []
    for _ in range(count):
        stamp = time.strftime("%b %d %H:%M:%S", time.gmtime(time.time() - rint(0, 60)))
        buffer.append(
            f"{stamp} host01 sshd[{rint(1000, 65000)}]: Accepted password for {choice(users)} from "
            f"{rint(0, 255)}.{rint(0, 255)}.{rint(0, 255)}.{rint(0, 255)} port {rint(1024, 65535)} ssh2"
        )
        if len(buffer) == batch:
            os.write(fd, ("\n".join(buffer) + "\n").encode())
            buffer.clear()
    if buffer:
        os.write(fd, ("\n".join(buffer) + "\n").encode())
    seconds = time.perf_counter() - started
    os.close(fd)
    return count / seconds


def _template_bench():
    """benchmarks/templates_bench.py of this checkout (its root goes on sys.path: it imports its neighbours)."""
    import importlib

    from eventgen.core.errors import EventgenError

    if not TEMPLATE_BENCH.is_file():
        raise EventgenError(
            f"eventgen bench --workload {TEMPLATES}: the template workloads come with a source checkout "
            f"({TEMPLATE_BENCH} not found)"
        )
    root = str(TEMPLATE_BENCH.parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    return importlib.import_module("benchmarks.templates_bench")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="eventgen bench", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=2_000_000, help="events per workload and mode")
    parser.add_argument(
        "--workload",
        action="append",
        choices=[*sorted(WORKLOADS), TEMPLATES],
        help=f"only these workloads; `{TEMPLATES}`: the realistic template projects of a checkout's "
        "benchmarks/templates/, each against a plain jinja2 loop (thread x1 and process x2)",
    )
    parser.add_argument("--mode", action="append", choices=sorted(MODES), help="only these modes (token workloads)")
    parser.add_argument(
        "--template-events", type=int, default=10_000, help="events per template project and run (default 10,000)"
    )
    parser.add_argument(
        "--template-repeat", type=int, default=3, help="rounds of the template workloads, best kept (default 3)"
    )
    parser.add_argument("--template-project", action="append", help="only these template projects (folder names)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")


def run(args: argparse.Namespace) -> int:
    chosen = args.workload or [*WORKLOADS, *([TEMPLATES] if TEMPLATE_BENCH.is_file() else [])]
    workloads = [w for w in chosen if w != TEMPLATES and (w != "bundled-weblog" or BUNDLED_WEBLOG.is_file())]
    data = run_tokens(args, workloads) if workloads else {}
    if TEMPLATES in chosen:
        from eventgen.core.errors import EventgenError

        templates = _template_bench()
        sys.stdout.write("\n" if workloads else "")
        names = args.template_project or templates.project_names()
        try:
            data[TEMPLATES] = templates.run(
                names, args.template_events, args.template_repeat, templates.JOB_SIZE, sys.stdout
            )
        except templates.WorkloadError as exc:
            raise EventgenError(f"eventgen bench: {exc}") from None
    if args.json:
        Path(args.json).write_text(json.dumps(data, indent=2))
    return 0


def run_tokens(args: argparse.Namespace, workloads: list[str]) -> dict:
    """The token workloads in every mode, with the plain-loop and I/O-ceiling references; the results."""
    modes = args.mode or list(MODES)
    count = args.events
    out = sys.stdout
    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="eventgen-bench-") as tmp:
        folder = Path(tmp)
        naive = plain_loop(min(count, 500_000))
        out.write(f"plain Python loop (random + f-string, syslog shape): {naive:,.0f} events/s\n\n")
        header = (
            f"{'workload':<20} {'mode':<11} {'events/s':>12} {'MB/s':>8} {'x loop':>7} {'% ceiling':>9} "
            f"{'RSS MB start/peak/end':>22}"
        )
        out.write(header + "\n")
        for name in workloads:
            ceiling = io_ceiling(render_lines(name, min(count, 1_000_000), folder))
            for mode in modes:
                result = run_workload(name, mode, count, folder)
                out.write(
                    f"{name:<20} {mode:<11} {result.rate:>12,.0f} {result.mb_per_s:>8,.1f} {result.rate / naive:>7.1f} "
                    f"{100 * result.rate / ceiling:>8.1f}% "
                    f"{result.rss_start_mb:>8.0f}/{result.rss_peak_mb:.0f}/{result.rss_end_mb:.0f}\n"
                )
                out.flush()
                results.append(
                    {
                        **result.__dict__,
                        "events_per_second": result.rate,
                        "mb_per_second": result.mb_per_s,
                        "x_plain_loop": result.rate / naive,
                        "io_ceiling_events_per_second": ceiling,
                    }
                )
            out.write(f"{name:<20} /dev/null ceiling (pre-rendered lines, batched writes): {ceiling:,.0f} events/s\n")
    return {"plain_loop_events_per_second": naive, "results": results}


if __name__ == "__main__":
    sys.exit(main())
