"""Every built-in plugin passes the compliance kit of its kind (`eventgen.plugin.compliance`), outputs against real
destinations on loopback; a user's plugins run the same kit from their own folder and test; and the kit fails a
plugin that breaks its kind's promises."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from eventgen.conf.sample import Sample
from eventgen.plugin import GeneratorPlugin, InputPlugin, OutputPlugin, RaterPlugin, Setting, Tick, WriteResult
from eventgen.plugin.base import registry
from eventgen.plugin.compliance import (
    ComplianceError,
    check_declarations,
    check_generator,
    check_input,
    check_output,
    check_rater,
    compliance_batch,
    settings_from,
)
from eventgen.resolve.loader import load
from tests.conftest import ROOT, write_conf
from tests.hec_receiver import HecReceiver
from tests.json_http import JsonHttpServer
from tests.servers import Osmem, Tansu
from tests.unit.splunk_output_destinations import issue24_destination, metric_batch

registry.load()
START = 1_704_067_200.0  # 2024-01-01T00:00:00Z
STAMPED = "".join(f"2024-01-01T00:0{i}:00 line {i}\n" for i in range(5))
STAMP_TOKEN = (
    "token.0.token = \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\n"
    "token.0.replacementType = timestamp\ntoken.0.replacement = %Y-%m-%dT%H:%M:%S\n"
)
PATTERN = """
label: hourly
oscillator: {period: 1, unit: hours, start: 2024-01-01T00:00:00Z, end: 2024-01-02T00:00:00Z}
multiplier: {ratio: 30}
randomizer: {deviation: 0.2, direction: mixed, sampling: 64}
spreader: {distribution: uniform, parameters: {low: 0.0, high: 1.0}}
"""

# a stanza for each built-in generator, input and rater: (settings, sample text), extra files
GENERATORS = {
    "default": (STAMP_TOKEN + "randomizeEvents = true\n", STAMPED),
    "replay": ("mode = replay\n" + STAMP_TOKEN, STAMPED),
    "perdayvolumegenerator": ("generator = perdayvolumegenerator\n" + STAMP_TOKEN, STAMPED),
    "jinja": ('generator = jinja\njinjaTemplates = {"e": {"template": "e.j2"}}\n', ""),
    "script": ("generator = script\nscriptFile = produce.py\n", ""),
}
INPUTS = {
    "interval": "count = 5\ninterval = 60\nearliest = -60s\n",
    "timer": "input = timer\ninterval = 10\ncount = 3\ntimerRepeat = 4\n",
    "rate": "input = rate\nrate = 2.5\n",
    "cron": "input = cron\ncron = */5 * * * *\ncount = 2\n",
    "linspace": "input = linspace\nlinspaceEnd = +1h\ncount = 50\n",
    "timestamps": 'input = timestamps\ntimestampsList = ["2024-01-01T00:00:05", 1704067300, "2024-01-01T00:10:00"]\n',
    "timepatterns": "input = timepatterns\ntimePatterns = hourly.yml\n",
    "replay": "mode = replay\n" + STAMP_TOKEN,
    "http": "input = http\nhttpInputPort = 0\n",
}
RATERS = {
    "config": 'count = 10\nrandomizeCount = 0.2\nhourOfDayRate = {"0": 0.5, "5": 2, "10": 0}\n',
    "perdayvolume": "perDayVolume = 0.0001\ninterval = 60\n",
}
FILES = {
    "templates/e.j2": "{{ timestamp.isoformat() }} jinja {{ [1, 2, 3] | random }}",
    "produce.py": "def produce(params):\n    return params['timestamp'].isoformat() + ' script'\n",
    "hourly.yml": PATTERN,
}


def plugins(kind: str) -> list[Any]:
    return [p for p in registry.all() if p.kind == kind and p.__module__.startswith("eventgen_plugins.")]


def sample_of(folder: Path, settings: str, text: str = "") -> Sample:
    for name, content in FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(content, encoding="utf-8")
    body = text or STAMPED
    (folder / "s.log").write_text(body, encoding="utf-8")
    write_conf(folder, f"[s\\.log]\nsampleDir = .\ntimezone = utc\noutputMode = devnull\n{settings}")
    (sample,) = load(folder / "eventgen.conf", now=START).samples
    return sample


@pytest.mark.parametrize("table", [GENERATORS, INPUTS, RATERS], ids=["generator", "input", "rater"])
def test_every_builtin_of_a_kind_has_a_stanza_here(table: dict) -> None:
    kind = {id(GENERATORS): "generator", id(INPUTS): "input", id(RATERS): "rater"}[id(table)]
    assert sorted(table) == sorted(p.name for p in plugins(kind)), "a built-in plugin is missing from this test"


@pytest.mark.parametrize("plugin", plugins("generator"), ids=lambda p: p.name)
def test_every_generator_complies(plugin: type[GeneratorPlugin], tmp_path: Path) -> None:
    settings, text = GENERATORS[plugin.name]
    sample = sample_of(tmp_path, settings, text)
    assert sample.settings["generator"] == plugin.name
    batch = check_generator(plugin, sample, count=20)
    assert len(batch) == 20 and all(isinstance(e, str) and e for e in batch.events)


@pytest.mark.parametrize("plugin", plugins("input"), ids=lambda p: p.name)
def test_every_input_complies(plugin: type[InputPlugin], tmp_path: Path) -> None:
    sample = sample_of(tmp_path, INPUTS[plugin.name])
    assert sample.settings["input"] == plugin.name
    made = check_input(plugin, sample, START, ticks=8)
    assert sum(t.count for t in made) >= (0 if plugin.on_demand else 1)


@pytest.mark.parametrize("plugin", plugins("rater"), ids=lambda p: p.name)
def test_every_rater_complies(plugin: type[RaterPlugin], tmp_path: Path) -> None:
    sample = sample_of(tmp_path, RATERS[plugin.name])
    assert sample.settings["rater"] == plugin.name
    rates = check_rater(plugin, sample)
    assert any(rates)


# -- outputs against real destinations ------------------------------------------------------------------------------


class TcpSink:
    """Takes one TCP connection on loopback and keeps every byte until the sender closes it."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.data = bytearray()
        self.thread = threading.Thread(target=self._take, daemon=True)
        self.thread.start()

    def _take(self) -> None:
        conn, _ = self.server.accept()
        with conn:
            while chunk := conn.recv(65536):
                self.data += chunk

    def lines(self) -> list[str]:
        self.thread.join(10)
        self.server.close()
        return self.data.decode().splitlines()


