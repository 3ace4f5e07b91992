"""A real `eventgen server` subprocess for tests: started on a free loopback port with a known token, driven
over HTTP with `requests`, stopped with SIGTERM (its generators drain)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import ROOT, free_port
from tests.hec_receiver import HecReceiver
from tests.waiting import stop_process, wait_for

TOKEN = "test-token-0123456789abcdef"
HEC_TOKEN = "hec-secret-7d1f0c2e9b"
CONF = """\
[web.log]
outputMode = httpevent
sourcetype = web
"""


@pytest.fixture
def secret_hec() -> Iterator[HecReceiver]:
    """A HEC receiver whose token is a secret the server must never show."""
    hec = HecReceiver(token=HEC_TOKEN).start()
    yield hec
    hec.stop()


@pytest.fixture
def server_workspace(tmp_path: Path) -> Path:
    """A workspace with a conf sending web.log's events to HEC."""
    folder = tmp_path / "workspace"
    folder.mkdir()
    (folder / "eventgen.conf").write_text(CONF, encoding="utf-8")
    (folder / "web.log").write_text("GET /a 200\nGET /b 404\nPOST /c 201\n", encoding="utf-8")
    return folder


def spec(hec: HecReceiver, rate: float) -> dict:
    return {"id": "web", "path": "eventgen.conf", "rate": rate, "overrides": {"httpeventServers": hec.servers_json()}}


class ServerProcess:
    def __init__(self, workspace: Path, *extra: str, tls: tuple[Path, Path] | None = None):
        self.workspace = workspace
        self.extra = list(extra)
        self.tls = tls
        self.port = free_port()
        self.log = workspace.parent / f"server-{self.port}.log"
        self.proc: subprocess.Popen | None = None
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy, and no CA bundle from the environment over `verify`
        self.session.headers["Authorization"] = f"Bearer {TOKEN}"
        if tls:
            self.session.verify = str(tls[0])

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        argv = [sys.executable, "-m", "eventgen", "server", "--workspace", str(self.workspace)]
        argv += ["--port", str(self.port), *self.extra]
        if self.tls:
            argv += ["--certfile", str(self.tls[0]), "--keyfile", str(self.tls[1])]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "EVENTGEN_SERVER_TOKEN": TOKEN}
        with open(self.log, "ab") as handle:
            self.proc = subprocess.Popen(argv, stdout=handle, stderr=handle, stdin=subprocess.DEVNULL, env=env)
        wait_for(self._healthy, "the server to answer /healthcheck", 60, process=self.proc, logs=self.logs)
        return self

    def _healthy(self) -> bool:
        try:
            return self.session.get(f"{self.url}/healthcheck", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> int | None:
        self.session.close()
        stop_process(self.proc, 40)
        return None if self.proc is None else self.proc.returncode

    def logs(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def call(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        """A request; fails naming the answer when its status is not `expect`; the JSON answer (or the text)."""
        answer = self.session.request(method, f"{self.url}{path}", timeout=60, **kwargs)
        assert answer.status_code == expect, f"{method} {path}: {answer.status_code} {answer.text}\n{self.logs()}"
        if answer.headers.get("content-type", "").startswith("application/json"):
            return answer.json()
        return answer.text
