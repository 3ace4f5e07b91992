"""The deployment files against the code, so they cannot drift: the Containerfile, deploy/kubernetes/,
deploy/systemd/ and docs/deploy.md.

- every Kubernetes document validates against the Kubernetes schema (kubernetes-validate, strict, offline);
- every `eventgen` command they run or show parses with the real CLI, and every command and flag they name
  exists in it;
- the files the commands name are in the volumes the pods mount; ports, names and grace periods agree;
- the paths the Containerfile copies exist and hold every file of the packages, and the build context
  (.containerignore, .dockerignore) sends them and nothing else;
- the ConfigMap's conf validates, laid out as the kubelet mounts it;
- the manifests' own commands and probes run a controller and a worker on loopback with real Curve keys.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest
import yaml

from tests.conftest import ROOT, cli, free_port
from tests.containerfile import (
    BUILD_FILES,
    CONTAINERFILE,
    DOCKER_IGNORE_FILE,
    IGNORE_FILE,
    builder_copies,
    containerfile_lines,
    context_copies,
    context_files,
    ignored,
    package_files,
)
from tests.waiting import wait_for

pytestmark = pytest.mark.e2e

KUBE = ROOT / "deploy" / "kubernetes"
SYSTEMD = ROOT / "deploy" / "systemd"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
# Kubernetes versions the manifests are validated against: a long-lived release every object kind used here
# is GA in, and the newest the pinned kubernetes-validate (setup.cfg, test extra) ships schemas for.
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


# ----- the files ---------------------------------------------------------------------------------------------


def manifest_files() -> list[Path]:
    return sorted(KUBE.rglob("*.yaml"))


@cache
def documents() -> tuple[tuple[str, dict], ...]:
    """(file relative to the repo, document) for every YAML document under deploy/kubernetes/."""
    found = []
    for path in manifest_files():
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc is not None:
                found.append((str(path.relative_to(ROOT)), doc))
    return tuple(found)


def objects(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for _, doc in documents() if doc.get("kind") == kind}


def deployment(component: str) -> dict:
    (found,) = [
        d
        for d in objects("Deployment").values()
        if d["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/component") == component
    ]
    return found


def container(component: str) -> dict:
    (only,) = deployment(component)["spec"]["template"]["spec"]["containers"]
    return only


def container_argv(spec: dict) -> list[str]:
    """command + args; without a command the image's ENTRYPOINT (eventgen) runs the args."""
    return [*(spec.get("command") or ["eventgen"]), *(spec.get("args") or [])]


def probe_argvs(spec: dict) -> dict[str, list[str]]:
    return {
        kind: spec[kind]["exec"]["command"]
        for kind in ("startupProbe", "readinessProbe", "livenessProbe")
        if "exec" in spec.get(kind, {})
    }


def unit_files() -> list[Path]:
    return sorted(SYSTEMD.glob("*.service"))


def unit_settings(path: Path) -> dict[str, list[str]]:
    """Key → values of a unit file (keys may repeat), sections merged."""
    found: dict[str, list[str]] = {}
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))  # continuation lines
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith(("#", ";", "[")) and "=" in line:
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def unit_exec_argv(path: Path) -> list[str]:
    """ExecStart with the unit's Environment= defaults and the %H/%i specifiers filled in."""
    settings = unit_settings(path)
    env = dict(item.split("=", 1) for item in settings.get("Environment", []))
    (line,) = settings["ExecStart"]
    line = re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], line)
    line = line.replace("%H", "host1").replace("%i", "1").replace("%%", "%")
    return shlex.split(line)


# ----- eventgen commands in the files ------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    where: str  # file:line
    argv: tuple[str, ...]  # after the program name
    full: bool  # a complete command line (parse it), or a mention in prose (check names only)

    def __str__(self) -> str:
        return f"{self.where}: eventgen {shlex.join(self.argv)}"


HEAD = re.compile(r"(?:(?:\S*/)?bin/)?eventgen(?:\.py)?")  # eventgen, /opt/eventgen/bin/eventgen, bin/eventgen.py
IMAGE = re.compile(r"(?:[\w.-]+/)*eventgen:[\w.-]+")  # eventgen:0.1.0, registry.example.com/eventgen:0.1.0
BEFORE_HEAD = {"|", "||", "&&", ";", "sudo", "-m", "exec", "time", "nohup", "then", "do", "--", "$("}
ENDS = {"|", "||", "&&", ";", "&", ")", "<", ">", ">>", "2>", "2>&1", "&>"}