class UdpSink:
    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(5)
        self.port = self.sock.getsockname()[1]

    def datagrams(self, count: int) -> list[str]:
        got = []
        with contextlib.suppress(TimeoutError):
            while len(got) < count:
                got.append(self.sock.recv(65536).decode())
        self.sock.close()
        return got


class HttpSink(JsonHttpServer):
    def __init__(self) -> None:
        super().__init__()
        self.bodies: list[bytes] = []

    def answer(self, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        self.bodies.append(body)
        return 201, {}


Destination = tuple[dict[str, str], Callable[[], Sequence[str]] | None]
N = len(compliance_batch().events)


def destination(name: str, folder: Path, stack: contextlib.ExitStack, capfd: Any) -> Destination:
    """The settings (as conf text) that point output `name` at a real destination, and how to read it back."""
    if name in ("devnull", "counter"):
        return {}, None
    if name == "stdout":
        return {}, lambda: capfd.readouterr().out.splitlines()
    if name == "modinput":
        return {}, lambda: capfd.readouterr().out.split("<event")[1:]
    if name == "file":
        return {"fileName": str(folder / "out.log")}, lambda: (folder / "out.log").read_text().splitlines()
    if name == "spool":
        return {"spoolDir": str(folder / "spool")}, lambda: (folder / "spool" / "compliance").read_text().splitlines()
    if name == "tcpout":
        tcp = TcpSink()
        return {"tcpDestinationPort": str(tcp.port)}, tcp.lines
    if name in ("udpout", "syslogout"):
        udp = UdpSink()
        return {f"{name.removesuffix('out')}DestinationPort": str(udp.port)}, lambda: udp.datagrams(N)
    if name == "http":
        web = HttpSink().start()
        stack.callback(web.stop)
        return {"httpUrl": f"http://127.0.0.1:{web.port}/in"}, lambda: b"".join(web.bodies).decode().splitlines()
    if name == "httpevent":
        hec = HecReceiver().start()
        stack.callback(hec.stop)
        return {"httpeventServers": hec.servers_json()}, lambda: [e["event"] for e in hec.events]
    if name == "opensearch":
        node = Osmem(folder).start()
        stack.callback(node.stop)
        found = lambda: [d["_raw"] for d in node.documents("compliance")]  # noqa: E731
        return {"opensearchHosts": node.url, "opensearchIndex": "compliance"}, found
    if name == "kafka":
        broker = Tansu(folder).start()
        stack.callback(broker.stop)
        broker.create_topic("compliance")
        read = lambda: [r.value.decode() for r in broker.read("compliance", N)]  # noqa: E731
        return {"kafkaBootstrapServers": broker.bootstrap, "kafkaTopic": "compliance"}, read
    if name == "clickhouse":
        from tests.clickhouse_server import ClickHouseServer

        server = ClickHouseServer().start()
        stack.callback(server.stop)
        server.query("CREATE TABLE default.ev (raw String) ENGINE = MergeTree ORDER BY tuple()")
        rows = lambda: [r["raw"] for r in server.rows("SELECT raw FROM default.ev")]  # noqa: E731
        return {"clickhousePort": str(server.port), "clickhouseTable": "ev", "clickhouseInputFormat": "TSV"}, rows
    if name in ("splunkstream", "metric_httpevent", "awss3"):
        return issue24_destination(name, folder, stack)
    raise AssertionError(f"output {name}: this test names no destination for it")


@pytest.mark.parametrize("plugin", plugins("output"), ids=lambda p: p.name)
def test_every_output_complies_against_a_real_destination(
    plugin: type[OutputPlugin], tmp_path: Path, capfd: Any
) -> None:
    with contextlib.ExitStack() as stack:
        raw, read_back = destination(plugin.name, tmp_path, stack, capfd)
        batch = metric_batch() if plugin.name == "metric_httpevent" else None
        delivery = check_output(plugin, settings_from(plugin, raw), read_back, batch)
    assert (delivery.sent, delivery.failed, delivery.error) == (N, 0, "")


# -- a user's plugins, with the user's own test ---------------------------------------------------------------------

USER_PLUGINS = {
    "output/shout.py": """
        from pathlib import Path
        from eventgen.plugin import OutputPlugin, PathKind, Setting, WriteResult

        class ShoutOutput(OutputPlugin):
            name = "shout"
            summary = "Upper-cased events appended to a file."
            settings = (Setting("shoutFile", default="shout.log", doc="File to append to.", path=PathKind.OUTPUT),)

            def open(self):
                self.handle = open(self.config.shoutFile, "ab")

            def write(self, payload):
                self.handle.write(bytes(payload.data).upper())
                return WriteResult(bytes=len(payload.data))

            def close(self):
                self.handle.close()
    """,
    "generator/echo.py": """
        from eventgen.plugin import EventBatch, GeneratorPlugin, Setting

        class EchoGenerator(GeneratorPlugin):
            name = "echo"
            summary = "The same word at every time."
            needs_sample_file = False
            uses_core = ("host",)
            settings = (Setting("echoWord", default="hello", doc="The word."),)

            @classmethod
            def exact_count(cls, sample):
                return True

            def generate(self, job):
                times = job.rng(1).uniform(job.earliest, job.latest, job.count)
                texts = [f"{self.config.echoWord} from {self.config.host}"] * job.count
                return EventBatch(job.sample, job.seq, texts, times)
    """,
    "input/every.py": """
        import numpy as np
        from eventgen.plugin import InputPlugin, Setting, Tick, at_least, parse_float

        class EveryInput(InputPlugin):
            name = "every"
            summary = "`count` events every `everySeconds`."
            uses_core = ("count",)
            settings = (Setting("everySeconds", at_least(parse_float, 0.001), "5", "Seconds between ticks."),)

            def ticks(self, start, rng):
                k = 0
                while True:
                    when = start + k * self.config.everySeconds
                    yield Tick(when, self.config.count, when, when)
                    k += 1
    """,
    "rater/double.py": """
        from eventgen.plugin import RaterPlugin

        class DoubleRater(RaterPlugin):
            name = "double"
            summary = "Twice the count."
            uses_core = ("count",)

            def rate(self, count, when, rng):
                return 2 * count
    """,
}
USER_TEST = """
    from pathlib import Path

    from eventgen.resolve.loader import load
    from eventgen.plugin import registry
    from eventgen.plugin.compliance import check_generator, check_input, check_output, check_rater, settings_from

    HERE = Path(__file__).parent
    registry.load([HERE / "myplugins"])


    def sample():
        return load(HERE / "eventgen.conf", now=1704067200.0).samples[0]


    def test_generator():
        assert check_generator(registry.get("generator", "echo"), sample()).events[0] == "hi from web-1"


    def test_input():
        assert [t.time for t in check_input(registry.get("input", "every"), sample(), 1704067200.0, 3)] == [
            1704067200.0, 1704067202.0, 1704067204.0]


    def test_rater():
        assert check_rater(registry.get("rater", "double"), sample(), counts=(3,))[0] == 6


    def test_output(tmp_path):
        shout = registry.get("output", "shout")
        read = lambda: (tmp_path / "s.log").read_text().splitlines()
        settings = settings_from(shout, {"shoutFile": str(tmp_path / "s.log")})
        check_output(shout, settings, lambda: [t.lower() for t in read()])
"""


def test_a_users_plugins_run_the_kit_in_the_users_own_test(tmp_path: Path) -> None:
    for name, text in USER_PLUGINS.items():
        (tmp_path / "myplugins" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "myplugins" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    write_conf(
        tmp_path,
        """
        [global]
        pluginDir = myplugins

        [web]
        generator = echo
        input = every
        rater = double
        echoWord = hi
        everySeconds = 2
        count = 3
        host = web-1
        outputMode = shout
        """,
    )
    (tmp_path / "test_mine.py").write_text(textwrap.dedent(USER_TEST), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_mine.py"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout


# -- the kit fails what breaks a promise ----------------------------------------------------------------------------


def nameless(cls: type, name: str) -> type:
    """`cls` named after it was made: a test plugin kept out of the registry."""
    cls.name = name
    return cls


def test_the_kit_refuses_undocumented_settings_and_defaults_that_do_not_parse() -> None:
    class Quiet(OutputPlugin):
        summary = "x"
        settings = (Setting("quietLevel", default="3"),)

        def write(self, payload: Any) -> None:
            return None

    with pytest.raises(ComplianceError, match="output quiet: setting quietLevel has no doc"):
        check_declarations(nameless(Quiet, "quiet"))

    class Broken(OutputPlugin):  # made without a name: never registered
        summary = "x"
        settings = (Setting("brokenPort", default="lots", doc="a port", parse=lambda text: int(text)),)

        def write(self, payload: Any) -> None:
            return None

    with pytest.raises(ComplianceError, match="output broken: the default of brokenPort does not parse: invalid"):
        check_declarations(nameless(Broken, "broken"))


def test_the_kit_refuses_an_output_that_loses_events_or_misreports(tmp_path: Path) -> None:
    class Lossy(OutputPlugin):
        summary = "Keeps all but the last event."
        settings = (Setting("lossyFile", default="lossy.log", doc="File."),)

        def write(self, payload: Any) -> WriteResult:
            lines = bytes(payload.data).splitlines(keepends=True)
            with open(self.config.lossyFile, "ab") as handle:
                handle.write(b"".join(lines[:-1]))
            return WriteResult()

    lossy = nameless(Lossy, "lossy")
    path = tmp_path / "lossy.log"
    with pytest.raises(ComplianceError, match=f"output lossy: the destination holds {N - 1} event"):
        check_output(lossy, settings_from(lossy, {"lossyFile": str(path)}), lambda: path.read_text().splitlines())


def test_the_kit_refuses_ticks_out_of_order_and_rates_that_are_not_counts(tmp_path: Path) -> None:
    class Backwards(InputPlugin):
        summary = "Ticks that go back in time."

        def ticks(self, start: float, rng: np.random.Generator) -> Iterator[Tick]:
            yield from (Tick(start - k, 1, start - k, start - k) for k in range(3))

    class Halves(RaterPlugin):
        summary = "Half a count."

        def rate(self, count: int, when: float, rng: np.random.Generator) -> int:
            return count / 2  # type: ignore[return-value]

    sample = sample_of(tmp_path, "")
    with pytest.raises(ComplianceError, match=r"input backwards: tick 1 at \S+ comes before the one at"):
        check_input(nameless(Backwards, "backwards"), sample, START)
    with pytest.raises(ComplianceError, match=r"rater halves: rate\(0, \S+\) is 0.0, not an integer >= 0"):
        check_rater(nameless(Halves, "halves"), sample)


def test_the_kit_refuses_a_generator_that_is_not_deterministic(tmp_path: Path) -> None:
    class Clock(GeneratorPlugin):
        summary = "The wall clock's nanoseconds."
        made = 0

        def generate(self, job: Any) -> Any:
            from eventgen.plugin import EventBatch

            type(self).made += 1
            texts = [f"call {type(self).made} event {i}" for i in range(job.count)]
            return EventBatch(job.sample, job.seq, texts, np.full(job.count, job.earliest))

    with pytest.raises(ComplianceError, match="generator clock: a fresh instance made other events"):
        check_generator(nameless(Clock, "clock"), sample_of(tmp_path, ""))


def test_settings_from_parses_as_the_conf_does_and_names_strangers() -> None:
    tcp = registry.get("output", "tcpout")
    assert settings_from(tcp, {"tcpDestinationPort": "9", "outputRetries": "2"}) == {
        "tcpDestinationPort": 9,
        "outputRetries": 2,
    }
    with pytest.raises(ComplianceError, match="output tcpout: declares no setting fileName"):
        settings_from(tcp, {"fileName": "x"})
    assert json.loads(json.dumps(settings_from(tcp, {}))) == {}
