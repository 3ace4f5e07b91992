"""`eventgen studio` confined to its workspace, over real HTTP: a conf whose settings hold "/" and "/etc" (template
variables, never paths) lists only its folder's files; reading or saving outside it (absolute paths, `..`, symbolic
links out of the folder) answers 403 with one line and writes nothing, no backup either; saving inside still works.
The example docs/studio.md recommends (samples/jinja_webshop.conf) opens."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, write_conf
from tests.studio import Api, running_studio

pytestmark = pytest.mark.e2e

CONF = """
[global]
outputMode = devnull

[web.log]
interval = 60
count = 2

[browse]
generator = jinja
jinja_template_dir = templates
jinjaTemplates = {"browse": {"template": "browse.j2", "vars": {"pages": ["/", "/cart"]}}}
jinja_variables = {"home": "/etc"}
interval = 60
count = 2
"""
TEMPLATE = "{{ vars.pages[0] }} {{ vars.pages[1] }} {{ home }}\n"
SECRET = b"beside the workspace\n"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """tmp/shop/ (the conf, its sample, its template, a link to a file and one to a folder beside it), tmp/beside/."""
    folder = tmp_path / "shop"
    folder.mkdir()
    write_conf(folder, CONF)
    (folder / "web.log").write_text("GET /index.html 200\n", "utf-8")
    (folder / "templates").mkdir()
    (folder / "templates" / "browse.j2").write_text(TEMPLATE, "utf-8")
    beside = tmp_path / "beside"
    beside.mkdir()
    (beside / "secret.txt").write_bytes(SECRET)
    (folder / "link.txt").symlink_to(beside / "secret.txt")
    (folder / "linkdir").symlink_to(beside)
    return folder


def written(root: Path) -> list[str]:
    """Backups and temporary copies anywhere under `root`."""
    return sorted(str(p) for p in root.rglob("*") if ".bak-" in p.name or p.name.startswith(".studio-"))


def test_the_studio_stays_in_its_workspace(shop: Path) -> None:
    beside = shop.parent / "beside"
    secret = beside / "secret.txt"
    with running_studio(shop, 1) as url:
        api = Api(url)
        view = api.ok("/api/config")
        assert view["errors"] == []
        assert view["files"] == [str(shop / "eventgen.conf"), str(shop / "web.log"), str(shop / "templates/browse.j2")]
        preview = api.ok("/api/preview", {"sample": "browse", "n": 1})
        assert preview["events"] == ["/ /cart /etc"]  # the values are the template's text, not folders

        outside = "is outside the workspace"
        linked = "leads outside the workspace through a symbolic link"
        reads = {
            "/etc/hostname": outside,
            "/": outside,
            "/etc": outside,
            str(secret): outside,
            "../beside/secret.txt": outside,
            "templates/../../beside/secret.txt": outside,
            "link.txt": linked,
            "linkdir/secret.txt": linked,
        }
        for path, why in reads.items():
            status, answer = api.call("/api/file?path=" + path.replace("/", "%2F"))
            assert (status, answer) == (403, {"error": f"refused: {path} {why}", "errors": []}), path

        saves = {
            str(secret): outside,
            "../beside/secret.txt": outside,
            "../beside/new.txt": outside,
            str(beside / "other.txt"): outside,
            "link.txt": linked,
            "linkdir/secret.txt": linked,
            "linkdir/new.txt": linked,
        }
        for path, why in saves.items():
            status, answer = api.call("/api/save", {"file": path, "content": "overwritten\n"})
            assert (status, answer) == (403, {"error": f"refused: {path} {why}", "errors": []}), path
        status, answer = api.call("/api/preview", {"sample": "web.log", "n": 1, "files": {str(secret): "x\n"}})
        assert (status, answer["error"]) == (403, f"refused: {secret} {outside}")
        assert secret.read_bytes() == SECRET
        assert sorted(p.name for p in beside.iterdir()) == ["secret.txt"]
        assert written(shop.parent) == []

        # inside the workspace a save still validates, keeps a backup and writes
        saved = api.ok("/api/save", {"file": "templates/browse.j2", "content": "{{ vars.pages[1] }} {{ home }}\n"})
        backup = Path(saved["backup"])
        assert saved["file"] == str(shop / "templates" / "browse.j2") and backup.parent == shop / "templates"
        assert backup.read_text("utf-8") == TEMPLATE
        assert api.ok("/api/preview", {"sample": "browse", "n": 1})["events"] == ["/cart /etc"]
        assert written(shop.parent) == [str(backup)]


def test_the_example_docs_recommend_opens() -> None:
    samples = ROOT / "samples"
    with running_studio(samples, None, "jinja_webshop.conf") as url:
        api = Api(url)
        view = api.ok("/api/config")
        assert view["errors"] == [] and [s["label"] for s in view["samples"]] == ["jinja_webshop"]
        files = [Path(f) for f in view["files"]]
        assert files[0] == samples / "jinja_webshop.conf"
        assert samples / "templates" / "webshop" / "login.j2" in files
        assert all(f.is_relative_to(samples) for f in files), files
        status, answer = api.call("/api/file?path=%2Fetc%2Fpasswd")
        assert (status, answer) == (403, {"error": "refused: /etc/passwd is outside the workspace", "errors": []})
