"""docs/server.md runs as written: its startup file entries are valid specs, and its curl session, run by bash
against a real `eventgen server` with the doc's conf in its workspace, succeeds step by step."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from eventgen.web.specs import GeneratorSpec
from tests.conftest import ROOT
from tests.e2e.test_docs_examples import fenced_blocks
from tests.server_process import TOKEN, ServerProcess

pytestmark = pytest.mark.e2e
DOC = ROOT / "docs" / "server.md"
BLOCKS = fenced_blocks(DOC)


def block(lang: str, first: str) -> str:
    (found,) = [b.text for b in BLOCKS if b.lang == lang and b.text.lstrip().startswith(first)]
    return found


def test_the_startup_file_example_holds_valid_specs():
    data = yaml.safe_load(block("yaml", "generators:"))
    specs = [GeneratorSpec.model_validate(item) for item in data["generators"]]
    assert [s.id for s in specs] == ["web", "shop", "auth"]
    assert (specs[0].rate, specs[0].autostart, specs[2].seed) == (200, True, 42)


def test_the_curl_session_runs_against_a_real_server(tmp_path: Path):
    workspace = tmp_path / "demo"
    workspace.mkdir()
    (workspace / "eventgen.conf").write_text(block("ini", "[web.log]"), encoding="utf-8")
    (workspace / "web.log").write_text("GET /index.html 200\nGET /cart 302\n", encoding="utf-8")
    session = block("bash", "AUTH=")
    server = ServerProcess(workspace).start()
    try:
        script = "set -euo pipefail\n" + session.replace("127.0.0.1:9500", f"127.0.0.1:{server.port}")
        env = {**os.environ, "EVENTGEN_SERVER_TOKEN": TOKEN}
        env = {k: v for k, v in env.items() if not k.lower().endswith("_proxy")}
        done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr + done.stdout
        assert '"target_rate":100.0' in done.stdout and '"state":"finished"' in done.stdout
        assert re.search(
            r'^eventgen_sent_events_total\{generator="web",output="file",sample="web.log"\} ', done.stdout, re.M
        )
        summary = server.call("GET", "/api/generators/web/summary")["summary"]
        out = workspace / "web-out.log"  # opened with the first batch: a loaded machine may stop the run before one
        written = out.read_text(encoding="utf-8").splitlines() if out.exists() else []
        assert '"applied":"live"' in done.stdout
        assert summary["total"]["sent"] == len(written)  # one run from start to stop: the file holds its events
        assert summary["total"]["generated"] == summary["total"]["sent"] and summary["total"]["failed"] == 0
    finally:
        assert server.stop() == 0, server.logs()
