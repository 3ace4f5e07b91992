"""Broken confs, each one small realistic mistake: `eventgen validate` and the run itself both exit 2 with one
`eventgen: error:` line naming the file (and the stanza and key where there is one), never a traceback.

The cases run as real `python -m eventgen` processes, several at a time, so the file stays fast."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.e2e

S = "[s\\.log]\n"  # the stanza of the sample every case has: s.log
TOKEN = S + "token.0.token = X\ntoken.0.replacementType = {rtype}\ntoken.0.replacement = {replacement}\n"
HEC = S + "outputMode = httpevent\nhttpeventServers = {servers}\n"
BINARY = bytes(range(256)) * 4


@dataclass
class Case:
    """A conf (text or bytes), extra files beside it, and what its error line must contain."""

    name: str
    conf: str | bytes
    wants: tuple[str, ...]
    files: dict[str, str | bytes] = field(default_factory=dict)
    file: str = "eventgen.conf"  # the file the line must name


def case(name: str, conf: str | bytes, *wants: str, files: dict | None = None, file: str = "eventgen.conf") -> Case:
    return Case(name, conf, wants, files or {}, file)


CASES = [
    # values of the core's settings
    case("count-word", S + "count = many\n", "[s\\.log]", "count:", "expected an integer"),
    case("count-negative", S + "count = -5\n", "[s\\.log]", "count:", "-1 (the whole sample once)"),
    case("interval-negative", S + "interval = -3\n", "interval:", "at least 0"),
    case("interval-word", S + "interval = soon\n", "interval:", "expected a number"),
    case("delay-negative", S + "delay = -1\n", "delay:", "at least 0"),
    case("end-negative", S + "end = -5\n", "end:", "-1 (never end)"),
    case("end-unreadable", S + "end = tomorrow-ish\n", "end:", "cannot read"),
    case("end-before-start", S + "end = 2001-01-01T00:00:00\n", "end:", "before the start"),
    case("backfill-future", S + "backfill = +1h\n", "backfill:", "in the future"),
    case("backfill-unreadable", S + "backfill = last week\n", "backfill:", "cannot read"),
    case("earliest-after-latest", S + "earliest = now\nlatest = -1h\n", "earliest:", "after latest = -1h"),
    case("earliest-unreadable", S + "earliest = yesterday-ish\n", "earliest:", "cannot read"),
    case("timezone", S + "timezone = Mars/Olympus\n", "timezone:", "unknown timezone"),
    case("sampletype", S + "sampletype = xml\n", "sampletype:", "raw, csv"),
    case("mode", S + "mode = loop\n", "mode:", "sample, replay"),
    case("disabled", S + "disabled = maybe\n", "disabled:", "true or false"),
    case("randomizeCount", S + "randomizeCount = -0.5\n", "randomizeCount:", "at least 0"),
    case("jobSize", S + "jobSize = 0\n", "jobSize:", "at least 1"),
    case("breaker", S + "breaker = ([\n", "breaker:", "does not compile"),
    case("timeMode", S + "timeMode = fast\n", "timeMode:", "live, sample"),
    case("outputFormat", S + "outputFormat = xml\n", "outputFormat:", "raw, json, template"),
    case("template", S + "outputFormat = template\noutputTemplate = {_raw\n", "outputTemplate:"),
    case("template-missing", S + "outputFormat = template\n", "outputTemplate"),
    case("hourOfDayRate-json", S + 'hourOfDayRate = {"0": 1,\n', "hourOfDayRate:", "invalid JSON"),
    case("hourOfDayRate-hour", S + 'hourOfDayRate = {"25": 1}\n', "hourOfDayRate:", "outside 0-23"),
    case("sampleEncoding", S + "sampleEncoding = klingon\n", "sampleEncoding:", "unknown text encoding"),
    # [global]
    case("threading", "[global]\nthreading = fibers\n" + S, "[global]", "threading:", "thread, process"),
    case("generatorWorkers", "[global]\ngeneratorWorkers = 0\n" + S, "[global]", "generatorWorkers:", "at least 1"),
    case("statusInterval", "[global]\nstatusInterval = -1\n" + S, "[global]", "statusInterval:", "at least 0"),
    case("seed", "[global]\nseed = abc\n" + S, "[global]", "seed:", "expected an integer"),
    case("queueing", "[global]\nqueueing = kafka\n" + S, "[global]", "queueing:", "python, zeromq"),
    # plugins by name
    case("output-name", S + "outputMode = carrier_pigeon\n", "outputMode:", "unknown output 'carrier_pigeon'"),
    case("generator-name", S + "generator = nope\n", "generator:", "unknown generator 'nope'"),
    case("rater-name", S + "rater = nope\n", "rater:", "unknown rater 'nope'"),
    case("input-name", S + "input = nope\n", "input:", "unknown input 'nope'"),
    # outputs' settings, ports above all
    case("tcp-port", S + "outputMode = tcpout\ntcpDestinationPort = 70000\n", "tcpDestinationPort:", "1-65535"),
    case("udp-port", S + "outputMode = udpout\nudpDestinationPort = 0\n", "udpDestinationPort:", "1-65535"),
    case("syslog-port", S + "outputMode = syslogout\nsyslogDestinationPort = http\n", "syslogDestinationPort:"),
    case("kafka-port", S + "kafkaBootstrapServers = broker:99999\n", "kafkaBootstrapServers:", "1-65535"),
    case("opensearch-port", S + "opensearchHosts = http://node:0\n", "opensearchHosts:", "1-65535"),
    case("hec-json", HEC.format(servers='{"servers": [{"address": "h"'), "httpeventServers:", "invalid JSON"),
    case(
        "hec-port",
        HEC.format(servers='{"servers": [{"address": "h", "port": 99999, "key": "k"}]}'),
        "httpeventServers:",
        "servers[0].port: a port is 1-65535, got 99999",
    ),
    case("hec-shape", HEC.format(servers='{"hosts": ["h"]}'), "httpeventServers:", 'expected {"servers"'),
    case(
        "hec-key",
        HEC.format(servers='{"servers": [{"address": "h", "port": 8088}]}'),
        "httpeventServers:",
        "lacks key",
    ),
    case("hec-none", S + "outputMode = httpevent\n", "httpeventServers", "needs httpeventServers"),
    case("file-name", S + "outputMode = file\n", "fileName:", "needs fileName"),
    # syntax
    case("before-stanza", "count = 1\n" + S, "line 1", "before any [stanza]"),
    case("not-a-line", S + "count = 1\nthis is not a setting\n", "line 3", "is not a [stanza]"),
    case("stanza-regex", "[s\\.log(]\ncount = 1\n", "[s\\.log(]", "not a valid regex"),
    case("no-stanzas", "# count = 1\n", "no sample stanza"),
    case("global-only", "[global]\nseed = 1\n", "no sample stanza"),
    case("empty-conf", "", "no sample stanza"),
    case("binary", BINARY, "not UTF-8 text"),
    case("no-sample-file", "[missing\\.log]\ncount = 1\n", "[missing\\.log]", "no sample file matches"),
    # tokens
    case("token-incomplete", S + "token.0.token = X\ntoken.0.replacementType = static\n", "token.0:", "lacks"),
    case("token-regex", TOKEN.format(rtype="static", replacement="y").replace("= X", "= (X"), "token.0.token:"),
    case("token-type", TOKEN.format(rtype="shuffle", replacement="x"), "token.0.replacementType:", "static,"),
    case("random-bounds", TOKEN.format(rtype="random", replacement="integer[9:x]"), "token.0.replacement:"),
    case("random-order", TOKEN.format(rtype="random", replacement="integer[9:1]"), "token.0.replacement:", "above"),
    case("random-list", TOKEN.format(rtype="random", replacement='list["a",'), "token.0.replacement:"),
    case("file-missing", TOKEN.format(rtype="file", replacement="nowhere.txt"), "token.0.replacement:", "not found"),
    case(
        "mvfile-column-0",
        TOKEN.format(rtype="mvfile", replacement="lookup.csv:0"),
        "token.0.replacement:",
        "numbered from 1",
    ),
    case(
        "mvfile-column-wide",
        TOKEN.format(rtype="mvfile", replacement="lookup.csv:5"),
        "token.0.replacement:",
        "token wants column 5",
    ),
    case(
        "token-file-binary",
        TOKEN.format(rtype="file", replacement="junk.bin"),
        "token.0.replacement:",
        "not UTF-8",
        files={"junk.bin": BINARY},
    ),
    case("integerid", TOKEN.format(rtype="integerid", replacement="abc"), "token.0.replacement:", "integerid"),
    case("replaytimestamp", TOKEN.format(rtype="replaytimestamp", replacement="[1,"), "token.0.replacement:"),
    case(
        "backtracking",
        S + "token.0.token = (a+)+$\ntoken.0.replacementType = static\ntoken.0.replacement = y\n",
        "token.0.token:",
        "catastrophic backtracking",
        files={"s.log": "a" * 40 + "!\n"},
    ),
    # validated at load (issue 22): numbers, zones, the breaker, outputs and their destinations
    case("timezone-range", S + "timezone = +2500\n", "timezone:", "out of range", "-2359 to +2359"),
    case("timezone-minutes", S + "timezone = -0575\n", "timezone:", "minutes 00-59"),
    case("interval-nan", S + "interval = nan\n", "interval:", "finite number"),
    case("rate-inf", S + "input = rate\nrate = inf\n", "rate:", "finite number"),
    case("json-nan", S + 'hourOfDayRate = {"0": NaN}\n', "hourOfDayRate:", "NaN is not a number"),
    case(
        "breaker-backtracking",
        S + "breaker = ^(a+)+$\n",
        "breaker:",
        "catastrophic backtracking",
        files={"s.log": "a" * 40 + "!\nb\n"},
    ),
    case("outputs-empty-entry", S + "outputMode = file,,file\nfileName = o.log\n", "outputMode:", "empty entry"),
    case("outputs-repeated", S + "outputMode = stdout, stdout\n", "outputMode:", "stdout named twice"),
    case("outputs-none", S + "outputMode =\n", "outputMode:", "names nothing"),
    case(
        "template-field",
        S + "outputFormat = template\noutputTemplate = {nosuchfield} {_raw}\n",
        "outputTemplate:",
        "unknown field {nosuchfield} (known: _raw, _time, host",
    ),
    case(
        "template-file-binary",
        S + "outputFormat = template\noutputTemplateFile = junk.bin\n",
        "outputTemplateFile:",
        "not UTF-8 text",
        files={"junk.bin": BINARY},
    ),
    case("jinja-syntax", S + "outputFormat = jinja\noutputTemplate = {{ event\n", "outputTemplate:", "Jinja syntax"),
    case(
        "format-by-name",
        S + 'outputFormatBy = {"file": {"outputFormat": "json"}}\n',
        "outputFormatBy:",
        "'file' is not an entry of outputMode",
    ),
    case("file-folder", S + "outputMode = file\nfileName = .\n", "fileName:", "is a folder"),
    case("file-proc", S + "outputMode = file\nfileName = /proc/version\n", "fileName:", "cannot be written"),
    case("spool-folder", S + "spoolFailedTo = .\n", "spoolFailedTo:", "is a folder"),
    case(
        "tcp-host", S + "outputMode = tcpout\ntcpDestinationHost = not a host!!\n", "tcpDestinationHost:", "host name"
    ),
    case("opensearch-url", S + "outputMode = opensearch\nopensearchHosts = notaurl\n", "opensearchHosts:", "http://"),
    case(
        "kafka-property",
        S + 'outputMode = kafka\nkafkaProducerConfig = {"no.such.key": 1}\n',
        "kafkaProducerConfig:",
        'No such configuration property: "no.such.key"',
    ),
    case("http-url-missing", S + "outputMode = http\n", "httpUrl:", "needs httpUrl = http://host:port/path"),
    case("http-url-port", S + "outputMode = http\nhttpUrl = http://h:99999/\n", "httpUrl:", "1-65535"),
    case(
        "syslog-tls-file",
        S + "outputMode = syslogout\nsyslogProtocol = tcp\nsyslogTls = true\nsyslogTlsCertFile = none.pem\n",
        "syslogTlsCertFile:",
        "file none.pem does not exist",
    ),
    case(
        "hec-ca-file",
        HEC.format(servers='{"servers": [{"address": "h", "port": 8088, "key": "k"}]}')
        + "httpeventCaFile = none.pem\n",
        "httpeventCaFile:",
        "does not exist",
    ),
    # sample files
    case("sample-empty", S, "[s\\.log]", "no events", files={"s.log": ""}, file="s.log"),
    case("sample-blank", S, "[s\\.log]", "no events", files={"s.log": "\n  \n\n"}, file="s.log"),
    case(
        "sample-latin1",
        S,
        "[s\\.log]",
        "sampleEncoding:",
        "byte offset 8",
        files={"s.log": b"X caf\xc3\xa9 \xe9t\xe9\n"},
        file="s.log",
    ),
    case(
        "csv-no-raw",
        "[v\\.csv]\nsampletype = csv\n",
        "[v\\.csv]",
        "needs a _raw column",
        files={"v.csv": "a,b\n1,2\n"},
        file="v.csv",
    ),
    case(
        "csv-no-rows",
        "[v\\.csv]\nsampletype = csv\n",
        "[v\\.csv]",
        "no rows",
        files={"v.csv": "_raw,host\n"},
        file="v.csv",
    ),
]


# Runs `eventgen ARGS` in each of several folders as `python -m eventgen` does (`sys.exit(main())`), each in a
# child forked from one process that imported eventgen once: the same code path, stdout and stderr captured at
# the file descriptors (so an uncaught exception's traceback is seen), at a fraction of an interpreter start.
DRIVER = r"""
import json, os, sys
from eventgen.cli import main
from eventgen.plugin.base import registry
registry.load()
jobs = json.load(sys.stdin)
width = int(sys.argv[1])
running, results = {}, {}

