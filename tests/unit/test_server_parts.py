"""The server's parts in-process: the startup file (atomic, one clear line for a bad one), secrets masked and
scrubbed, the workspace's confinement, and the OpenAPI document against docs/server.md."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from eventgen.core.errors import EventgenError
from eventgen.web.secrets import MASK, Scrubber, masked
from eventgen.web.specs import GeneratorSpec, StartupFile
from eventgen.web.workspace import OutsideWorkspace, Workspace
from tests.conftest import ROOT

SERVER_DOC = ROOT / "docs" / "server.md"


def test_startup_file_round_trip_is_atomic(tmp_path: Path):
    startup = StartupFile(tmp_path / "eventgen-server.yml")
    assert startup.load() == []
    specs = [
        GeneratorSpec(id="web", path="web/eventgen.conf", rate=250.0, autostart=True),
        GeneratorSpec(id="app", path="apps/SA-demo", overrides={"outputMode": "devnull"}, seed=4),
    ]
    startup.save(specs)
    assert startup.load() == specs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["eventgen-server.yml"]  # no temporary file left
    text = startup.path.read_text(encoding="utf-8")
    assert text.startswith("generators:\n- id: web\n  path: web/eventgen.conf\n  autostart: true\n  rate: 250.0\n")
    inode = os.stat(startup.path).st_ino
    startup.save(specs[:1])
    assert os.stat(startup.path).st_ino != inode  # replaced whole (os.replace), never rewritten in place
    assert [s.id for s in startup.load()] == ["web"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("generators: 3\n", "expected a mapping with a list under 'generators:'"),
        ("generators:\n- id: a\n", "generators[0]: path: Field required"),
        ("generators:\n- id: a\n  path: x\n  rate: -1\n", "generators[0]: rate: Input should be greater than 0"),
        ("generators:\n- id: a b\n  path: x\n", "generators[0]: id: String should match pattern"),
        ("generators:\n- {id: a, path: x}\n- {id: a, path: y}\n", "generators[1]: id 'a' is given twice"),
        ("generators:\n- {id: a, path: x, colour: red}\n", "generators[0]: colour: Extra inputs are not permitted"),
        ("generators: [\n", "cannot read the startup file"),
    ],
)
def test_a_bad_startup_file_is_one_line(tmp_path: Path, text: str, message: str):
    path = tmp_path / "s.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EventgenError) as caught:
        StartupFile(path).load()
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_secrets_are_masked_and_scrubbed():
    servers = json.dumps({"servers": [{"address": "127.0.0.1", "port": 8088, "key": "hec-abc-123"}]})
    shown = masked({"httpeventServers": servers, "kafkaPassword": "pw-9876", "index": "main", "token.0.type": "x"})
    assert json.loads(shown["httpeventServers"])["servers"][0] == {"address": "127.0.0.1", "port": 8088, "key": MASK}
    assert shown["kafkaPassword"] == MASK and shown["index"] == "main"
    scrub = Scrubber()
    scrub.learn({"overrides": {"httpeventServers": servers, "kafkaPassword": "pw-9876"}})
    assert scrub("bad key hec-abc-123 and pw-9876 here") == f"bad key {MASK} and {MASK} here"


def test_the_workspace_confines_generator_paths(tmp_path: Path):
    root = tmp_path / "ws"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.conf").write_text("[a]\n", encoding="utf-8")
    (tmp_path / "outside.conf").write_text("[b]\n", encoding="utf-8")
    (root / "link.conf").symlink_to(tmp_path / "outside.conf")
    space = Workspace(root)
    assert space.resolve("sub/a.conf") == (root / "sub" / "a.conf").resolve()
    for path in ("../outside.conf", str(tmp_path / "outside.conf"), "link.conf", "sub/../../outside.conf"):
        with pytest.raises(OutsideWorkspace, match="outside the workspace"):
            space.resolve(path)
    with pytest.raises(EventgenError, match="no such file or folder in the workspace"):
        space.resolve("missing.conf")


def routes() -> list[tuple[str, str]]:
    """(METHOD, path) of every operation in the server's OpenAPI document."""
    pytest.importorskip("fastapi")
    from eventgen.web.serve import ServerOptions, build

    app, service = build(ServerOptions(ROOT, ROOT / "nonexistent-startup.yml", "127.0.0.1", 0, "t" * 16))
    try:
        document = app.openapi()
    finally:
        service.close()
    return sorted((m.upper(), p) for p, ops in document["paths"].items() for m in ops)


def served(routes: list, prefix: str = "", pages: bool = False) -> list[tuple[str, str]]:
    """(METHOD, path) of every operation the app answers, through the routers it includes; with `pages`, of
    the pages instead (the dashboard's and the sign-in's routes, kept out of the OpenAPI document)."""
    from fastapi.routing import APIRoute

    found = []
    for route in routes:
        if isinstance(route, APIRoute) and route.include_in_schema != pages:
            found += [(method, prefix + route.path) for method in route.methods]
        elif hasattr(route, "original_router"):  # an included router (FastAPI keeps it whole)
            found += served(route.original_router.routes, prefix + route.include_context.prefix, pages)
    return found


def test_every_route_is_in_the_openapi_document_and_in_the_docs():
    from eventgen.web.serve import ServerOptions, build

    app, service = build(ServerOptions(ROOT, ROOT / "nonexistent-startup.yml", "127.0.0.1", 0, "t" * 16))
    service.close()
    documented = routes()
    assert sorted(served(app.routes)) == documented
    assert len(documented) >= 25
    table = set(re.findall(r"^\| `(GET|POST|PUT|DELETE) ([^`]+)` \|", SERVER_DOC.read_text(encoding="utf-8"), re.M))
    assert sorted(table) == documented  # docs/server.md lists every operation, and nothing else
    pages = {path for _, path in served(app.routes, pages=True)} - {"/dashboard/static/{name}"}  # its assets
    mounted = {route.path + "/{gen_id}/" for route in app.routes if getattr(route, "path", "") == "/studio"}
    listed = set(re.findall(r"^\| `(/[^`]*)` \|", SERVER_DOC.read_text(encoding="utf-8"), re.M))
    assert listed == pages | mounted == {"/", "/dashboard", "/login", "/logout", "/studio/{gen_id}/"}
