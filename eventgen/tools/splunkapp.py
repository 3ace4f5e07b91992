"""eventgen as a Splunk app: `eventgen build --mode splunk-app` and the modular input's run.

The app (SA-Eventgen) holds app.conf, the `modinput_eventgen` modular input (README/inputs.conf.spec,
default/inputs.conf, bin/modinput_eventgen.py), default/eventgen.conf (global defaults for every
app's samples), metadata/default.meta and, in bin/lib, this eventgen package and its built-in plugins.
The launcher execs `python -m eventgen splunk-modinput`, which runs here.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tarfile
from pathlib import Path

import eventgen
from eventgen.conf.apps import App, Layers
from eventgen.conf.syntax import read_conf
from eventgen.resolve.apps import load_app, load_apps
from eventgen.resolve.config import RunConfig
from eventgen.resolve.loader import load
from eventgen.tools import modinput_launcher

APP_ID = "SA-Eventgen"
PACKAGE_ROOT = Path(eventgen.__file__).resolve().parent
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".*")
# what the modular input changes in eventgen's defaults; the app's local/eventgen.conf overrides it
# parts of eventgen a modular input never runs (the studio web app, benchmarks, doc generation): the
# CLI loads its optional subcommands only when their modules exist
NOT_BUNDLED = {"tools/studio", "tools/bench.py", "tools/docgen.py", "cli/bench.py", "cli/studio.py"}
MODINPUT_GLOBALS = {"outputMode": "modinput", "statusInterval": "0"}


def app_conf(version: str) -> str:
    return f"""\
# SA-Eventgen: eventgen {version} as a Splunk app (built by `eventgen build --mode splunk-app`).
[install]
is_configured = false
state = enabled

[launcher]
author = eventgen contributors
description = Generates synthetic events from the eventgen.conf (default/ and local/) of every installed app \
through the modinput_eventgen modular input.
version = {version}

[package]
id = {APP_ID}
check_for_updates = false

[id]
name = {APP_ID}
version = {version}

[ui]
is_visible = false
label = Eventgen

[triggers]
reload.eventgen = simple
"""


def inputs_spec() -> str:
    lines = [
        f"[{modinput_launcher.INPUT_NAME}://<name>]",
        "* Runs eventgen; events are written as Splunk's modular-input XML stream.",
        "",
    ]
    for name, _, doc, kind in modinput_launcher.PARAMS:
        lines += [f"{name} = <{'integer' if kind == 'number' else 'string'}>", f"* {doc}", "* Optional.", ""]
    return "\n".join(lines)


INPUTS_CONF = f"""\
[{modinput_launcher.INPUT_NAME}]
python.version = python3
python.required = 3.13

