"""SA-Eventgen's modular input `modinput_eventgen` (copied to the app as bin/modinput_eventgen.py).

Splunk runs it three ways: `--scheme` prints the input's XML scheme; `--validate-arguments` reads the
items XML on stdin and answers with an `<error>` when a parameter is wrong; with no argument it reads
the input configuration XML on stdin and runs the generation, which writes Splunk's modular-input XML
stream (`<stream><event>…`) on stdout. Standard library only, so it runs on Splunk's own Python; the
generation runs the eventgen bundled in bin/lib with the interpreter named by the `python` parameter
(or `$EVENTGEN_PYTHON`, else this one), which needs Python 3.11+ and eventgen's dependencies (numpy…).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from xml.sax.saxutils import escape

INPUT_NAME = "modinput_eventgen"
APP_HOME = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB = os.path.join(APP_HOME, "bin", "lib")

# name, title, description, Splunk data type
PARAMS = (
    (
        "apps_dir",
        "Apps folder",
        "Folder of Splunk apps whose default/ and local/ eventgen.conf are run "
        "(default: the folder this app is installed in, $SPLUNK_HOME/etc/apps).",
        "string",
    ),
    (
        "conf",
        "Conf file or app folder",
        "Run only this eventgen.conf or app folder instead of every app (relative: to the apps folder).",
        "string",
    ),
    ("sample", "Sample filter", "Only samples whose name, stanza or app:name label matches this regex.", "string"),
    ("seed", "Seed", "Integer seed: the same confs and seed give the same events.", "number"),
    (
        "python",
        "Python interpreter",
        "Python 3.11+ with eventgen's dependencies (numpy, ...) that runs the generation "
        "(default: $EVENTGEN_PYTHON, else the Python running this script).",
        "string",
    ),
)


def scheme() -> str:
    """The input's `<scheme>` document."""
    args = "".join(
        f'<arg name="{name}"><title>{escape(title)}</title><description>{escape(doc)}</description>'
        f"<data_type>{kind}</data_type><required_on_create>false</required_on_create>"
        "<required_on_edit>false</required_on_edit></arg>"
        for name, title, doc, kind in PARAMS
    )
    return (
        "<scheme><title>Eventgen</title>"
        "<description>Generate synthetic events from the eventgen.conf of every app, or of one conf.</description>"
        "<use_external_validation>true</use_external_validation>"
        "<use_single_instance>false</use_single_instance>"
        "<streaming_mode>xml</streaming_mode>"
        f"<endpoint><args>{args}</args></endpoint></scheme>"
    )


def read_config(text: str) -> dict:
    """Splunk's `<input>` (run) or `<items>` (validation) document → server info, stanza name, params."""
    root = ElementTree.fromstring(text)
    info = {key: (root.findtext(key) or "") for key in ("server_host", "server_uri", "session_key", "checkpoint_dir")}
    node = root.find("configuration/stanza") if root.tag == "input" else root.find("item")
    if node is None:
        raise ValueError(f"no {'configuration/stanza' if root.tag == 'input' else 'item'} in the {root.tag} XML")
    params = {p.get("name"): (p.text or "").strip() for p in node.findall("param")}
    return {**info, "name": node.get("name", ""), "params": params}


def apps_dir(params: dict) -> str:
    return params.get("apps_dir") or os.path.dirname(APP_HOME)


def conf_path(params: dict) -> str:
    conf = params.get("conf", "")
    return conf if not conf or os.path.isabs(conf) else os.path.join(apps_dir(params), conf)


def interpreter(params: dict) -> str:
    return params.get("python") or os.environ.get("EVENTGEN_PYTHON") or sys.executable


