"""The server's sign-in helpers and the studio's mount, in process: where a sign-in may return to, the session
cookie read from a Cookie header, the file a generator's studio opens, and the studio confined to the server's
workspace."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eventgen.core.errors import EventgenError
from eventgen.resolve.loader import load
from eventgen.tools.studio.confine import Confinement, Refused
from eventgen.web.session import COOKIE, HOME, cookie_token, safe_next, same_token
from eventgen.web.studio_mount import conf_of
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/studio/web/", "/studio/web/"),
        ("/dashboard", "/dashboard"),
        ("//evil.example/x", HOME),
        ("https://evil.example/", HOME),
        ("/\\evil.example", HOME),
        ("", HOME),
        ("/a\nSet-Cookie: x=1", HOME),
    ],
)
def test_a_sign_in_returns_only_to_a_page_of_this_server(target: str, expected: str) -> None:
    assert safe_next(target) == expected


def test_the_session_cookie_is_read_from_the_cookie_header() -> None:
    assert cookie_token(f"a=1; {COOKIE}=tok-123; b=2") == "tok-123"
    assert cookie_token("a=1") is None
    assert cookie_token('bad"cookie') is None
    assert same_token(b" tok-123 ", "tok-123") and not same_token("tok-12", "tok-123") and not same_token(None, "x")


def test_the_studio_opens_the_conf_the_generator_names(tmp_path: Path) -> None:
    conf = tmp_path / "eventgen.conf"
    conf.write_text("[x]\n", encoding="utf-8")
    app = tmp_path / "SA-shop"
    (app / "default").mkdir(parents=True)
    (app / "default" / "eventgen.conf").write_text("[y]\n", encoding="utf-8")
    assert conf_of(conf) == conf
    assert conf_of(app) == app / "default" / "eventgen.conf"
    with pytest.raises(EventgenError, match=r"^empty: no default/eventgen\.conf for the studio to open$"):
        (tmp_path / "empty").mkdir()
        conf_of(tmp_path / "empty")


def test_the_studio_in_the_server_stays_inside_its_workspace(tmp_path: Path) -> None:
    workspace, samples = tmp_path / "workspace", tmp_path / "samples"  # ../samples: where the loader looks too
    workspace.mkdir()
    samples.mkdir()
    conf = workspace / "eventgen.conf"
    conf.write_text("[web.log]\noutputMode = devnull\n", encoding="utf-8")
    (workspace / "web.log").write_text("GET / 200\n", encoding="utf-8")
    private = samples / "private.log"
    private.write_text("not in the workspace\n", encoding="utf-8")
    config = load(conf, {}, require_samples=False)
    alone = Confinement.of(conf.resolve(), config)  # `eventgen studio`: the conf's samples folders
    assert alone.contains(private.resolve())
    served = Confinement.of(conf.resolve(), config, bound=workspace.resolve())  # in `eventgen server`
    assert served.folders == (workspace.resolve(),) and not served.contains(private.resolve())
    with pytest.raises(Refused, match="outside the workspace"):
        served.check("../samples/private.log")


def test_the_studio_under_the_server_opens_a_project_and_an_app(tmp_path: Path) -> None:
    """In process (the app over ASGI, no socket): an Eventum project's studio and a Splunk app's studio answer
    their config with the server's token, each loaded from the workspace."""
    from fastapi.testclient import TestClient

    from eventgen.web.serve import ServerOptions, build
    from eventgen.web.specs import GeneratorSpec

    workspace = tmp_path / "workspace"
    shutil.copytree(ROOT / "benchmarks" / "templates" / "linux_auth", workspace / "auth")
    (workspace / "SA-web" / "default").mkdir(parents=True)
    (workspace / "SA-web" / "samples").mkdir()
    (workspace / "SA-web" / "default" / "eventgen.conf").write_text("[web.log]\noutputMode = devnull\n", "utf-8")
    (workspace / "SA-web" / "samples" / "web.log").write_text("GET / 200\n", encoding="utf-8")
    token = "t" * 16
    app, service = build(ServerOptions(workspace, tmp_path / "startup.yml", "127.0.0.1", 0, token))
    try:
        service.add(GeneratorSpec(id="auth", path="auth/generator.yml"))
        service.add(GeneratorSpec(id="web", path="SA-web"))
        client = TestClient(app)
        auth = client.get("/studio/auth/api/config", headers={"X-Studio-Token": token}).json()
        assert auth["project"] and auth["conf"] == str(workspace / "auth" / "generator.yml") and auth["samples"]
        web = client.get("/studio/web/api/config", headers={"X-Studio-Token": token}).json()
        assert web["conf"] == str(workspace / "SA-web" / "default" / "eventgen.conf")
        assert [s["name"] for s in web["samples"]] == ["web.log"] and web["errors"] == []
        assert client.get("/studio/web/api/config").status_code == 401
    finally:
        service.close()