def start(number, job):
    pid = os.fork()
    if pid == 0:
        code = 1
        try:  # whatever happens, the child ends here: it never returns to the loop below
            os.chdir(job["cwd"])
            for fd, name in ((1, "out"), (2, "err")):
                os.dup2(os.open(os.path.join(job["cwd"], job["tag"] + "." + name), os.O_WRONLY | os.O_CREAT), fd)
            sys.stdin.close()
            code = main(job["args"])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            import traceback
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    running[pid] = number

queue = list(enumerate(jobs))
while queue or running:
    while queue and len(running) < width:
        start(*queue.pop(0))
    pid, status = os.wait()
    results[running.pop(pid)] = os.waitstatus_to_exitcode(status)
print(json.dumps([results[n] for n in range(len(jobs))]))
"""


@dataclass
class Answer:
    returncode: int
    stdout: str
    stderr: str


def run_all(jobs: list[tuple[Path, list[str], str]]) -> list[Answer]:
    """(folder, args, tag) → the answer of `eventgen ARGS` run in folder, several at a time."""
    payload = json.dumps([{"cwd": str(cwd), "args": args, "tag": tag} for cwd, args, tag in jobs])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    width = str(max(2, (os.cpu_count() or 2) * 2))
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, width], input=payload, capture_output=True, text=True, timeout=240, env=env
    )
    assert done.returncode == 0, done.stderr
    codes = json.loads(done.stdout.splitlines()[-1])
    return [
        Answer(code, (cwd / f"{tag}.out").read_text(errors="replace"), (cwd / f"{tag}.err").read_text(errors="replace"))
        for (cwd, _, tag), code in zip(jobs, codes, strict=True)
    ]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "eventgen", *args], cwd=cwd, capture_output=True, text=True, timeout=30, env=env
    )


def prepare(one: Case, tmp: Path) -> Path:
    """The case's folder: its conf, the sample s.log, a lookup.csv, and its own files."""
    folder = tmp / one.name
    folder.mkdir()
    files = {"s.log": "X one\nX two\n", "lookup.csv": "a,b\n1,2\n", **one.files}
    for name, content in files.items():
        path = folder / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content, encoding="utf-8")
    conf = folder / "eventgen.conf"
    conf.write_bytes(one.conf) if isinstance(one.conf, bytes) else conf.write_text(one.conf, encoding="utf-8")
    return folder