# Runs every app's eventgen.conf under $SPLUNK_HOME/etc/apps; enable it in local/inputs.conf.
[{modinput_launcher.INPUT_NAME}://default]
disabled = true
python.required = 3.13
"""

DEFAULT_META = """\
[]
access = read : [ * ], write : [ admin ]
export = none
"""

README = """\
SA-Eventgen: eventgen as a Splunk app

The modular input modinput_eventgen runs eventgen over every installed app that ships
default/eventgen.conf or local/eventgen.conf (samples in the app's samples/ folder), or over the one
conf or app named by its `conf` parameter, and indexes the events it writes.

Generation needs Python 3.11+ with numpy (and eventgen's other dependencies) installed: point the
input's `python` parameter (or the EVENTGEN_PYTHON environment variable of splunkd) at such an
interpreter, for example a virtualenv: python3.11 -m venv /opt/eventgen-py &&
/opt/eventgen-py/bin/pip install {requirements}. The eventgen code that runs is the copy in bin/lib.

Global defaults for every app's samples are in default/eventgen.conf (outputMode = modinput);
override them in local/eventgen.conf.
""".format(requirements=" ".join(dist for _, dist in eventgen.REQUIRES))


def left_out_plugins() -> list[type]:
    """Plugin classes the app does not ship: those declaring they use UDP (`uses`)."""
    from eventgen.plugin.base import registry

    return [cls for cls in registry.all() if "udp" in cls.uses]


def default_eventgen_conf() -> str:
    """eventgen's documented defaults for the settings of the core and of the plugins the app ships (a key of a
    plugin left out would be warned about as unknown on every run), with the modular input's own defaults."""
    from eventgen.conf.core_settings import CORE_GROUPS
    from eventgen.core.settings import SettingGroup
    from eventgen.plugin.base import registry
    from eventgen.tools.docgen import default_conf

    left_out = set(left_out_plugins())
    groups = list(CORE_GROUPS) + [
        SettingGroup(f"{cls.kind} `{cls.name}`", cls.settings)
        for cls in registry.all()
        if cls.settings and cls not in left_out
    ]
    text = default_conf(groups)
    for key, value in MODINPUT_GLOBALS.items():
        line = f"# SA-Eventgen's own default (the modular input writes Splunk's XML stream):\n{key} = {value}"
        text, found = re.subn(rf"^{re.escape(key)}\s*=.*$", line.replace("\\", "\\\\"), text, count=1, flags=re.M)
        if not found:
            text = re.sub(
                r"^(\[global\][^\n]*\n)", r"\g<1>" + line.replace("\\", "\\\\") + "\n", text, count=1, flags=re.M
            )
    return text


def copy_plugins(source: Path, target: Path) -> list[str]:
    """Copy the built-in plugins, leaving out those that declare they use UDP (`uses`; AppInspect forbids UDP
    in Splunk apps) and helper modules declaring the same (`USES`); return what was left out as paths."""
    import importlib

    from eventgen.plugin.base import registry

    skip: set[str] = set()
    for cls in registry.all():
        module = sys.modules[cls.__module__]
        path = Path(module.__file__ or "").resolve()
        if "udp" in cls.uses and path.is_relative_to(source.resolve()):
            skip.add(str(path.relative_to(source.resolve())))
    for helper in sorted(source.resolve().glob("*/_*.py")):
        if helper.name == "__init__.py":
            continue
        name = f"eventgen_plugins.{helper.parent.name}.{helper.stem}"
        if "udp" in getattr(importlib.import_module(name), "USES", ()):
            skip.add(str(helper.relative_to(source.resolve())))

    def ignore(folder: str, entries: list[str]) -> set[str]:
        here = Path(folder).resolve().relative_to(source.resolve())
        return set(SKIP(folder, entries)) | {e for e in entries if str(here / e) in skip}

    shutil.copytree(source, target, ignore=ignore)
    return sorted(skip)


def build_app(destination: str | Path) -> tuple[Path, Path]:
    """Write DESTINATION/SA-Eventgen/ and its package DESTINATION/sa_eventgen-VERSION.spl."""
    from eventgen.plugin.base import builtin_plugin_dir

    version = eventgen.__version__
    dest = Path(destination).resolve()
    app = dest / APP_ID
    if app.exists():
        shutil.rmtree(app)
    files = {
        "default/app.conf": app_conf(version),
        "default/inputs.conf": INPUTS_CONF,
        "default/eventgen.conf": default_eventgen_conf(),
        "README/inputs.conf.spec": inputs_spec(),
        "metadata/default.meta": DEFAULT_META,
        "README.txt": README,
        "bin/modinput_eventgen.py": Path(modinput_launcher.__file__).read_text(encoding="utf-8"),
    }
    for name, text in files.items():
        path = app / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    license_file = PACKAGE_ROOT.parent / "LICENSE"
    if license_file.is_file():
        shutil.copyfile(license_file, app / "LICENSE")
    shutil.copytree(
        PACKAGE_ROOT,
        app / "bin" / "lib" / "eventgen",
        ignore=lambda folder, entries: (
            set(SKIP(folder, entries))
            | {e for e in entries if (Path(folder) / e).relative_to(PACKAGE_ROOT).as_posix() in NOT_BUNDLED}
        ),
    )
    left_out = copy_plugins(builtin_plugin_dir(), app / "bin" / "lib" / "eventgen_plugins")
    if left_out:
        with (app / "README.txt").open("a", encoding="utf-8") as readme:
            readme.write(
                "\nLeft out of this app (AppInspect prohibits programmatic UDP in Splunk apps): "
                f"{', '.join(left_out)}.\n"
            )
    for path in [app, *app.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    package = dest / f"{APP_ID.lower().replace('-', '_')}-{version}.spl"
    with tarfile.open(package, "w:gz") as tar:
        tar.add(app, arcname=APP_ID)
    return app, package


def build_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mode", choices=("splunk-app",), default="splunk-app", help="what to build")
    parser.add_argument(
        "--destination", default=".", metavar="DIR", help="folder for SA-Eventgen/ and its .spl package (default: here)"
    )


def run_build(args: argparse.Namespace) -> int:
    app, package = build_app(args.destination)
    print(f"app: {app}")
    print(f"package: {package}")
    return 0


def modinput_layers(app_home: Path) -> Layers:
    """Defaults under every app's confs: SA-Eventgen's default/, the modular input's, its local/."""
    app = App(app_home)
    layers: Layers = []
    for label, sections in app.layers():
        if Path(label).parent.name == "local":
            layers.append(("modular input defaults", {"global": dict(MODINPUT_GLOBALS)}))
        layers.append((label, sections))
    if not any(label == "modular input defaults" for label, _ in layers):
        layers.append(("modular input defaults", {"global": dict(MODINPUT_GLOBALS)}))
    return layers


def modinput_config(
    app_home: str | Path, apps_dir: str | None = None, conf: str | None = None, only: str | None = None
) -> RunConfig:
    """What one modular input runs: `conf` (a file or app folder), else every app in `apps_dir`
    (default: the folder holding SA-Eventgen) except SA-Eventgen itself."""
    home = Path(app_home).resolve()
    base = modinput_layers(home)
    if conf:
        path = Path(conf)
        if path.is_dir():
            return load_app(path, None, only, base)
        return load(path, None, only, layers=[*base, (str(path), read_conf(path))])
    return load_apps(apps_dir or home.parent, None, only, base, exclude={home.name})


def modinput_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--app-home", required=True, metavar="DIR", help="the SA-Eventgen app folder")
    parser.add_argument("--apps-dir", metavar="DIR", help="folder of apps (default: the one holding the app)")
    parser.add_argument("--conf", help="run only this eventgen.conf or app folder")
    parser.add_argument("--sample", help="only samples whose name, stanza or app:name matches this regex")
    parser.add_argument("--seed", type=int, help="seed for reproducible events")


def run_modinput(args: argparse.Namespace) -> int:
    from eventgen.core.errors import EXIT_FAILED, EXIT_OK
    from eventgen.run.report import write_table
    from eventgen.run.signals import handle_signals
    from eventgen.run.wire import RunOptions, wire

    config = modinput_config(args.app_home, args.apps_dir, args.conf, args.sample)
    engine = wire(config, RunOptions(seed=args.seed, status_interval=0))
    with handle_signals(engine.stop, engine.made_line):
        summary = engine.execute()
    if summary.failed:  # splunkd logs every stderr line of a modular input as an error: a good run stays quiet
        write_table(summary, sys.stderr)
    return EXIT_FAILED if summary.failed else EXIT_OK