def _tokens(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer)
    except ValueError:  # unbalanced quotes: good enough for finding heads
        return line.split()


def commands_in_line(line: str, where: str, full: bool) -> Iterator[Command]:
    tokens = _tokens(line)
    for i, token in enumerate(tokens):
        before = tokens[i - 1] if i else ""
        at_command = (
            i == 0
            or before in BEFORE_HEAD
            or re.fullmatch(r"\w+=\S*", before) is not None
            or tokens[max(0, i - 3) : i - 1] == ["sudo", "-u"]
        )
        run_image = IMAGE.fullmatch(token) is not None and "run" in tokens[:i]
        if not ((at_command and HEAD.fullmatch(token)) or run_image):
            continue
        argv = []
        for arg in tokens[i + 1 :]:
            if arg in ENDS or arg.startswith((">", "2>")):
                break
            argv.append(arg)
        yield Command(where, tuple(argv), full)


def _joined(lines: list[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """Shell continuation lines (ending in a backslash) joined, with the number of the first line."""
    start, parts = None, []
    for number, line in lines:
        if start is None:
            start = number
        if line.rstrip().endswith("\\"):
            parts.append(line.rstrip()[:-1])
            continue
        parts.append(line)
        yield start, " ".join(parts)
        start, parts = None, []
    if parts:
        yield start, " ".join(parts)


def _spans(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", text)


def markdown_commands(path: Path) -> Iterator[Command]:
    """Fenced shell blocks are full commands; inline code spans are mentions."""
    rel = path.relative_to(ROOT)
    fence, block, prose = None, [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("```"):
            if fence is None:
                fence, block = stripped[3:].strip(), []
            else:
                if fence in ("", "sh", "bash", "console", "shell"):
                    for start, joined in _joined(block):
                        yield from commands_in_line(joined.removeprefix("$ "), f"{rel}:{start}", True)
                fence = None
            continue
        if fence is not None:
            block.append((number, line))
        else:
            prose.append((number, line))
    for number, line in prose:
        for span in _spans(line):
            yield from commands_in_line(span, f"{rel}:{number}", False)


def comment_commands(path: Path) -> Iterator[Command]:
    """In `#` comments: example lines (indented by three spaces or more after the #) are full commands,
    code spans in the other comment lines are mentions."""
    rel = path.relative_to(ROOT)
    examples, prose = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = re.match(r"\s*#(.*)", line)
        if not match:
            continue
        body = match.group(1)
        (examples if body.startswith("   ") and body.strip() else prose).append((number, body.strip()))
    for start, joined in _joined(examples):
        yield from commands_in_line(joined, f"{rel}:{start}", True)
    for number, body in prose:
        for span in _spans(body):
            yield from commands_in_line(span, f"{rel}:{number}", False)


def structured_commands() -> Iterator[Command]:
    """What the files actually run: container commands and probes, ExecStart, ENTRYPOINT + CMD."""
    for rel, doc in documents():
        if doc.get("kind") != "Deployment":
            continue
        for spec in doc["spec"]["template"]["spec"]["containers"]:
            name = f"{rel}:{doc['metadata']['name']}/{spec['name']}"
            for label, argv in {"command": container_argv(spec), **probe_argvs(spec)}.items():
                assert argv[0] == "eventgen", f"{name} {label} runs {argv[0]}, not eventgen"
                yield Command(f"{name} {label}", tuple(argv[1:]), True)
    for path in unit_files():
        argv = unit_exec_argv(path)
        assert HEAD.fullmatch(argv[0]), f"{path.name}: ExecStart runs {argv[0]}"
        yield Command(f"{path.relative_to(ROOT)} ExecStart", tuple(argv[1:]), True)
    entrypoint, cmd = containerfile_exec("ENTRYPOINT"), containerfile_exec("CMD")
    assert entrypoint == ["eventgen"], "the image's entrypoint is the eventgen command"
    yield Command("Containerfile ENTRYPOINT + CMD", tuple(cmd), True)


@cache
def all_commands() -> tuple[Command, ...]:
    found = list(structured_commands())
    for path in [CONTAINERFILE, *manifest_files(), *unit_files()]:
        found += comment_commands(path)
    found += markdown_commands(DEPLOY_DOC)
    return tuple(found)


@cache
def cli_parser():
    from eventgen.cli.main import parser_for

    return parser_for()


def _subparsers(parser) -> dict:
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices
    return {}


def normalised(argv: tuple[str, ...]) -> list[str]:
    """The argument list as `eventgen.cli.main.main` hands it to argparse (implied `generate`, `-b -1h`)."""
    from eventgen.cli.main import COMMANDS, _join_time_values

    args = _join_time_values(list(argv))
    if args and (not args[0].startswith("-") or args[0].startswith("--apps-dir")) and args[0] not in COMMANDS:
        args.insert(0, "generate")
    return args


def unknown_names(argv: tuple[str, ...]) -> list[str]:
    """The commands and flags of `argv` that the CLI does not have (walking its sub-parsers)."""
    parser = cli_parser()
    known = set(parser._option_string_actions)
    missing = []
    for arg in normalised(argv):
        if arg.startswith("-") and len(arg) > 1:
            flag = arg.split("=", 1)[0]
            if flag not in known:
                missing.append(flag)
        elif _subparsers(parser):
            choices = _subparsers(parser)
            if arg not in choices:
                missing.append(arg)
                break
            parser = choices[arg]
            known = set(parser._option_string_actions)
    return missing


def parse_error(argv: tuple[str, ...]) -> str | None:
    """None when the real parser accepts `argv`, else its message."""
    from eventgen.cli.main import parser_for

    args = normalised(argv)
    chosen = next((a for a in args if not a.startswith("-")), None)
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            parser_for(chosen if chosen is not None else "").parse_args(args)
    except SystemExit as exc:
        return None if exc.code == 0 else err.getvalue().strip().splitlines()[-1]
    return None


def option_value(argv: list[str] | tuple[str, ...], flag: str) -> str | None:
    for i, arg in enumerate(argv):
        if arg == flag and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(flag + "="):
            return arg.split("=", 1)[1]
    return None


def containerfile_exec(instruction: str) -> list[str]:
    (line,) = [line for line in containerfile_lines() if line.split()[0] == instruction]
    return json.loads(line.split(None, 1)[1])


# ----- Kubernetes schema -------------------------------------------------------------------------------------


def test_manifests_hold_the_expected_objects():
    kinds = sorted(doc["kind"] for _, doc in documents())
    assert kinds == sorted(
        [
            "Namespace",
            "ConfigMap",
            "Secret",
            "Secret",
            "Secret",
            "Deployment",
            "Deployment",
            "Service",
            "HorizontalPodAutoscaler",
            # server/: the server as the controller's entry point, applied instead of controller.yaml
            "Deployment",
            "Service",
            "PersistentVolumeClaim",
        ]
    )
    # The placeholder Secrets and the autoscaler are not applied with the folder (kubectl apply -f is not
    # recursive): real Secrets are created from key files, and the autoscaler would fight `replicas`.
    top = {doc["kind"] for rel, doc in documents() if Path(rel).parent == KUBE.relative_to(ROOT)}
    assert "Secret" not in top and "HorizontalPodAutoscaler" not in top


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_validates_against_the_kubernetes_schema(version):
    try:
        import kubernetes_validate
    except ImportError:  # pragma: no cover - the test extra installs it
        pytest.fail("kubernetes-validate is missing: pip install -e '.[test]' (setup.cfg's test extra)")
    for rel, doc in documents():
        try:
            checked = kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(
                f"{rel}: {doc['kind']}/{doc['metadata']['name']}: {exc.message} at "
                f"{'.'.join(str(p) for p in exc.path)} (Kubernetes {version})"
            )
        assert checked == version.rsplit(".", 1)[0], f"validated against {checked}, not {version}"


# ----- commands and flags ------------------------------------------------------------------------------------


def test_the_files_show_commands():
    where = {c.where.split(":")[0].split(" ")[0] for c in all_commands()}
    for name in (
        "Containerfile",
        "deploy/kubernetes/controller.yaml",
        "deploy/kubernetes/worker.yaml",
        "deploy/systemd/eventgen-controller.service",
        "deploy/systemd/eventgen-worker@.service",
        "deploy/kubernetes/secrets/curve-keys.example.yaml",
        "docs/deploy.md",
    ):
        assert name in where, f"no eventgen command found in {name}"
    assert sum(c.full for c in all_commands() if c.where.startswith("docs/deploy.md")) >= 10


def test_every_command_and_flag_named_exists_in_the_cli():
    problems = [f"{c}: unknown {', '.join(unknown_names(c.argv))}" for c in all_commands() if unknown_names(c.argv)]
    assert not problems, "\n".join(problems)


def test_every_command_line_parses_with_the_cli():
    problems = [f"{c}: {parse_error(c.argv)}" for c in all_commands() if c.full and parse_error(c.argv)]
    assert not problems, "\n".join(problems)


def test_the_checks_catch_drift():
    assert unknown_names(("worker", "--conect", "tcp://h:1")) == ["--conect"]
    assert unknown_names(("keys", "rotate")) == ["rotate"]
    assert unknown_names(("controller", "x.conf", "--bind", "tcp://h:1", "--drain-seconds", "9")) == []
    assert parse_error(("status", "--timeout", "3")) is not None  # --connect is required
    assert parse_error(("controller", "x.conf", "--bind", "tcp://h:1", "--liveness", "two")) is not None
    found = list(commands_in_line("kubectl -n eventgen exec deploy/x -- eventgen status --json | jq .", "t", True))
    assert [c.argv for c in found] == [("status", "--json")]
    assert not list(commands_in_line("python3 -m venv /opt/eventgen && ls /etc/eventgen", "t", True))


# ----- Kubernetes wiring -------------------------------------------------------------------------------------


def _volume_files(volume: dict) -> set[str] | None:
    """Files a configMap/secret volume holds (None: any, e.g. an emptyDir)."""
    if "configMap" in volume or "secret" in volume:
        source = volume.get("configMap") or volume["secret"]
        kind, name = ("ConfigMap", source["name"]) if "configMap" in volume else ("Secret", source["secretName"])
        obj = objects(kind).get(name)
        assert obj is not None, f"volume {volume['name']} uses {kind} {name}, which deploy/kubernetes/ lacks"
        keys = {*obj.get("data", {}), *obj.get("stringData", {})}
        items = source.get("items")
        if items:
            assert {i["key"] for i in items} <= keys
            return {i["path"] for i in items}
        return keys
    return None


@pytest.mark.parametrize("component", ["controller", "worker"])
def test_the_files_named_in_commands_are_in_the_pods_volumes(component):
    pod = deployment(component)["spec"]["template"]["spec"]
    spec = container(component)
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: volumes[m["name"]] for m in spec["volumeMounts"]}
    assert set(volumes) == {m["name"] for m in spec["volumeMounts"]}, "every volume is mounted"
    argvs = [container_argv(spec), *probe_argvs(spec).values()]
    paths = [arg for argv in argvs for arg in argv if arg.startswith("/")]
    assert paths
    for path in paths:
        mount = max((m for m in mounts if path == m or path.startswith(m.rstrip("/") + "/")), key=len, default=None)
        assert mount is not None, f"{component}: {path} is on no mounted volume"
        files = _volume_files(mounts[mount])
        if files is not None and path != mount:
            assert path[len(mount) + 1 :] in files, f"{component}: {path} is not in volume {mounts[mount]['name']}"
    for mount in spec["volumeMounts"]:  # conf and keys read-only; only the scratch folder is writable
        scratch = "emptyDir" in volumes[mount["name"]]
        assert mount.get("readOnly", False) is not scratch, f"{component}: {mount['mountPath']} read-only or not"


def test_authorized_keys_are_public_key_files():
    controller = container("controller")
    folder = option_value(container_argv(controller), "--authorized-keys")
    (mount,) = [m for m in controller["volumeMounts"] if m["mountPath"] == folder]
    assert "subPath" not in mount, "a subPath mount never sees Secret updates (key rotation)"
    volume = {v["name"]: v for v in deployment("controller")["spec"]["template"]["spec"]["volumes"]}[mount["name"]]
    files = _volume_files(volume)
    assert files and all(name.endswith(".key") for name in files), "the controller reads *.key files"
    # the pod's own probe authenticates with the controller's key pair, so its public key must be authorised
    probe_key = option_value(probe_argvs(controller)["livenessProbe"], "--curve-key")
    assert Path(probe_key).name.removesuffix("_secret") in files
    worker_secret = Path(option_value(container_argv(container("worker")), "--curve-key")).name
    assert worker_secret.removesuffix("_secret") in files
    for secret in objects("Secret").values():
        for key, text in secret.get("stringData", {}).items():
            assert "REPLACE" in text, f"{secret['metadata']['name']}/{key}: placeholders only, never a real key"


def _port(address: str) -> tuple[str, int]:
    parts = urlsplit(address)
    return parts.hostname, parts.port


def test_ports_names_and_probes_agree():
    service = objects("Service")["eventgen-controller"]
    (port,) = service["spec"]["ports"]
    assert port["protocol"] == "TCP"
    controller, worker = container("controller"), container("worker")
    (container_port,) = controller["ports"]
    assert port["targetPort"] in (container_port["name"], container_port["containerPort"])
    bind_host, bind_port = _port(option_value(container_argv(controller), "--bind"))
    assert (bind_host, bind_port) == ("0.0.0.0", container_port["containerPort"]) and bind_port == port["port"]
    assert _port(option_value(container_argv(worker), "--connect")) == (service["metadata"]["name"], port["port"])
    labels = deployment("controller")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    for argv in probe_argvs(controller).values():
        assert _port(option_value(argv, "--connect")) == ("127.0.0.1", bind_port)
    assert set(probe_argvs(controller)) >= {"readinessProbe", "livenessProbe"}
    for argv in probe_argvs(worker).values():
        assert option_value(argv, "--connect") == option_value(container_argv(worker), "--connect")
    assert f"EXPOSE {bind_port}" in containerfile_lines()
    systemd_bind = option_value(unit_exec_argv(SYSTEMD / "eventgen-controller.service"), "--bind")
    assert _port(systemd_bind)[1] == bind_port
    # one controller per run, and never two at once
    assert deployment("controller")["spec"]["replicas"] == 1
    assert deployment("controller")["spec"]["strategy"]["type"] == "Recreate"


def test_resources_and_autoscaler():
    def cpu(value) -> float:
        text = str(value)
        return float(text[:-1]) / 1000 if text.endswith("m") else float(text)

    worker, controller = container("worker")["resources"], container("controller")["resources"]
    assert (cpu(worker["requests"]["cpu"]), worker["requests"]["memory"]) == (1.0, "256Mi")
    assert (cpu(worker["limits"]["cpu"]), worker["limits"]["memory"]) == (1.0, "512Mi")
    assert (cpu(controller["requests"]["cpu"]), controller["requests"]["memory"]) == (0.25, "256Mi")
    (hpa,) = objects("HorizontalPodAutoscaler").values()
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment("worker")["metadata"]["name"])
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu" and metric["resource"]["target"]["type"] == "Utilization"
    assert hpa["apiVersion"] == "autoscaling/v2"


def _drain_seconds(argv) -> float:
    value = option_value(argv, "--drain-seconds")
    if value is not None:
        return float(value)
    parser = _subparsers(cli_parser())["controller"]
    return float(parser.get_default("drain_seconds"))


def test_grace_periods_fit_the_drain():
    drain = _drain_seconds(container_argv(container("controller")))
    assert drain == 30
    for component in ("controller", "worker"):
        grace = deployment(component)["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        assert grace >= drain + 10, f"{component}: grace {grace}s does not fit a {drain:g}s drain"
        for kind, argv in probe_argvs(container(component)).items():
            timeout = float(option_value(argv, "--timeout") or 5)
            assert timeout < container(component)[kind]["timeoutSeconds"], f"{component} {kind}: --timeout"
    controller_drain = _drain_seconds(unit_exec_argv(SYSTEMD / "eventgen-controller.service"))
    for path in unit_files():
        stop = float(unit_settings(path)["TimeoutStopSec"][0])
        assert stop >= controller_drain + 10, f"{path.name}: TimeoutStopSec {stop:g} does not fit the drain"


# ----- systemd -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", unit_files(), ids=lambda p: p.name)
def test_systemd_units(path):
    settings = unit_settings(path)
    # a worker told to quit (its run ended, its controller restarts) exits 0 and must come back for the next run
    restart = "always" if path.name.startswith("eventgen-worker@") else "on-failure"
    for key, value in {
        "User": "eventgen",
        "Restart": restart,
        "RestartPreventExitStatus": "2",
        "KillSignal": "SIGTERM",
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "PrivateTmp": "yes",
    }.items():
        assert settings.get(key) == [value], f"{path.name}: {key}={value}"
    assert "MemoryDenyWriteExecute" not in settings  # breaks libffi closures in Python extensions
    if shutil.which("systemd-analyze") is None:
        return
    result = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True, timeout=60)
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "is not executable: No such file or directory" not in line
    ]
    assert not problems, "\n".join(problems)  # eventgen is not installed at /opt/eventgen here


# ----- Containerfile -----------------------------------------------------------------------------------------


def test_containerfile_copies_exist_and_hold_every_package():
    copies = context_copies()
    assert copies
    sources = [PurePosixPath(src.rstrip("/")) for copy in copies for src in copy.sources]
    for source in sources:
        assert (ROOT / source).exists(), f"Containerfile copies {source}, which the repo lacks"
    builder = [PurePosixPath(src.rstrip("/")) for copy in builder_copies() for src in copy.sources]
    needed = [PurePosixPath(name) for name in BUILD_FILES] + package_files()
    assert PurePosixPath("eventgen/format/__init__.py") in needed
    for path in needed:
        assert (ROOT / path).exists(), path
        assert any(path == s or s in path.parents for s in builder), f"the image build lacks {path}"


def test_the_build_context_sends_what_the_build_copies_and_nothing_else():
    """.containerignore (Podman, Buildah) and .dockerignore (Docker) are the same file; every file the builder
    stage copies is sent, and the repository's history, tests, caches, virtualenvs, build leftovers and stray
    secrets are not."""
    assert IGNORE_FILE.read_bytes() == DOCKER_IGNORE_FILE.read_bytes(), ".dockerignore differs from .containerignore"
    sent = set(context_files())
    for path in [PurePosixPath(name) for name in BUILD_FILES] + package_files():
        assert path in sent, f"{path} is needed by the image build but left out of the build context"
    assert PurePosixPath("samples/weblog.conf") in sent  # copied into the final stage
    for kept_out in (
        ".git/config",
        ".gitignore",
        "tests/conftest.py",
        "docs/deploy.md",
        "benchmarks/README.md",
        "deploy/kubernetes/controller.yaml",
        ".ci/setup.sh",
        ".venv/bin/python",
        "venv/lib/python3.11/site-packages/numpy/__init__.py",
        "build/lib/eventgen/__init__.py",
        "dist/eventgen-0.1.0-py3-none-any.whl",
        "eventgen.egg-info/PKG-INFO",
        "eventgen/__pycache__/errors.cpython-311.pyc",
        "lib/plugins/output/__pycache__/file.cpython-311.pyc",
        "eventgen/cli/main.pyc",
        ".pytest_cache/v/cache/lastfailed",
        ".ruff_cache/CACHEDIR.TAG",
        "tests/artifacts/studio/shot.png",
        "controller.key_secret",
        "samples/.env",
        "lib/other.py",
    ):
        assert ignored(kept_out), f"{kept_out} would be sent to the container engine"
    assert {p.parts[0] for p in sent} == {*BUILD_FILES, "eventgen", "lib", "samples"}


def test_containerfile_image():
    lines = containerfile_lines()
    stages = [line for line in lines if line.startswith("FROM")]
    assert len(stages) == 2 and stages[0].endswith(" AS builder"), "a builder stage and a final stage"
    base = next(line for line in lines if line.startswith("ARG PYTHON_IMAGE=")).split("=", 1)[1]
    version = re.fullmatch(r"python:3\.(\d+)-slim", base)
    assert version and int(version.group(1)) >= 11, base
    final = lines[lines.index(stages[1]) :]
    assert any("pip install --no-index" in line and "from=builder" in line for line in final)
    assert not any("gcc" in line or "build-essential" in line or "apt-get" in line for line in lines)
    (user,) = [line.split()[1] for line in final if line.startswith("USER")]
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) > 0, "a numeric non-root user (runAsNonRoot checks it)"
    pods = [deployment(c)["spec"]["template"]["spec"]["securityContext"] for c in ("controller", "worker")]
    assert all(p["runAsUser"] == int(uid) and p["runAsNonRoot"] for p in pods)


