"""A technology add-on that ships only a pytest-splunk-addon-data.conf (tests/corpus/psa/Splunk_TA_corvid_ngfw) run
from the command line as a load generator: every typed value parsed, `replacementType = all` multiplying events
exactly as that tool counts them (its `expected_event_count`), the framework keys understood, and the host field
set by `host_type` / `host_prefix` / `token.N.field = host` as a real HEC receiver sees it."""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT, cli, write_conf
from tests.servers import hec  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e

ADDON = ROOT / "tests" / "corpus" / "psa" / "Splunk_TA_corvid_ngfw"
NOW = "2026-03-01T12:00:00"
APPS = {"ssl", "dns", "web-browsing", "ms-office365", "bittorrent"}
TRAFFIC = re.compile(
    r"<13[24]>2026-03-01T1[12]:\d\d:\d\d corvid-fw session=(?P<session>\S+) src=(?P<src>[\d.]+):(?P<sport>\d+) "
    r"dst=(?P<dest>[\d.]+):(?P<dport>\d+) action=(?P<action>\w+) rule=(?P<rule>\S+) app=(?P<app>\S+) "
    r"dvc=(?P<dvc>\S+) mac=(?P<mac>\S+) bytes=(?P<bytes>\d+) proto=(?P<proto>\w+)"
)
AUTH = re.compile(
    r"Mar 01 1[12]:\d\d:\d\d (?P<host>\S+) authd\[2231\]: portal=(?P<portal>\S+) attempt=(?P<attempt>\d) "
    r'result=(?P<result>\w+) user="(?P<user>[^"]+)" email=(?P<email>\S+) src=(?P<src>\S+) '
    r"request=(?P<request>[0-9A-F]{12})( reason=bad_password)?"
)


def run_addon(*args: str, tmp_path: Path, app: Path = ADDON) -> tuple[list[str], dict]:
    stats = tmp_path / "stats.json"
    proc = cli(str(app), "-e", "1", "--now", NOW, "--status-interval", "0", "--stats-json", str(stats), *args)
    assert proc.returncode == 0, proc.stderr
    assert "warning" not in proc.stderr.lower() and "unknown" not in proc.stderr, proc.stderr
    summary = json.loads(stats.read_text())
    return proc.stdout.splitlines(), {r["sample"]: r["generated"] for r in summary["rows"]}


def test_the_addon_runs_unchanged_with_well_formed_values(tmp_path: Path) -> None:
    lines, generated = run_addon("--stdout", "--seed", "7", tmp_path=tmp_path)
    assert generated == {
        "Splunk_TA_corvid_ngfw:corvid_traffic.log": 6,  # its expected_event_count: 3 lines x 2 actions
        "Splunk_TA_corvid_ngfw:corvid_auth.log": 12,  # 2 lines x 3 portals x attempts 1, 2
        "Splunk_TA_corvid_ngfw:corvid_web.log": 2,
    }
    traffic = [m for m in map(TRAFFIC.fullmatch, lines) if m]  # each sample's events in order; samples interleave
    auth = [m for m in map(AUTH.fullmatch, lines) if m]
    web = [json.loads(line) for line in lines if line.startswith("{")]
    assert (len(traffic), len(auth), len(web), len(lines)) == (6, 12, 2, 20)

    assert [(m["proto"], m["action"]) for m in traffic] == [
        (proto, action) for proto in ("tcp", "udp", "icmp") for action in ("allowed", "blocked")
    ]
    for m in traffic:
        assert ipaddress.ip_address(m["src"]) in ipaddress.ip_network("10.1.0.0/16")
        assert ipaddress.ip_address(m["dest"]) in ipaddress.ip_network("10.100.0.0/16")
        assert 4000 <= int(m["sport"]) <= 5000 and m["dport"] in ("80", "443", "25", "22", "21")
        assert uuid.UUID(m["session"]).version == 4
        assert re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", m["mac"])
        assert re.fullmatch(r"dvc_sample_host(_\d+|\.sample_domain\d+\.com)", m["dvc"])
        assert m["rule"] in ("allow-web", "deny-guest", "allow-dns") and m["app"] in APPS
        assert 64 <= int(m["bytes"]) <= 65535
    assert len({m["session"] for m in traffic}) == 6

    portals = ("vpn.corvid.example", "sso.corvid.example", "admin.corvid.example")
    assert sorted((m["result"], m["portal"], m["attempt"]) for m in auth) == sorted(
        (result, portal, attempt) for result in ("success", "failure") for portal in portals for attempt in "12"
    )
    for m in auth:
        number = re.fullmatch(r"user(\d+)@email\.com", m["email"]).group(1)
        assert m["user"] in (f"user{number}", f"sample_domain.com\\user{number}", f"CN=user{number}")
        assert ipaddress.ip_address(m["src"]) in ipaddress.ip_network("fdee:1fe4:2b8c:3261::/64")
        assert re.fullmatch(r"host_sample_host\.sample_domain\d+\.com", m["host"])

    assert [event["status"] for event in web] == [200, 404]
    for event in web:
        full, referer = urlsplit(event["url"]), urlsplit(event["referer"])
        assert full.scheme in ("http", "https") and full.hostname and full.path.startswith("/") and full.query
        assert referer.scheme in ("http", "https") and referer.hostname.startswith("www.") and not referer.query
        assert event["path"].startswith("/") and "?" not in event["path"]
        assert ipaddress.ip_address(event["client"]).version == 6
        assert ipaddress.ip_address(event["device"]).version == 4
        assert re.fullmatch(r"dest_sample_host_\d+|10\.100\.\d+\.\d+", event["server"])
        assert event["time"] == 1772366400  # NOW in UTC (the dialect's timezone = 0000 default is not assumed)

    again, _ = run_addon("--stdout", "--seed", "7", tmp_path=tmp_path)
    other, _ = run_addon("--stdout", "--seed", "8", tmp_path=tmp_path)
    assert sorted(again) == sorted(lines) and sorted(other) != sorted(lines)  # samples interleave as threads run