COMMANDS = (["validate", "eventgen.conf"], ["eventgen.conf"])  # validate, and the run itself


def problems_of(one: Case, args: list[str], result) -> list[str]:
    said = f"{one.name}: eventgen {' '.join(args)}: exit {result.returncode}, stderr {result.stderr!r}"
    errors = [line for line in result.stderr.splitlines() if line.startswith("eventgen: error:")]
    if result.returncode != 2 or len(errors) != 1 or "Traceback" in result.stderr + result.stdout:
        return [said]
    missing = [want for want in (one.file, *one.wants) if want not in errors[0]]
    return [f"{said}: lacks {missing}"] if missing else []


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 50
    assert len({c.name for c in CASES}) == len(CASES)


def test_every_broken_conf_gets_one_clear_line(tmp_path: Path) -> None:
    folders = [prepare(one, tmp_path) for one in CASES]
    jobs = [(folder, args, f"run{n}") for folder in folders for n, args in enumerate(COMMANDS)]
    answers = iter(run_all(jobs))
    found = [p for one in CASES for args in COMMANDS for p in problems_of(one, args, next(answers))]
    assert not found, "\n".join(found)


# one case of each kind also as separate `python -m eventgen` processes: the forked runs above answer the same
SPOT_CHECKS = ("count-negative", "hec-port", "binary", "mvfile-column-0", "sample-latin1", "csv-no-raw", "no-stanzas")


