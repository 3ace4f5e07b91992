"""eventgen as a Splunk app: the built SA-Eventgen package, AppInspect, and its modular input run as Splunk runs it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from eventgen import __version__
from eventgen.conf.syntax import read_conf
from eventgen.plugin.base import registry
from tests.conftest import ROOT, cli, write_conf

pytestmark = pytest.mark.e2e

PACKAGE = f"sa_eventgen-{__version__}.spl"
PARAMS = ["apps_dir", "conf", "sample", "seed", "python"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`eventgen build --mode splunk-app --destination DIR`; returns DIR."""
    dest = tmp_path_factory.mktemp("build")
    result = cli("build", "--mode", "splunk-app", "--destination", str(dest))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"app: {dest / 'SA-Eventgen'}", f"package: {dest / PACKAGE}"]
    return dest


@pytest.fixture
def splunk_home(built: Path, tmp_path: Path) -> Path:
    """A $SPLUNK_HOME with the package installed (extracted) and one app shipping an eventgen.conf."""
    home = tmp_path / "splunk"
    apps = home / "etc" / "apps"
    apps.mkdir(parents=True)
    with tarfile.open(built / PACKAGE) as tar:
        tar.extractall(apps, filter="data")
    app = apps / "demo_app"
    for folder in ("default", "local", "samples"):
        (app / folder).mkdir(parents=True)
    write_conf(
        app / "default",
        """
        [web\\.log]
        count = 4
        end = 1
        index = web
        sourcetype = demo:web
        host = demo-host
        token.0.token = @USER@
        token.0.replacementType = file
        token.0.replacement = $SPLUNK_HOME/etc/apps/demo_app/samples/users.txt

        [plain\\.log]
        end = 1
        outputMode = devnull
    """,
    )
    write_conf(app / "local", "[web\\.log]\ncount = 5\n")
    (app / "samples" / "web.log").write_text("GET /cart user=@USER@ <ok> & done\n")
    (app / "samples" / "users.txt").write_text("alice\n")
    (app / "samples" / "plain.log").write_text("p1\np2\n")
    return home


def launcher(home: Path) -> Path:
    return home / "etc" / "apps" / "SA-Eventgen" / "bin" / "modinput_eventgen.py"


