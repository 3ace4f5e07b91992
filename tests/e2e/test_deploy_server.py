"""deploy/kubernetes/server/: `eventgen server` as the controller's entry point. Its manifest agrees with itself
(probes on /healthcheck, the Service's ports, the workspace on the claim with the conf inside it), and its own
command line runs on loopback with the pod's volumes laid out as the kubelet mounts them: the probe answers, the
ConfigMap's conf is added through the API with the worker Deployment's own command joining it over CurveZMQ,
and SIGTERM ends the pod with exit 0 within its grace period."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT, cli, free_port
from tests.e2e.test_deploy import Pod, _volume_files, container_argv, kubelet_volume, objects, option_value
from tests.server_process import TOKEN
from tests.waiting import wait_for

pytestmark = pytest.mark.e2e
MANIFEST = "deploy/kubernetes/server/server.yaml"


def server_deployment() -> dict:
    return objects("Deployment")["eventgen-server"]


def server_container() -> dict:
    (only,) = server_deployment()["spec"]["template"]["spec"]["containers"]
    return only


def test_the_server_manifest_agrees_with_itself():
    spec = server_container()
    ports = {p["name"]: p["containerPort"] for p in spec["ports"]}
    argv = container_argv(spec)
    assert argv[:2] == ["eventgen", "server"] and ports == {"api": int(option_value(argv, "--port")), "zmq": 5555}
    for kind in ("readinessProbe", "livenessProbe"):
        assert spec[kind]["httpGet"] == {"path": "/healthcheck", "port": "api"}
    service = objects("Service")["eventgen-server"]
    assert {p["targetPort"] for p in service["spec"]["ports"]} == set(ports)
    labels = server_deployment()["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    (token,) = spec["env"]
    assert token["name"] == "EVENTGEN_SERVER_TOKEN" and token["valueFrom"]["secretKeyRef"]["key"] == "token"
    mounts = {m["name"]: m["mountPath"] for m in spec["volumeMounts"]}
    volumes = {v["name"]: v for v in server_deployment()["spec"]["template"]["spec"]["volumes"]}
    claim = volumes["workspace"]["persistentVolumeClaim"]["claimName"]
    assert claim in objects("PersistentVolumeClaim") and mounts["workspace"] == option_value(argv, "--workspace")
    assert mounts["conf"].startswith(mounts["workspace"] + "/")  # the conf is inside the workspace
    assert server_deployment()["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] >= 30


def lay_out(root: Path, keys: Path) -> dict[str, Path]:
    """The server pod's mounts made real under `root` (nested ones inside their parents), by mount path."""
    volumes = {v["name"]: v for v in server_deployment()["spec"]["template"]["spec"]["volumes"]}
    paths = {}
    for mount in sorted(server_container()["volumeMounts"], key=lambda m: m["mountPath"]):
        volume, target = volumes[mount["name"]], root / mount["mountPath"].lstrip("/")
        if "configMap" in volume:
            kubelet_volume(target, objects("ConfigMap")[volume["configMap"]["name"]]["data"])
        elif "secret" in volume:
            names = _volume_files(volume) or set()
            kubelet_volume(target, {n: (keys / n).read_text(encoding="ascii") for n in names})
        else:
            target.mkdir(parents=True, exist_ok=True)
        paths[mount["mountPath"]] = target
    return paths


def test_the_server_manifest_runs_as_the_controller_on_loopback(tmp_path: Path):
    keys = tmp_path / "keys"
    for name in ("controller", "worker"):
        assert cli("keys", "generate", "--dir", str(keys), "--name", name).returncode == 0
    paths = lay_out(tmp_path / "pod", keys)
    api_port, zmq_port = free_port(), free_port()
    argv = []
    for arg in container_argv(server_container())[1:]:
        mount = next((m for m in sorted(paths, key=len, reverse=True) if arg == m or arg.startswith(m + "/")), None)
        arg = str(paths[mount]) + arg[len(mount) :] if mount else arg
        argv.append({"0.0.0.0": "127.0.0.1", "9500": str(api_port)}.get(arg, arg))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "EVENTGEN_SERVER_TOKEN": TOKEN}
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "eventgen", *argv], stdout=out, stderr=out, env=env)
    url = f"http://127.0.0.1:{api_port}"
    session = requests.Session()
    session.trust_env = False
    session.headers["Authorization"] = f"Bearer {TOKEN}"
    worker = Pod("worker", tmp_path / "worker", keys, zmq_port)
    workers = []

    def probe() -> bool:
        try:
            return session.get(f"{url}{server_container()['readinessProbe']['httpGet']['path']}", timeout=2).ok
        except requests.RequestException:
            return False

    try:
        wait_for(probe, "the readiness probe", 60, process=server, logs=log.read_text)
        conf = str(paths["/var/lib/eventgen/conf"] / "eventgen.conf")
        body = {"id": "web", "path": conf, "bind": f"tcp://127.0.0.1:{zmq_port}", "workers": 1}
        added = session.post(f"{url}/api/generators", json=body, timeout=30)
        assert added.status_code == 201, added.text
        assert session.post(f"{url}/api/generators/web/start", timeout=30).ok
        workers.append(worker.start(tmp_path / "worker"))
        live = wait_for(
            lambda: (g := session.get(f"{url}/api/generators/web", timeout=10).json())["sent"] >= 20 and g,
            "the worker to send the ConfigMap conf's events",
            60,
            logs=log.read_text,
        )
        assert [w["name"] for w in live["worker_rows"]] == ["worker-pod-1"]
        assert "eventgen-server.yml" in os.listdir(paths["/var/lib/eventgen"])  # the startup file, on the claim
    finally:
        for proc in workers:
            proc.send_signal(signal.SIGTERM)
            proc.wait(45)
        server.send_signal(signal.SIGTERM)  # how a pod is stopped
        assert server.wait(server_deployment()["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]) == 0