def test_spot_checks_as_separate_processes(tmp_path: Path) -> None:
    chosen = [one for one in CASES if one.name in SPOT_CHECKS]
    assert len(chosen) == len(SPOT_CHECKS)
    folders = {one.name: prepare(one, tmp_path) for one in chosen}
    jobs = [(one, folders[one.name], args) for one in chosen for args in COMMANDS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda job: run(job[2], job[1]), jobs))
    found = [p for (one, _, args), result in zip(jobs, results, strict=True) for p in problems_of(one, args, result)]
    assert not found, "\n".join(found)


def test_the_forked_runs_see_a_traceback(tmp_path: Path) -> None:
    """The harness itself: a plugin whose check raises gives a traceback and exit 1, and the test sees both."""
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "boom.py").write_text(
        "from eventgen.plugin import OutputPlugin\n\n\n"
        "class Boom(OutputPlugin):\n"
        '    name = "boom"\n\n'
        "    @classmethod\n"
        "    def validate(cls, sample):\n"
        '        raise RuntimeError("boom")\n'
    )
    one = case("boom", "[global]\npluginDir = plugins\n" + S + "outputMode = boom\n")
    folder = prepare(one, tmp_path)
    (folder / "plugins").symlink_to(tmp_path / "plugins")
    [answer] = run_all([(folder, ["validate", "eventgen.conf"], "run0")])
    assert answer.returncode == 1 and "Traceback" in answer.stderr and "RuntimeError: boom" in answer.stderr
    assert problems_of(one, ["validate", "eventgen.conf"], answer)