# ----- docs --------------------------------------------------------------------------------------------------


def test_repository_paths_named_exist():
    # deploy/NAME alone is kubectl's short form of deployment/NAME, not a path
    pattern = re.compile(
        r"(?<![\w/.-])((?:deploy(?=/(?:kubernetes|systemd))|docs|samples|benchmarks|tests|\.ci)"
        r"/[\w./@-]*[\w/@-])"
    )
    missing = []
    for path in [DEPLOY_DOC, CONTAINERFILE, *manifest_files(), *unit_files()]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for name in pattern.findall(line):
                if not (ROOT / name).exists():
                    missing.append(f"{path.relative_to(ROOT)}:{number}: {name}")
    assert not missing, "\n".join(missing)


def _conf_blocks() -> Iterator[tuple[str, str]]:
    (configmap,) = objects("ConfigMap").values()
    yield "configmap eventgen.conf", configmap["data"]["eventgen.conf"]
    for i, block in enumerate(re.findall(r"```ini\n(.*?)```", DEPLOY_DOC.read_text(encoding="utf-8"), re.S)):
        yield f"docs/deploy.md ini block {i + 1}", block


def test_conf_blocks_have_no_inline_comments():
    for where, text in _conf_blocks():
        for line in text.splitlines():
            if "=" in line and not line.lstrip().startswith(("#", ";")):
                value = line.split("=", 1)[1]
                assert not re.search(r"\s[;#]", value), f"{where}: inline comment in {line!r} (read as the value)"


