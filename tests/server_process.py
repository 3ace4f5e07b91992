"""A real `eventgen server` subprocess for tests: started on a free loopback port with a known token, driven
over HTTP with `requests`, stopped with SIGTERM (its generators drain)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests

from tests.conftest import ROOT, free_port
from tests.waiting import stop_process, wait_for

TOKEN = "test-token-0123456789abcdef"


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
