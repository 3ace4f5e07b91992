"""splunkstream against a loopback splunkd (tests/splunkd_standin.py): it logs in, posts each batch's raw events to
/services/receivers/simple with their metadata in the query, and a wrong password is one clear line."""

from __future__ import annotations

import json
import shutil
import time

import pytest

from tests.conftest import ROOT, cli, free_port, write_conf
from tests.integration.helpers import row, run
from tests.splunkd_standin import Splunkd

pytestmark = pytest.mark.integration

LINES = ["alpha one", "beta two", "gamma three"]
SAMPLE = "".join(f"{line}\n" for line in LINES)
ADDON = ROOT / "tests" / "corpus" / "TA-demo-stream"


@pytest.fixture
def splunkd():
    server = Splunkd().start()
    yield server
    server.stop()


def conf(splunkd: Splunkd, password: str, extra: str = "", stanza: str = "s.log", count: int = 6) -> str:
    return f"""
        [{stanza}]
        count = {count}
        interval = 1
        end = 2
        outputMode = splunkstream
        splunkHost = 127.0.0.1
        splunkPort = {splunkd.port}
        splunkMethod = http
        splunkUser = {splunkd.user}
        splunkPass = {password}
        index = web
        source = /var/log/s.log
        sourcetype = demo:s
        host = web-01
        {extra}
        """


def test_events_and_metadata_read_back(tmp_path, splunkd):
    proc, summary = run(tmp_path, conf(splunkd, splunkd.password, "hostRegex = ^(\\w+)"), sample=SAMPLE)
    assert proc.returncode == 0, proc.stderr
    counts = row(summary, "splunkstream")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (12, 12, 0)
    assert splunkd.events == LINES * 4
    assert [p.query for p in splunkd.posted] == [
        {"index": "web", "source": "/var/log/s.log", "sourcetype": "demo:s", "host": "web-01", "host_regex": "^(\\w+)"}
    ] * 2  # one POST per batch
    assert counts["bytes"] == sum(len(p.body) for p in splunkd.posted) == len(SAMPLE.encode()) * 4
    assert (splunkd.logins, splunkd.refused_posts) == (1, 0)


def test_wrong_password_is_one_line_and_every_event_failed(tmp_path, splunkd):
    secret = "Wr0ng-s3cret-pass"
    proc, summary = run(tmp_path, conf(splunkd, secret), "-v", sample=SAMPLE)
    assert proc.returncode == 1
    counts = row(summary, "splunkstream")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (12, 0, 12)
    lines = [line for line in proc.stderr.splitlines() if "refused the login" in line]
    assert len(lines) == 1, proc.stderr
    assert f"splunkd http://127.0.0.1:{splunkd.port} refused the login of user 'admin' (HTTP 401)" in lines[0]
    assert "check splunkUser and splunkPass" in lines[0]
    assert "Traceback" not in proc.stderr
    assert splunkd.refused_logins == 2 and splunkd.posted == []  # one try per batch: a wrong password is not retried
    shown = proc.stdout + proc.stderr + json.dumps(summary)
    assert secret not in shown and "Wr0ng" not in shown


def test_per_event_metadata_goes_in_one_post_per_run(tmp_path, splunkd):
    sample = "_raw,host,sourcetype\nfirst,h1,st1\nsecond,h1,st1\nthird,h2,st2\n"
    proc, summary = run(
        tmp_path,
        conf(splunkd, splunkd.password, "sampletype = csv", stanza="s.csv", count=3),
        sample=sample,
        name="s.csv",
    )
    assert proc.returncode == 0, proc.stderr
    assert row(summary, "splunkstream")["sent"] == 6
    assert [(p.query["host"], p.query["sourcetype"], p.events) for p in splunkd.posted] == [
        ("h1", "st1", ["first", "second"]),
        ("h2", "st2", ["third"]),
    ] * 2
    assert {p.query["index"] for p in splunkd.posted} == {"web"}