def test_deploy_doc_covers_the_topics():
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    for heading in (
        "Single host",
        "Several hosts",
        "Kubernetes",
        "Ports and firewall",
        "Key rotation",
        "controller restart",
        "How many workers",
    ):
        assert re.search(rf"^#+ .*{heading}", text, re.M | re.I), heading
    assert "| jobSize | jobs | controller CPU per 1,000 jobs |" in text  # the measured table


# ----- the ConfigMap's conf, and the manifests' commands on loopback -----------------------------------------


def kubelet_volume(folder: Path, files: dict[str, str]) -> Path:
    """Files laid out as the kubelet mounts a ConfigMap or Secret: NAME -> ..data/NAME -> ..TIMESTAMP/NAME."""
    stamp = folder / "..2026_01_01_00_00_00.000000001"
    stamp.mkdir(parents=True)
    for name, text in files.items():
        (stamp / name).parent.mkdir(parents=True, exist_ok=True)
        (stamp / name).write_text(text, encoding="utf-8")
    (folder / "..data").symlink_to(stamp.name)
    for top in {name.split("/")[0] for name in files}:
        (folder / top).symlink_to(f"..data/{top}")
    return folder


def test_configmap_conf_validates_and_previews(tmp_path):
    (configmap,) = objects("ConfigMap").values()
    folder = kubelet_volume(tmp_path / "etc-eventgen", configmap["data"])
    conf = next(arg for arg in container_argv(container("controller"))[2:] if arg.endswith(".conf"))
    mount = next(m["mountPath"] for m in container("controller")["volumeMounts"] if conf.startswith(m["mountPath"]))
    path = folder / conf[len(mount) + 1 :]
    result = cli("validate", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK, 1 sample(s), 0 warning(s)" in result.stdout
    preview = cli("preview", str(path), "-n", "4")
    assert preview.returncode == 0, preview.stderr
    ids = re.findall(r"req_id=(\d+)", preview.stdout)
    assert len(ids) == 4 and len(set(ids)) == 4, preview.stdout


class Pod:
    """A Deployment's container run on this host: its volumes made real in a folder, its paths mapped there."""

    def __init__(self, component: str, root: Path, keys: Path, port: int):
        self.spec = container(component)
        self.root = root
        self.port = port
        self.paths: dict[str, Path] = {}
        volumes = {v["name"]: v for v in deployment(component)["spec"]["template"]["spec"]["volumes"]}
        for mount in self.spec["volumeMounts"]:
            volume, target = volumes[mount["name"]], root / mount["name"]
            if "configMap" in volume:
                kubelet_volume(target, objects("ConfigMap")[volume["configMap"]["name"]]["data"])
            elif "secret" in volume:  # the Secret's keys are named as `eventgen keys generate` names the files
                names = _volume_files(volume)
                kubelet_volume(target, {n: (keys / n).read_text(encoding="ascii") for n in names})
            else:
                target.mkdir(parents=True)
            self.paths[mount["mountPath"]] = target
        self.env = {e["name"]: f"{component}-pod-1" for e in self.spec.get("env", [])}

    def local(self, argv: list[str]) -> list[str]:
        out = []
        for arg in argv:
            for mount, target in sorted(self.paths.items(), key=lambda kv: -len(kv[0])):
                if arg == mount or arg.startswith(mount + "/"):
                    arg = str(target) + arg[len(mount) :]
                    break
            if arg.startswith("tcp://"):
                arg = f"tcp://127.0.0.1:{self.port}"
            arg = re.sub(r"\$\((\w+)\)", lambda m: self.env[m.group(1)], arg)
            out.append(arg)
        assert out[0] == "eventgen"
        return [sys.executable, "-m", "eventgen", *out[1:]]

    def probe(self, kind: str, *extra: str) -> subprocess.CompletedProcess:
        argv = self.local(probe_argvs(self.spec)[kind]) + list(extra)
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=ENV)

    def start(self, log: Path) -> subprocess.Popen:
        return subprocess.Popen(
            self.local(container_argv(self.spec)),
            stdout=open(log.with_suffix(".out"), "w"),
            stderr=open(log.with_suffix(".err"), "w"),
            env=ENV,
        )


