"""eventgen as users install it: a wheel built from what the Containerfile's builder stage copies (the ignore file
applied), installed non-editable into a fresh virtualenv, run as the `eventgen` command from a folder outside the
checkout with no PYTHONPATH: generate, validate, preview, the studio, and a controller with a worker on loopback.

The virtualenv is made without pip and without the system's site-packages; the dependencies come from the test
runner's site-packages folders, named in a `.pth` file as plain paths. A `.pth` file's paths are not site folders,
so the runner's own `.pth` hooks, among them an editable install of the checkout, never run in the virtualenv:
only the installed copy can be imported (the first test proves it, module by module). No download is needed.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest

import eventgen
from tests.conftest import ROOT, free_port
from tests.containerfile import package_files, stage_builder_context
from tests.waiting import stop_process

pytestmark = pytest.mark.e2e

# the import names of the checkout's package trees (tests.containerfile.PACKAGE_TREES)
INSTALLED_AS = {"eventgen": "eventgen", "lib/plugins": "eventgen_plugins"}


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    site: Path  # the virtualenv's site-packages, where the wheel went
    work: Path  # a folder outside the checkout, with the bundled samples copied in

    @property
    def eventgen(self) -> str:
        return str(self.venv / "bin" / "eventgen")

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    def env(self) -> dict[str, str]:
        """The user's environment: no PYTHONPATH (nor any other PYTHON* variable of the test runner)."""
        return {**{k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}, "PYTHONUNBUFFERED": "1"}

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            [self.eventgen, *args], cwd=self.work, env=self.env(), capture_output=True, text=True, timeout=timeout
        )

    def spawn(self, *args: str, log: Path) -> subprocess.Popen:
        handle = open(log, "w", encoding="utf-8")  # noqa: SIM115 - closed with the process
        return subprocess.Popen(
            [self.eventgen, *args], cwd=self.work, env=self.env(), stdout=handle, stderr=subprocess.STDOUT
        )


def dependency_folders() -> list[str]:
    """The test runner's site-packages folders (user, virtualenv and system ones): where eventgen's dependencies
    are installed. Never the checkout: it is not a site-packages folder."""
    found = []
    for entry in sys.path:
        path = Path(entry)
        if path.name in ("site-packages", "dist-packages") and path.is_dir() and str(path) not in found:
            found.append(str(path))
    return found


def step(argv: list[str], what: str, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, **kwargs)
    assert done.returncode == 0, f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    source, dist, venv, work = base / "src", base / "dist", base / "venv", base / "work"
    stage_builder_context(source)
    # the build backend named in pyproject.toml, from the runner (setup.cfg's test extra): no download
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    step(
        [*pip, "wheel", "-q", "--no-deps", "--no-index", "--no-build-isolation", "-w", str(dist), str(source)],
        "pip wheel",
    )
    (wheel,) = dist.glob("eventgen-*.whl")
    step([sys.executable, "-m", "venv", "--without-pip", str(venv)], "python -m venv")
    python = str(venv / "bin" / "python")
    site = Path(step([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], "site").stdout.strip())
    (site / "eventgen_test_dependencies.pth").write_text("\n".join(dependency_folders()) + "\n", encoding="utf-8")
    step([*pip, "--python", python, "install", "-q", "--no-deps", "--no-index", str(wheel)], "pip install of the wheel")
    work.mkdir()
    shutil.copytree(ROOT / "samples", work / "samples")
    return Installed(wheel, venv, site, work)


# ----- what is installed -------------------------------------------------------------------------------------