# run by the generation's interpreter with the run's environment: can it run the bundled eventgen?
PROBE = """
import importlib, sys
if sys.version_info < (3, 11):
    print("eventgen needs Python 3.11+ and this is " + sys.version.split()[0])
    sys.exit(1)
try:
    import eventgen
except Exception as exc:
    print("cannot import eventgen from " + sys.argv[1] + ": " + str(exc))
    sys.exit(1)
missing = []
for module, package in eventgen.REQUIRES:
    try:
        importlib.import_module(module)
    except Exception as exc:
        missing.append(module + " (" + (str(exc) or type(exc).__name__) + "; pip install " + package + ")")
if missing:
    print("lacks eventgen's dependencies: " + ", ".join(missing))
    sys.exit(1)
"""


def environment(python: str) -> dict:
    """The environment the generation runs in: the bundled eventgen first on the path."""
    env = dict(os.environ)
    if python != sys.executable:  # another interpreter: not Splunk's Python home
        env.pop("PYTHONHOME", None)
    env["PYTHONPATH"] = LIB
    return env


def interpreter_problem(python: str) -> str:
    """Why `python` cannot run the bundled eventgen (its version, eventgen or a dependency it cannot import), or
    "" when it can."""
    try:
        result = subprocess.run(
            [python, "-c", PROBE, LIB],
            capture_output=True,
            text=True,
            timeout=120,
            env=environment(python),
            cwd=APP_HOME,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"python: {python} cannot be run: {exc}"
    if result.returncode == 0:
        return ""
    detail = (result.stdout.strip().splitlines() or result.stderr.strip().splitlines() or ["failed"])[-1]
    return (
        f"python: {python} {detail}; name one with eventgen's dependencies in the python parameter or EVENTGEN_PYTHON"
    )


def validate(params: dict) -> list:
    """Problems with the input's parameters (empty when valid)."""
    problems = []
    if not os.path.isdir(apps_dir(params)):
        problems.append(f"apps_dir: {apps_dir(params)} is not a folder")
    if params.get("conf") and not os.path.exists(conf_path(params)):
        problems.append(f"conf: {conf_path(params)} does not exist")
    try:
        re.compile(params.get("sample") or "")
    except re.error as exc:
        problems.append(f"sample: not a valid regex ({exc})")
    if params.get("seed") and not re.fullmatch(r"-?\d+", params["seed"]):
        problems.append(f"seed: {params['seed']!r} is not an integer")
    python = interpreter(params)
    if not (os.path.isfile(python) or shutil.which(python)):
        problems.append(f"python: {python} not found")
    else:
        problem = interpreter_problem(python)
        if problem:
            problems.append(problem)
    return problems


def command(params: dict) -> list:
    """The eventgen command line that runs this input."""
    cmd = [interpreter(params), "-m", "eventgen", "splunk-modinput", "--app-home", APP_HOME]
    if params.get("conf"):
        cmd += ["--conf", conf_path(params)]
    else:
        cmd += ["--apps-dir", apps_dir(params)]
    for name in ("sample", "seed"):
        if params.get(name):
            cmd += [f"--{name}", params[name]]
    return cmd


def run(config: dict) -> int:
    cmd = command(config["params"])
    env = environment(cmd[0])
    sys.stdout.flush()
    if os.name == "posix":  # become eventgen: Splunk's SIGTERM then reaches it directly
        python = shutil.which(cmd[0]) or cmd[0]
        os.execve(python, cmd, env)
    return subprocess.call(cmd, env=env)


def main(argv: list) -> int:
    if argv[1:2] == ["--scheme"]:
        sys.stdout.write(scheme() + "\n")
        return 0
    try:
        config = read_config(sys.stdin.read())
    except (ElementTree.ParseError, ValueError) as exc:
        sys.stderr.write(f"{INPUT_NAME}: cannot read the configuration XML on stdin: {exc}\n")
        return 2
    problems = validate(config["params"])
    if argv[1:2] == ["--validate-arguments"]:
        if problems:
            sys.stdout.write(f"<error><message>{escape('; '.join(problems))}</message></error>\n")
            return 1
        return 0
    if problems:
        sys.stderr.write(f"{INPUT_NAME} {config['name']}: {'; '.join(problems)}\n")
        return 2
    return run(config)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
