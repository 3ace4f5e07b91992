"""`eventgen server` and `eventgen mcp` refuse bad input with one line and exit 2, before listening."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import cli, free_port

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--certfile", "cert.pem"], {}, "--certfile and --keyfile go together"),
        (["--certfile", "nope.pem", "--keyfile", "nope.key"], {}, "--certfile nope.pem: no such file"),
        ([], {"EVENTGEN_SERVER_TOKEN": "short"}, "EVENTGEN_SERVER_TOKEN: the token must be 16 characters or more"),
        (["--token-file", "missing.txt"], {}, "--token-file missing.txt: No such file or directory"),
        (["--workspace", "missing"], {}, "--workspace missing: not a folder"),
        (["--port", "70000"], {}, "--port must be 0 to 65535, got 70000"),
        (["--curve-secret-key", "k"], {}, "--curve-secret-key and --authorized-keys go together"),
        (["--startup", "bad.yml"], {}, "bad.yml: generators[0]: path: Field required"),
    ],
)
def test_bad_input_is_one_line(tmp_path: Path, args: list[str], env: dict, message: str):
    (tmp_path / "bad.yml").write_text("generators:\n- id: a\n", encoding="utf-8")
    token = {"EVENTGEN_SERVER_TOKEN": "0123456789abcdef0123"}
    done = cli("server", "--port", str(free_port()), *args, cwd=tmp_path, env={**token, **env}, timeout=60)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("eventgen: error: ") and message in lines[0], done.stderr


def test_mcp_refuses_a_bad_startup_file(tmp_path: Path):
    (tmp_path / "eventgen-server.yml").write_text("generators: nope\n", encoding="utf-8")
    done = cli("mcp", "--workspace", str(tmp_path), timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().endswith("expected a mapping with a list under 'generators:'")
    assert "Traceback" not in done.stderr