def test_the_wheel_holds_every_module_and_data_file(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    expected = set()
    for path in package_files():
        tree = next(t for t in INSTALLED_AS if path.is_relative_to(t))
        expected.add(str(PurePosixPath(INSTALLED_AS[tree]) / path.relative_to(tree)))
    assert "eventgen/format/text.py" in expected and "eventgen/tools/studio/static/studio.js" in expected
    missing = sorted(expected - names)
    assert not missing, f"the wheel lacks {len(missing)} file(s) of the checkout: {missing}"
    outside = sorted(n for n in names if not n.startswith(("eventgen/", "eventgen_plugins/", "eventgen-")))
    assert not outside, f"the wheel installs files outside its packages: {outside}"


def test_every_module_imports_from_the_virtualenv(installed: Installed) -> None:
    """Each module of both packages imports in the virtualenv from the virtualenv, never from the checkout, and
    the plugin registry finds every built-in plugin there too."""
    script = textwrap.dedent(
        """
        import importlib, json, pkgutil, sys
        import eventgen, eventgen_plugins
        from eventgen.plugin.base import builtin_plugin_dir, registry
        files = {}
        for package in (eventgen, eventgen_plugins):
            files[package.__name__] = package.__file__
            for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
                if info.name == "eventgen.__main__":  # runs the CLI when imported
                    continue
                files[info.name] = importlib.import_module(info.name).__file__
        plugins = {f"{c.kind}/{c.name}": sys.modules[c.__module__].__file__ for c in registry.all()}
        print(json.dumps({"files": files, "plugins": plugins, "builtin": str(builtin_plugin_dir()),
                          "version": eventgen.__version__}))
        """
    )
    done = subprocess.run(
        [installed.python, "-c", script], cwd=installed.work, env=installed.env(), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    site = str(installed.site) + os.sep
    expected = {
        ".".join([INSTALLED_AS[t], *p.relative_to(t).with_suffix("").parts]).removesuffix(".__init__")
        for p in package_files()
        for t in INSTALLED_AS
        if p.is_relative_to(t) and p.suffix == ".py" and p != PurePosixPath("eventgen/__main__.py")
    }
    assert set(found["files"]) == expected
    assert {name for name, path in found["files"].items() if not path.startswith(site)} == set()
    from eventgen.plugin.base import registry  # the checkout's built-ins, as this process loads them

    builtins = {f"{c.kind}/{c.name}" for c in registry.all() if c.__module__.startswith("eventgen_plugins.")}
    assert set(found["plugins"]) == builtins and len(builtins) > 20
    assert all(path.startswith(site) for path in found["plugins"].values())
    assert found["builtin"] == str(installed.site / "eventgen_plugins")
    assert found["version"] == eventgen.__version__


# ----- the smoke set, from the `eventgen` command -------------------------------------------------------------


def test_version_validate_preview_and_generate(installed: Installed) -> None:
    version = installed.run("--version")
    assert (version.returncode, version.stdout.strip()) == (0, f"eventgen {eventgen.__version__}")

    validated = installed.run("validate", "samples/weblog.conf")
    assert validated.returncode == 0, validated.stderr
    assert validated.stdout.splitlines()[-1] == "samples/weblog.conf: OK, 1 sample(s), 0 warning(s)"

    preview = installed.run("preview", "samples/weblog.conf", "-n", "3", "--seed", "5")
    assert preview.returncode == 0, preview.stderr
    events = [line for line in preview.stdout.splitlines() if re.match(r"\d+\.\d+\.\d+\.\d+ ", line)]
    assert len(events) == 3, preview.stdout

    run = installed.run("samples/weblog.conf", "-c", "25", "--seed", "7", "--stats-json", "weblog.json")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 25 and all(re.match(r"\d+\.\d+\.\d+\.\d+ \S+ \S+ \[", line) for line in lines), lines
    total = json.loads((installed.work / "weblog.json").read_text(encoding="utf-8"))["total"]
    assert (total["generated"], total["sent"], total["failed"]) == (25, 25, 0)


@contextmanager
def running(proc: subprocess.Popen) -> Iterator[subprocess.Popen]:
    try:
        yield proc
    finally:
        stop_process(proc)


def test_studio_starts_and_serves_its_page(installed: Installed) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [installed.eventgen, "studio", "samples/weblog.conf", "--port", str(port), "--no-browser"],
        cwd=installed.work,
        env=installed.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    with running(proc):
        url, seen, deadline = None, [], time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline() if proc.stdout else ""
            if not line and proc.poll() is not None:
                break
            seen.append(line)
            match = re.search(r"(http://127\.0\.0\.1:\d+/\?token=\S+)", line)
            url = match.group(1) if match else None
        assert url is not None, "the studio did not print its URL:\n" + "".join(seen)
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with browser.open(url, timeout=30) as page:  # the token becomes a cookie, then the page
            assert page.status == 200 and page.url == f"http://127.0.0.1:{port}/"
            html = page.read().decode()
        assert '<script src="static/studio.js"></script>' in html  # relative: it may be served under a prefix
        for name in ("studio.js", "studio.css"):
            with browser.open(f"http://127.0.0.1:{port}/static/{name}", timeout=30) as asset:
                shipped = installed.site / "eventgen" / "tools" / "studio" / "static" / name
                assert asset.read() == shipped.read_bytes()


def test_controller_and_worker_on_loopback(installed: Installed, tmp_path: Path) -> None:
    (tmp_path / "ids.log").write_text("id=@@ID action=login user=alice\n", encoding="utf-8")
    conf = tmp_path / "cluster.conf"
    conf.write_text(
        textwrap.dedent(
            f"""
            [ids.log]
            sampleDir = .
            outputMode = file
            fileName = {tmp_path}/out-{{worker}}.log
            fileMaxBytes = 0
            earliest = -1s
            count = 300
            end = 4
            jobSize = 100
            timeMode = sample
            token.0.token = @@ID
            token.0.replacementType = integerid
            token.0.replacement = 0
            """
        ),
        encoding="utf-8",
    )
    port = free_port()
    summary = tmp_path / "summary.json"
    controller = installed.spawn(
        *("controller", str(conf), "--bind", f"tcp://127.0.0.1:{port}", "--status-interval", "0"),
        *("--stats-json", str(summary), "--expect-workers", "1"),
        log=tmp_path / "controller.log",
    )
    with running(controller):
        worker = installed.spawn(
            "worker", "--connect", f"tcp://127.0.0.1:{port}", "--name", "w1", log=tmp_path / "worker.log"
        )
        with running(worker):
            assert controller.wait(90) == 0, (tmp_path / "controller.log").read_text()
            assert worker.wait(60) == 0, (tmp_path / "worker.log").read_text()
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert (data["total"]["generated"], data["total"]["sent"], data["total"]["failed"]) == (1200, 1200, 0)
    assert [(w["name"], w["jobs"], w["sent"]) for w in data["workers"]] == [("w1", 12, 1200)]
    lines = (tmp_path / "out-w1.log").read_text(encoding="utf-8").splitlines()
    assert sorted(int(line.split()[0].removeprefix("id=")) for line in lines) == list(range(1200))