def test_host_type_host_prefix_and_host_field_reach_hec(tmp_path: Path, hec) -> None:  # noqa: F811
    app = tmp_path / "Splunk_TA_corvid_ngfw"
    shutil.copytree(ADDON, app)
    (app / "local").mkdir()
    write_conf(
        app / "local",
        f"""
        [global]
        outputMode = httpevent
        httpeventServers = {hec.servers_json()}
        index = netfw
        """,
        name="pytest-splunk-addon-data.conf",
    )
    _, generated = run_addon("--seed", "3", tmp_path=tmp_path, app=app)
    assert sum(generated.values()) == len(hec.events) == 20
    by_type: dict[str, list[dict]] = {}
    for event in hec.events:
        by_type.setdefault(event["sourcetype"], []).append(event)
        assert event["index"] == "netfw"
    assert {e["host"] for e in by_type["corvid:ngfw:traffic"]} == {"sc4s-corvid_traffic.log"}  # plugin + prefix
    assert {e["host"] for e in by_type["corvid:ngfw:web"]} == {"corvid_web.log"}
    auth = by_type["corvid:ngfw:auth"]
    assert len(auth) == 12
    for event in auth:  # host_type = event: the host is the value of the token with field = host, in this event
        assert event["host"] == AUTH.fullmatch(event["event"])["host"]
    assert len({e["host"] for e in auth}) > 1


def data_addon(folder: Path, sample: str, text: str, conf: str) -> Path:
    """An add-on in `folder`: one sample file and a pytest-splunk-addon-data.conf in default/; the conf's path."""
    (folder / "samples").mkdir()
    (folder / "samples" / sample).write_text(text, encoding="utf-8")
    (folder / "default").mkdir()
    return write_conf(folder / "default", conf, name="pytest-splunk-addon-data.conf")


def test_bad_dialect_values_are_refused_all_at_once(tmp_path: Path) -> None:
    conf = data_addon(
        tmp_path,
        "fw.log",
        "src=##src## user=##user##\n",
        """
        [fw.log]
        host_type = sometimes
        input_type = carrier_pigeon
        token.0.token = ##src##
        token.0.replacementType = random
        token.0.replacement = src["ipv5"]
        token.1.token = ##user##
        token.1.replacementType = all
        token.1.replacement = user[name]
        """,
    )
    proc = cli("validate", str(tmp_path))
    assert proc.returncode == 2, proc.stderr
    errors = sorted(line for line in proc.stderr.splitlines() if line.startswith("eventgen: error:"))
    assert errors == [
        f"eventgen: error: {conf}: [fw.log]: host_type: 'sometimes' is not one of: plugin, event",
        f"eventgen: error: {conf}: [fw.log]: input_type: 'carrier_pigeon' is not one of: default, modinput, "
        "scripted_input, syslog_tcp, syslog_udp, file_monitor, uf_file_monitor, windows_input",
        f"eventgen: error: {conf}: [fw.log]: token.0.replacement: src[...]: unknown 'ipv5'; allowed: host, ipv4, "
        "ipv6, fqdn",
        f'eventgen: error: {conf}: [fw.log]: token.1.replacement: user[...]: \'[name]\' is not a list like ["a", "b"]',
    ]


def test_the_data_conf_named_directly_or_in_a_folder_of_apps_finds_the_addon_samples() -> None:
    proc = cli("validate", str(ADDON / "default" / "pytest-splunk-addon-data.conf"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1].endswith("pytest-splunk-addon-data.conf: OK, 3 sample(s), 0 warning(s)")
    apps = cli("validate", "--apps-dir", str(ADDON.parent))
    assert apps.returncode == 0, apps.stderr
    assert [line.split(":")[1] for line in apps.stdout.splitlines()[:-1]] == [
        "corvid_traffic.log",
        "corvid_auth.log",
        "corvid_web.log",
    ]
    assert apps.stdout.splitlines()[-1].endswith("psa: OK, 3 sample(s), 0 warning(s)")


def test_host_type_event_without_a_host_field_is_warned(tmp_path: Path) -> None:
    conf = data_addon(
        tmp_path,
        "a.log",
        "login from ##h##\n",
        """
        [a.log]
        host_type = event
        token.0.token = ##h##
        token.0.replacementType = random
        token.0.replacement = host["fqdn"]
        """,
    )
    proc = cli("validate", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [
        f"eventgen: WARNING: {conf}: [a.log] host_type: no token has token.N.field = host, so every event keeps `host`"
    ]
