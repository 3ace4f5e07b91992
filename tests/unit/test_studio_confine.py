"""The studio's workspace, in process: which values are paths (by declaration only), what the workspace holds,
what `check` refuses (outside, `..`, symbolic links, hidden, backups, TLS files, /proc) and how listing is bounded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from eventgen.core.settings import PathKind, index
from eventgen.resolve.loader import load
from eventgen.resolve.paths import declared, named_paths
from eventgen.resolve.plugins import all_groups
from eventgen.tools.studio import confine
from eventgen.tools.studio.confine import Confinement, Refused
from tests.conftest import write_conf
from tests.unit.test_studio_api import PATTERN  # one hourly time pattern

SHOP = """
[global]
outputMode = devnull

[web.log]
timePatterns = hourly.yml
input = timepatterns
token.0.token = USER
token.0.replacementType = mvfile
token.0.replacement = lookups/users.csv:2
outputMode = devnull, file#a
outputFormatBy = {"file#a": {"fileName": "out.log", "outputTemplateFile": "line.tpl", "outputFormat": "raw"}}
tcpTlsKeyFile = certs/client.key

[shop]
generator = jinja
jinja_template_dir = templates
jinjaTemplates = {"browse": {"template": "browse.j2", "vars": {"pages": ["/", "/cart"]}}}
jinja_variables = {"home": "/etc"}
jinjaSamples = {"users": {"type": "csv", "source": "users.csv"}, "items": {"type": "items", "source": ["/", "b"]}}
count = 1
"""


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """tmp/shop/eventgen.conf with its sample, templates, lookup and pattern; tmp/beside/ holds a stranger."""
    folder = tmp_path / "shop"
    folder.mkdir()
    write_conf(folder, SHOP)
    (folder / "web.log").write_text("USER logged in\n", "utf-8")
    (folder / "hourly.yml").write_text(PATTERN, "utf-8")
    (folder / "lookups").mkdir()
    (folder / "lookups" / "users.csv").write_text("1,alice\n2,bob\n", "utf-8")
    (folder / "templates").mkdir()
    (folder / "templates" / "browse.j2").write_text('{"page": "{{ pages[0] }}", "home": "{{ home }}"}\n', "utf-8")
    (folder / "templates" / "users.csv").write_text("name\nalice\n", "utf-8")
    (folder / "certs").mkdir()
    (folder / "certs" / "client.key").write_text("PRIVATE\n", "utf-8")
    (tmp_path / "beside").mkdir()
    (tmp_path / "beside" / "secret.txt").write_text("not yours\n", "utf-8")
    return folder


def test_only_declared_settings_are_paths() -> None:
    values = {
        "jinja_variables": {"home": "/etc", "dirs": ["/", "/var"]},
        "jinjaTemplates": {"browse": {"template": "browse.j2", "vars": {"pages": ["/", "/cart"]}}},
        "jinjaSamples": {"users": {"type": "csv", "source": "users.csv"}, "items": {"type": "items", "source": ["/"]}},
        "timePatterns": ["a.yml", "b.yml"],
        "outputFormatBy": {"file#a": {"fileName": "out.log", "outputTemplateFile": "t.tpl", "outputFormat": "raw"}},
        "tcpTlsKeyFile": "client.key",
        "host": "/etc",
        "source": "/var/log/secure",
        "sampleDir": "samples",
    }
    assert list(declared(values, index(all_groups()))) == [
        ("jinjaSamples", PathKind.FILE, "users.csv"),
        ("timePatterns", PathKind.FILE, "a.yml"),
        ("timePatterns", PathKind.FILE, "b.yml"),
        ("fileName", PathKind.OUTPUT, "out.log"),
        ("outputTemplateFile", PathKind.FILE, "t.tpl"),
        ("tcpTlsKeyFile", PathKind.TLS, "client.key"),
        ("sampleDir", PathKind.FOLDER, "samples"),
    ]
    assert list(declared({"timePatterns": "a.yml, b.yml"}, index(all_groups()))) == [
        ("timePatterns", PathKind.FILE, "a.yml"),
        ("timePatterns", PathKind.FILE, "b.yml"),
    ]


def test_named_paths_resolve_as_the_run_reads_them(shop: Path) -> None:
    config = load(shop / "eventgen.conf", require_samples=False)
    found = {(n.stanza, n.key, n.kind, n.text, n.path) for n in named_paths(config)}
    assert found == {
        ("web.log", "timePatterns", PathKind.FILE, "hourly.yml", shop / "hourly.yml"),
        ("web.log", "fileName", PathKind.OUTPUT, "out.log", Path.cwd() / "out.log"),
        ("web.log", "outputTemplateFile", PathKind.FILE, "line.tpl", None),  # does not exist
        ("web.log", "tcpTlsKeyFile", PathKind.TLS, "certs/client.key", shop / "certs" / "client.key"),
        ("web.log", "token.0.replacement", PathKind.FILE, "lookups/users.csv", shop / "lookups" / "users.csv"),
        ("shop", "jinja_template_dir", PathKind.FOLDER, "templates", shop / "templates"),
        ("shop", "jinjaSamples", PathKind.FILE, "users.csv", None),  # in the template folder: the jinja rule
    }


def test_the_workspace_of_a_conf(shop: Path) -> None:
    config = load(shop / "eventgen.conf", require_samples=False)
    space = Confinement.of(shop / "eventgen.conf", config)
    assert space.folders == (shop, shop / "templates")  # `../samples` does not exist; "/" and "/etc" are text
    assert space.files == (shop / "hourly.yml", shop / "lookups" / "users.csv")
    assert space.credentials == (shop / "certs" / "client.key",)
    assert space.listing([shop / "web.log"]) == [
        shop / "eventgen.conf",
        shop / "web.log",
        shop / "hourly.yml",
        shop / "lookups" / "users.csv",
        shop / "templates" / "browse.j2",
        shop / "templates" / "users.csv",
    ]


def test_check_refuses_what_resolves_outside(shop: Path) -> None:
    space = Confinement.of(shop / "eventgen.conf", load(shop / "eventgen.conf", require_samples=False))
    secret = shop.parent / "beside" / "secret.txt"
    (shop / "link.txt").symlink_to(secret)
    (shop / "linkdir").symlink_to(secret.parent)
    (shop / "loop").symlink_to(shop / "loop")
    (shop / ".env").write_text("TOKEN=x\n", "utf-8")
    assert space.check("web.log") == shop / "web.log"
    assert space.check(str(shop / "templates" / "browse.j2")) == shop / "templates" / "browse.j2"
    assert space.check("templates/new.j2") == shop / "templates" / "new.j2"  # a new file inside may be saved
    assert space.check("templates/../web.log") == shop / "web.log"
    refused = {
        "/etc/hostname": "refused: /etc/hostname is outside the workspace",
        "/": "refused: / is outside the workspace",
        str(secret): f"refused: {secret} is outside the workspace",
        "../beside/secret.txt": "refused: ../beside/secret.txt is outside the workspace",
        "templates/../../beside/new.txt": "refused: templates/../../beside/new.txt is outside the workspace",
        "link.txt": "refused: link.txt leads outside the workspace through a symbolic link",
        "linkdir/secret.txt": "refused: linkdir/secret.txt leads outside the workspace through a symbolic link",
        "linkdir/new.txt": "refused: linkdir/new.txt leads outside the workspace through a symbolic link",
        ".env": "refused: .env is hidden or a backup",
        "web.log.bak-20240101-000000": "refused: web.log.bak-20240101-000000 is hidden or a backup",
        "certs/client.key": "refused: certs/client.key is a TLS file the conf names; the studio does not serve those",
        "/proc/self/environ": "refused: /proc/self/environ is outside the workspace",
        "loop": "refused: loop is not a path the studio can resolve",
        "bad\0name": "refused: bad\0name is not a path the studio can resolve",
    }
    for text, message in refused.items():
        with pytest.raises(Refused) as caught:
            space.check(text)
        assert str(caught.value) == message, text


def test_root_and_system_folders_are_never_workspace(tmp_path: Path) -> None:
    jinja = 'generator = jinja\njinja_template_dir = templates\njinjaTemplates = ["t.j2"]\ncount = 1\n'
    conf = write_conf(tmp_path, f"[a]\nsampleDir = /\n{jinja}\n[b]\nsampleDir = /proc\n{jinja}")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.j2").write_text("x\n", "utf-8")
    config = load(conf, require_samples=False)
    assert [s.sample_dirs for s in config.samples] == [(Path("/"),), (Path("/proc"),)]
    space = Confinement.of(conf, config)
    assert space.folders == (tmp_path, tmp_path / "templates")
    for text in ("/etc/hostname", "/proc/self/status"):
        with pytest.raises(Refused, match="outside the workspace"):
            space.check(text)


def test_listing_is_bounded_and_stays_inside(tmp_path: Path, monkeypatch) -> None:
    conf = write_conf(tmp_path, "[x]\ncount = 1\n")
    deep = tmp_path.joinpath(*(f"d{i}" for i in range(6)))
    deep.mkdir(parents=True)
    for depth in range(6):
        tmp_path.joinpath(*(f"d{i}" for i in range(depth)), f"f{depth}.txt").write_text("x\n", "utf-8")
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "o.txt").write_text("o\n", "utf-8")
    (tmp_path / "out.txt").symlink_to(outside / "o.txt")
    (tmp_path / "outdir").symlink_to(outside)
    (tmp_path / "in.txt").symlink_to(tmp_path / "f0.txt")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "h.txt").write_text("h\n", "utf-8")
    (tmp_path / "x.png").write_bytes(b"\x89PNG")
    space = Confinement.of(conf, None)
    # f4.txt and f5.txt lie deeper than MAX_DEPTH folder levels; links out, hidden and binary files are skipped
    assert space.listing() == [
        conf,
        tmp_path / "d0" / "d1" / "d2" / "f3.txt",
        tmp_path / "d0" / "d1" / "f2.txt",
        tmp_path / "d0" / "f1.txt",
        tmp_path / "f0.txt",
    ]
    many = tmp_path / "many"
    many.mkdir()
    for n in range(confine.MAX_FILES + 50):
        (many / f"m{n:04d}.txt").write_text("m\n", "utf-8")
    assert len(space.listing()) == confine.MAX_FILES
    assert os.listdir(outside) == ["o.txt"]


def test_listing_reads_no_more_entries_than_its_budget(tmp_path: Path, monkeypatch) -> None:
    conf = write_conf(tmp_path, "[x]\ncount = 1\n")
    (tmp_path / "huge").mkdir()
    for n in range(1000):
        (tmp_path / "huge" / f"h{n:04d}.txt").write_text("h\n", "utf-8")
    monkeypatch.setattr(confine, "MAX_ENTRIES", 20)
    listed = Confinement.of(conf, None).listing()
    # eventgen.conf and huge/ take 2 of the 20 entries: 18 files of huge/ are read, the 982 others never are
    assert listed[0] == conf and len(listed) == 19
    assert all(path.parent == tmp_path / "huge" for path in listed[1:])