def test_a_dead_splunkd_is_given_up_within_the_bound(tmp_path):
    dead = Splunkd(port=free_port())  # never started: the port refuses
    started = time.monotonic()
    proc, summary = run(
        tmp_path,
        conf(dead, dead.password, "outputGiveUpSeconds = 2\noutputGiveUpBatches = 100"),
        sample=SAMPLE,
    )
    elapsed = time.monotonic() - started
    counts = row(summary, "splunkstream")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (12, 0, 12)
    assert proc.returncode == 1 and "ConnectionRefusedError" in proc.stderr
    assert elapsed < 2 + 15, elapsed  # the bound, plus starting the interpreter on a loaded box


def test_the_demo_addon_streams_into_splunkd(tmp_path, splunkd):
    """A Splunk add-on as shipped (splunk* keys in [global], https to 8089) with the site's local/eventgen.conf
    pointing it at this splunkd."""
    app = tmp_path / "TA-demo-stream"
    shutil.copytree(ADDON, app)
    (app / "local").mkdir()
    (app / "local" / "eventgen.conf").write_text(
        f"[global]\nsplunkPort = {splunkd.port}\nsplunkMethod = http\nsplunkPass = {splunkd.password}\n"
    )
    stats = tmp_path / "stats.json"
    proc = cli(str(app), "--stats-json", str(stats), "--status-interval", "0")
    assert proc.returncode == 0, proc.stderr
    rows = {r["sample"]: r for r in json.loads(stats.read_text())["rows"]}
    assert {name: (r["generated"], r["sent"], r["failed"]) for name, r in rows.items()} == {
        "TA-demo-stream:demo_fw.log": (6, 6, 0),
        "TA-demo-stream:demo_proxy.csv": (3, 3, 0),
    }
    fw = [p for p in splunkd.posted if p.query["sourcetype"] == "demo:firewall"]
    assert [p.query for p in fw] == [
        {
            "index": "demo_net",
            "source": "/var/log/demo/fw.log",
            "sourcetype": "demo:firewall",
            "host": "fw-edge-01",
            "host_regex": "src=(\\S+)",
        }
    ]
    sample = (ADDON / "samples" / "demo_fw.log").read_text().splitlines()
    strip = lambda e: " ".join(w for w in e.split()[2:] if not w.startswith("bytes="))  # noqa: E731
    assert [strip(e) for e in fw[0].events] == [strip(e) for e in sample] * 2
    proxy = [(p.query["host"], len(p.events)) for p in splunkd.posted if p.query["sourcetype"] == "demo:proxy"]
    assert proxy == [("proxy-01", 2), ("proxy-02", 1)]
    assert {p.query["index"] for p in splunkd.posted if p.query["sourcetype"] == "demo:proxy"} == {"demo_web"}
    assert splunkd.logins == 2  # one session per output instance (hostRegex makes the firewall's its own)


def test_validate_lists_every_problem_of_the_stanza(tmp_path):
    (tmp_path / "s.log").write_text(SAMPLE)
    path = write_conf(
        tmp_path, '[s.log]\noutputMode = splunkstream\nsplunkHost = ["idx1", "idx 2"]\nsplunkMethod = ftp\n'
    )
    proc = cli("validate", str(path))
    assert proc.returncode == 2
    prefix = f"eventgen: error: {path}: [s.log]:"
    assert proc.stderr.splitlines() == [
        f"{prefix} splunkHost: 'idx 2' is not a host name (letters, digits, '-', '_' and dots) or an IP address",
        f"{prefix} splunkMethod: 'ftp' is not one of: http, https",
        f"{prefix} splunkUser: outputMode = splunkstream needs splunkUser (the user to log in as)",
        f"{prefix} splunkPass: outputMode = splunkstream needs splunkPass (that user's password)",
    ]


def test_process_mode_sends_every_event_once(tmp_path, splunkd):
    proc, summary = run(tmp_path, conf(splunkd, splunkd.password), "--multiprocess", "--generators", "2", sample=SAMPLE)
    assert proc.returncode == 0, proc.stderr
    counts = row(summary, "splunkstream")
    assert (counts["generated"], counts["sent"], counts["failed"], counts["resent"]) == (12, 12, 0, 0)
    assert sorted(splunkd.events) == sorted(LINES * 4)
    assert len(splunkd.posted) == 2 and splunkd.refused_posts == 0