def run_launcher(home: Path, *args: str, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the modular input as splunkd does: its own Python, SPLUNK_HOME set, config XML on stdin."""
    full_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    full_env.update({"SPLUNK_HOME": str(home), **(env or {})})
    return subprocess.run(
        [sys.executable, str(launcher(home)), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=full_env,
        cwd=home,
    )


def input_xml(home: Path, **params: str) -> str:
    items = "".join(f'<param name="{k}">{v}</param>' for k, v in params.items())
    return (
        f"<input><server_host>sh1</server_host><server_uri>https://127.0.0.1:8089</server_uri>"
        f"<session_key>k</session_key><checkpoint_dir>{home}/var/lib/splunk/modinputs/modinput_eventgen"
        f'</checkpoint_dir><configuration><stanza name="modinput_eventgen://demo">{items}</stanza>'
        "</configuration></input>"
    )


def items_xml(**params: str) -> str:
    items = "".join(f'<param name="{k}">{v}</param>' for k, v in params.items())
    return (
        f"<items><server_host>sh1</server_host><server_uri>https://127.0.0.1:8089</server_uri>"
        f"<session_key>k</session_key><checkpoint_dir>/tmp</checkpoint_dir>"
        f'<item name="demo">{items}</item></items>'
    )


def appinspect_cli() -> str:
    """`splunk-appinspect`: $APPINSPECT, on PATH, or installed by .ci/install-appinspect.sh (its own venv)."""
    found = os.environ.get("APPINSPECT") or shutil.which("splunk-appinspect")
    if found:
        return found
    result = subprocess.run(
        ["bash", str(ROOT / ".ci" / "install-appinspect.sh")], capture_output=True, text=True, timeout=900
    )
    if result.returncode != 0:
        pytest.fail(
            "splunk-appinspect (PyPI) could not be installed by .ci/install-appinspect.sh:\n" + result.stderr[-3000:]
        )
    return result.stdout.strip().splitlines()[-1]


def test_package_layout(built: Path) -> None:
    with tarfile.open(built / PACKAGE) as tar:
        names = set(tar.getnames())
    for member in (
        "default/app.conf",
        "default/inputs.conf",
        "default/eventgen.conf",
        "README/inputs.conf.spec",
        "metadata/default.meta",
        "bin/modinput_eventgen.py",
        "bin/lib/eventgen/__init__.py",
        "bin/lib/eventgen/run/engine.py",
        "bin/lib/eventgen_plugins/output/modinput.py",
        "bin/lib/eventgen_plugins/generator/default.py",
    ):
        assert f"SA-Eventgen/{member}" in names
    assert all(n == "SA-Eventgen" or n.startswith("SA-Eventgen/") for n in names)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [
        n
        for n in names
        if n.startswith(("SA-Eventgen/bin/lib/eventgen/tools/studio", "SA-Eventgen/bin/lib/eventgen/tools/bench"))
    ]
    app = built / "SA-Eventgen"
    conf = read_conf(app / "default" / "app.conf")
    assert conf["package"]["id"] == "SA-Eventgen"
    assert conf["launcher"]["version"] == __version__
    assert conf["ui"]["is_visible"] == "false"
    assert read_conf(app / "default" / "inputs.conf")["modinput_eventgen://default"]["disabled"] == "true"
    spec = (app / "README" / "inputs.conf.spec").read_text()
    assert spec.startswith("[modinput_eventgen://<name>]\n")
    assert [line.split(" = ")[0] for line in spec.splitlines() if " = <" in line] == PARAMS
    globals_ = read_conf(app / "default" / "eventgen.conf")["global"]
    assert (globals_["outputMode"], globals_["statusInterval"]) == ("modinput", "0")


def test_package_passes_appinspect(built: Path, tmp_path: Path) -> None:
    report = tmp_path / "appinspect.json"
    result = subprocess.run(
        [
            appinspect_cli(),
            "inspect",
            str(built / PACKAGE),
            "--mode",
            "precert",
            "--data-format",
            "json",
            "--output-file",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads(report.read_text())
    problems = [
        (check["name"], [m.get("message", "")[:200] for m in check.get("messages", [])])
        for rep in data["reports"]
        for group in rep["groups"]
        for check in group["checks"]
        if check["result"] in ("failure", "error")
    ]
    assert problems == []
    assert (data["summary"]["failure"], data["summary"]["error"]) == (0, 0)


def test_scheme_is_valid_xml(splunk_home: Path) -> None:
    result = run_launcher(splunk_home, "--scheme")
    assert result.returncode == 0, result.stderr
    scheme = ET.fromstring(result.stdout)
    assert scheme.tag == "scheme"
    assert scheme.findtext("title") == "Eventgen"
    assert scheme.findtext("streaming_mode") == "xml"
    assert scheme.findtext("use_external_validation") == "true"
    assert scheme.findtext("use_single_instance") == "false"
    args = scheme.findall("endpoint/args/arg")
    assert [a.get("name") for a in args] == PARAMS
    assert [a.findtext("data_type") for a in args] == ["string", "string", "string", "number", "string"]
    assert {a.findtext("required_on_create") for a in args} == {"false"}


def test_validate_arguments(splunk_home: Path) -> None:
    ok = run_launcher(splunk_home, "--validate-arguments", stdin=items_xml(sample="web.*", seed="3"))
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "", "")
    bad = run_launcher(
        splunk_home,
        "--validate-arguments",
        stdin=items_xml(conf="no_such_app", sample="(", seed="x", python="/no/python"),
    )
    assert bad.returncode == 1
    message = ET.fromstring(bad.stdout)
    assert message.tag == "error"
    assert message.findtext("message") == "; ".join(
        [
            f"conf: {splunk_home / 'etc' / 'apps' / 'no_such_app'} does not exist",
            "sample: not a valid regex (missing ), unterminated subpattern at position 0)",
            "seed: 'x' is not an integer",
            "python: /no/python not found",
        ]
    )


def test_modular_input_runs_the_bundled_eventgen(splunk_home: Path) -> None:
    lib = splunk_home / "etc" / "apps" / "SA-Eventgen" / "bin" / "lib"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "import eventgen, eventgen_plugins; print(eventgen.__file__); print(eventgen_plugins.__file__)",
        ],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": str(lib)},
        cwd=splunk_home,
    )
    assert found.stdout.splitlines() == [
        str(lib / "eventgen" / "__init__.py"),
        str(lib / "eventgen_plugins" / "__init__.py"),
    ]


def test_modular_input_run_streams_xml_events(splunk_home: Path) -> None:
    result = run_launcher(splunk_home, stdin=input_xml(splunk_home, seed="11"))
    assert result.returncode == 0, result.stderr
    stream = ET.fromstring(result.stdout)
    assert stream.tag == "stream"
    events = stream.findall("event")
    assert len(events) == 5  # local/ count = 5 over default/ count = 4; plain.log goes to devnull
    for event in events:
        assert [child.tag for child in event] == ["time", "index", "source", "sourcetype", "host", "data"]
        assert (
            event.findtext("index"),
            event.findtext("source"),
            event.findtext("sourcetype"),
            event.findtext("host"),
        ) == ("web", "web.log", "demo:web", "demo-host")
        assert event.findtext("data") == "GET /cart user=alice <ok> & done"
        assert float(event.findtext("time")) > 1.7e9
    assert result.stderr == ""  # splunkd logs each stderr line as an error: no warnings, no summary


def test_bundled_defaults_name_only_settings_of_the_plugins_shipped(splunk_home: Path) -> None:
    app = splunk_home / "etc" / "apps" / "SA-Eventgen"
    text = (app / "default" / "eventgen.conf").read_text()
    assert "outputMode = modinput" in text and "statusInterval = 0" in text
    keys = set(re.findall(r"^#? ?(\w+) =", text, re.M))
    left_out = [cls for cls in registry.all() if "udp" in cls.uses]
    assert {cls.name for cls in left_out} >= {"syslogout", "udpout"}
    assert not keys & {s.name for cls in left_out for s in cls.settings}
    shipped_keys = {s.name for cls in registry.all() if cls not in left_out for s in cls.settings}
    assert {"fileName", "httpeventServers"} <= shipped_keys & keys
    shipped = {p.name for p in (app / "bin" / "lib" / "eventgen_plugins" / "output").glob("*.py")}
    assert {"syslogout.py", "udpout.py", "_udp.py"}.isdisjoint(shipped) and {"tcpout.py", "_net.py"} <= shipped


def test_validate_arguments_names_a_dependency_the_interpreter_lacks(splunk_home: Path, tmp_path: Path) -> None:
    """An interpreter that cannot import croniter (a wrapper putting a failing croniter first on the path) is
    refused at validation, naming croniter, instead of the run failing later."""
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "croniter.py").write_text('raise ModuleNotFoundError("No module named \'croniter\'", name="croniter")\n')
    wrapper = tmp_path / "python-without-croniter"
    wrapper.write_text(f'#!/bin/sh\nPYTHONPATH="{blocked}:$PYTHONPATH" exec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    bad = run_launcher(splunk_home, "--validate-arguments", stdin=items_xml(python=str(wrapper)))
    assert bad.returncode == 1, bad.stdout + bad.stderr
    message = ET.fromstring(bad.stdout).findtext("message") or ""
    assert message.startswith(f"python: {wrapper} lacks eventgen's dependencies: croniter (No module named"), message
    assert "pip install croniter" in message
    run = run_launcher(splunk_home, stdin=input_xml(splunk_home, python=str(wrapper)))
    assert run.returncode == 2 and run.stdout == "" and "croniter" in run.stderr, run.stderr


def test_modular_input_with_one_conf_and_sample_filter(splunk_home: Path) -> None:
    other = splunk_home / "confs"
    other.mkdir()
    (other / "x.log").write_text("x1\nx2\nx3\n")
    write_conf(other, "[x\\.log]\nend = 1\nsourcetype = x\n")
    result = run_launcher(splunk_home, stdin=input_xml(splunk_home, conf=str(other / "eventgen.conf"), sample="x.log"))
    assert result.returncode == 0, result.stderr
    events = ET.fromstring(result.stdout).findall("event")
    assert [(e.findtext("sourcetype"), e.findtext("data")) for e in events] == [("x", "x1"), ("x", "x2"), ("x", "x3")]


def test_modular_input_rejects_bad_configuration_xml(splunk_home: Path) -> None:
    result = run_launcher(splunk_home, stdin="<input><configuration>")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("modinput_eventgen: cannot read the configuration XML on stdin: ")