def test_manifest_commands_and_probes_run_a_cluster_on_loopback(tmp_path):
    keys = tmp_path / "keys"
    for name in ("controller", "worker"):
        made = cli("keys", "generate", "--dir", str(keys), "--name", name)
        assert made.returncode == 0, made.stderr
    port = free_port()
    controller = Pod("controller", tmp_path / "controller", keys, port)
    worker = Pod("worker", tmp_path / "worker", keys, port)

    before = controller.probe("livenessProbe")
    assert before.returncode == 1, "no controller yet: the probe fails"
    assert "no answer" in before.stderr

    processes = []
    try:
        processes.append(ctl := controller.start(tmp_path / "controller"))
        wait_for(
            lambda: controller.probe("readinessProbe").returncode == 0,
            "the controller's readiness probe",
            30,
            interval=0.3,
        )
        processes.append(wrk := worker.start(tmp_path / "worker"))
        assert worker.probe("readinessProbe").returncode == 0, "the worker's probe reaches the controller"

        def joined():
            status = controller.probe("livenessProbe", "--json")
            assert status.returncode == 0, status.stderr
            data = json.loads(status.stdout)
            working = [w for w in data["workers"] if w["state"] == "working"]
            return data if working and data["totals"]["sent"] >= 20 else None

        status = wait_for(joined, "the worker to join and send events", 30, interval=0.3)
        assert [w["name"] for w in status["workers"]] == ["worker-pod-1"]  # --name $(POD_NAME)
        events = (tmp_path / "worker.out").read_text()
        assert re.search(r'" \d{3} \d+ .* req_id=\d+$', events, re.M), events[-500:]

        wrk.send_signal(signal.SIGTERM)  # how a pod is stopped
        assert wrk.wait(45) == 0, (tmp_path / "worker.err").read_text()
        wait_for(lambda: "left" in (tmp_path / "controller.err").read_text(), "the controller to log the leave", 10)
        after = json.loads(controller.probe("readinessProbe", "--json").stdout)
        assert after["jobs"]["reissued"] == 0 and after["totals"]["failed"] == 0

        # a replacement pod joins the live run; stopping the controller tells it to quit, and it exits 0
        # (which is why the worker unit restarts on any exit, and the Deployment restarts it anyway)
        worker.env = {name: "worker-pod-2" for name in worker.env}
        processes.append(late := worker.start(tmp_path / "late"))
        wait_for(lambda: "worker worker-pod-2 joined" in (tmp_path / "controller.err").read_text(), "a late joiner", 30)
        ctl.send_signal(signal.SIGTERM)
        assert ctl.wait(45) == 0, (tmp_path / "controller.err").read_text()
        assert late.wait(30) == 0, (tmp_path / "late.err").read_text()
        log = (tmp_path / "controller.err").read_text()
        assert "controller listening on tcp://" in log and "(CurveZMQ)" in log
        assert "worker worker-pod-1 joined" in log and "worker worker-pod-2 joined" in log
        total = re.search(r"^TOTAL\s+(\d[\d,]*)\s+(\d[\d,]*)\s+(\d[\d,]*)", log, re.M)
        assert total, log
        generated, sent, failed = (int(v.replace(",", "")) for v in total.groups())
        assert generated == sent > 0 and failed == 0
    finally:
        for proc in processes:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
