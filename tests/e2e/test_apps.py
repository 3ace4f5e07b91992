"""Splunk apps through the CLI: app folders, default/local layering, --apps-dir, disabled apps, $SPLUNK_HOME."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import cli, write_conf

pytestmark = pytest.mark.e2e


def make_app(
    apps: Path,
    name: str,
    default: str | None = None,
    local: str | None = None,
    samples: dict[str, str] | None = None,
    app_conf_local: str | None = None,
) -> Path:
    app = apps / name
    for folder, text in (("default", default), ("local", local)):
        if text is not None:
            (app / folder).mkdir(parents=True, exist_ok=True)
            write_conf(app / folder, text)
    if app_conf_local is not None:
        (app / "local").mkdir(parents=True, exist_ok=True)
        write_conf(app / "local", app_conf_local, name="app.conf")
    (app / "samples").mkdir(parents=True, exist_ok=True)
    for file_name, text in (samples or {}).items():
        (app / "samples" / file_name).write_text(text)
    return app


@pytest.fixture
def splunk_home(tmp_path: Path) -> Path:
    """$SPLUNK_HOME with etc/apps holding: two apps sharing stanza names (with local overrides),
    an app disabled in app.conf, an app whose local eventgen.conf disables it, and a non-app folder."""
    apps = tmp_path / "splunk" / "etc" / "apps"
    make_app(
        apps,
        "app_one",
        default="""
        [web\\.log]
        count = 2
        end = 1
        index = one_default
        sourcetype = one:web
        host = one-host
        token.0.token = @USER@
        token.0.replacementType = file
        token.0.replacement = $SPLUNK_HOME/etc/apps/app_one/samples/users.csv

        [db\\.log]
        end = 1
        sourcetype = one:db
    """,
        local="""
        [web\\.log]
        count = 3
        index = one_local
    """,
        samples={"web.log": "GET /one @USER@\n", "db.log": "db one a\ndb one b\n", "users.csv": "alice\n"},
    )
    make_app(
        apps,
        "app_two",
        default="""
        [global]
        host = two-default-host

        [web\\.log]
        count = 1
        end = 1
        sourcetype = two:web
        token.0.token = @HOST@
        token.0.replacementType = file
        token.0.replacement = hosts.txt
    """,
        local="""
        [global]
        host = two-local-host
    """,
        samples={"web.log": "GET /two from @HOST@\n", "hosts.txt": "web-07\n"},
    )
    make_app(
        apps,
        "app_off",
        default="[web\\.log]\nend = 1\n",
        samples={"web.log": "must not appear\n"},
        app_conf_local="[install]\nstate = disabled\n",
    )
    make_app(
        apps,
        "app_local_off",
        default="[web\\.log]\nend = 1\n",
        local="[global]\ndisabled = true\n",
        samples={"web.log": "must not appear either\n"},
    )
    (apps / "search" / "default").mkdir(parents=True)
    write_conf(apps / "search" / "default", "[install]\nstate = enabled\n", name="app.conf")
    return tmp_path / "splunk"


def xml_events(stdout: str) -> list[dict[str, str]]:
    root = ET.fromstring(stdout)
    assert root.tag == "stream"
    return [{child.tag: child.text or "" for child in event} for event in root.findall("event")]


def without_time(events: list[dict[str, str]]) -> list[tuple[str, ...]]:
    return sorted((e["index"], e["sourcetype"], e["host"], e["source"], e["data"]) for e in events)


def test_apps_dir_layers_default_and_local_per_app_and_skips_disabled_apps(splunk_home: Path, tmp_path: Path) -> None:
    apps = splunk_home / "etc" / "apps"
    result = cli(
        "--apps-dir",
        str(apps),
        "--modinput",
        "--stats-json",
        str(tmp_path / "s.json"),
        "--status-interval",
        "0",
        env={"SPLUNK_HOME": str(splunk_home)},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert without_time(xml_events(result.stdout)) == sorted(
        [
            ("main", "one:db", "127.0.0.1", "db.log", "db one a"),
            ("main", "one:db", "127.0.0.1", "db.log", "db one b"),
            *[("one_local", "one:web", "one-host", "web.log", "GET /one alice")] * 3,
            ("main", "two:web", "two-local-host", "web.log", "GET /two from web-07"),
        ]
    )
    rows = {
        (r["sample"], r["output"]): (r["generated"], r["sent"], r["failed"])
        for r in json.loads((tmp_path / "s.json").read_text())["rows"]
    }
    assert rows == {
        ("app_one:db.log", "modinput"): (2, 2, 0),
        ("app_one:web.log", "modinput"): (3, 3, 0),
        ("app_two:web.log", "modinput"): (1, 1, 0),
    }
    # the summary labels each sample with its app
    assert "app_one:web.log" in result.stderr and "app_two:web.log" in result.stderr


def test_validate_lists_app_labelled_samples(splunk_home: Path) -> None:
    apps = splunk_home / "etc" / "apps"
    result = cli("validate", "--apps-dir", str(apps), env={"SPLUNK_HOME": str(splunk_home)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "app_one:web.log: generator=default outputs=stdout tokens=1",
        "app_one:db.log: generator=default outputs=stdout tokens=0",
        "app_two:web.log: generator=default outputs=stdout tokens=1",
        f"{apps}: OK, 3 sample(s), 0 warning(s)",
    ]


def test_one_app_folder_as_conf(splunk_home: Path, tmp_path: Path) -> None:
    app = splunk_home / "etc" / "apps" / "app_one"
    result = cli(
        str(app), "-s", "web.log", "--status-interval", "0", env={"SPLUNK_HOME": str(splunk_home)}, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["GET /one alice"] * 3


def test_app_name_under_splunk_home(splunk_home: Path, tmp_path: Path) -> None:
    result = cli("app_two", "--modinput", "--status-interval", "0", env={"SPLUNK_HOME": str(splunk_home)}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert without_time(xml_events(result.stdout)) == [
        ("main", "two:web", "two-local-host", "web.log", "GET /two from web-07")
    ]


def test_splunk_home_token_path_needs_splunk_home(splunk_home: Path, tmp_path: Path) -> None:
    app = splunk_home / "etc" / "apps" / "app_one"
    result = cli("validate", str(app), env={"SPLUNK_HOME": ""}, cwd=tmp_path)
    # an empty SPLUNK_HOME expands to "", making the path absolute and missing
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"eventgen: error: {app / 'default' / 'eventgen.conf'}: [web\\.log]: token.0.replacement: "
        "file $SPLUNK_HOME/etc/apps/app_one/samples/users.csv (/etc/apps/app_one/samples/users.csv) does not exist"
    ]


def test_unset_splunk_home_error_lists_every_place_tried(splunk_home: Path, tmp_path: Path) -> None:
    app = splunk_home / "etc" / "apps" / "app_one"
    (app / "default" / "eventgen.conf").write_text(
        (app / "default" / "eventgen.conf").read_text().replace("$SPLUNK_HOME", "$EVENTGEN_TEST_UNSET_HOME")
    )
    result = cli("validate", str(app), cwd=tmp_path)
    relative = "$EVENTGEN_TEST_UNSET_HOME/etc/apps/app_one/samples/users.csv"
    tried = ", ".join(str(base / relative) for base in (tmp_path, app / "default", app / "samples"))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"eventgen: error: {app / 'default' / 'eventgen.conf'}: [web\\.log]: token.0.replacement: "
        f"file {relative!r} not found (environment variable EVENTGEN_TEST_UNSET_HOME not set); tried {tried}"
    ]


def test_relative_token_paths_try_cwd_then_conf_folder_then_app_samples(tmp_path: Path) -> None:
    apps = tmp_path / "apps"
    app = make_app(
        apps,
        "lookup_app",
        default="""
        [x\\.log]
        end = 1
        token.0.token = @A@
        token.0.replacementType = file
        token.0.replacement = a.txt
        token.1.token = @B@
        token.1.replacementType = file
        token.1.replacement = b.txt
        token.2.token = @C@
        token.2.replacementType = file
        token.2.replacement = c.txt
    """,
        samples={"x.log": "@A@ @B@ @C@\n", "a.txt": "a-samples\n", "b.txt": "b-samples\n", "c.txt": "c-samples\n"},
    )
    work = tmp_path / "work"
    work.mkdir()
    (work / "a.txt").write_text("a-cwd\n")
    (app / "default" / "a.txt").write_text("a-conf\n")
    (app / "default" / "b.txt").write_text("b-conf\n")
    result = cli(str(app), "--status-interval", "0", cwd=work)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["a-cwd b-conf c-samples"]


def test_app_samples_come_only_from_the_app_samples_folder(tmp_path: Path) -> None:
    app = make_app(tmp_path, "regex_app", default="[.*\\.conf]\nend = 1\n", samples={"s.conf": "from samples\n"})
    write_conf(app / "default", "[launcher]\nversion = 1.0.0\n", name="app.conf")
    result = cli(str(app), "--status-interval", "0", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # default/eventgen.conf and default/app.conf are not samples even though the stanza regex matches them
    assert result.stdout.splitlines() == ["from samples"]


def test_errors_of_every_app_are_reported_together(tmp_path: Path) -> None:
    apps = tmp_path / "apps"
    make_app(apps, "bad_a", default="[a\\.log]\ncount = many\n", samples={"a.log": "a\n"})
    make_app(apps, "bad_b", default="[b\\.log]\ninterval = -1\n", samples={"b.log": "b\n"})
    result = cli("validate", "--apps-dir", str(apps), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"eventgen: error: {apps / 'bad_a' / 'default' / 'eventgen.conf'}: [a\\.log]: count: ")
    assert lines[1].startswith(
        f"eventgen: error: {apps / 'bad_b' / 'default' / 'eventgen.conf'}: [b\\.log]: interval: "
    )


def test_folder_without_apps_and_conflicting_arguments_are_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = cli("--apps-dir", str(tmp_path / "empty"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"eventgen: error: {tmp_path / 'empty'}: no app with default/eventgen.conf or local/eventgen.conf "
        "in this folder"
    ]
    result = cli("validate", str(tmp_path / "empty"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"eventgen: error: {tmp_path / 'empty'}: not an app folder: no default/eventgen.conf or "
        "local/eventgen.conf (give --apps-dir for a folder of apps)"
    ]
    result = cli("validate", "x.conf", "--apps-dir", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["eventgen: error: give either CONF or --apps-dir, not both"]


def test_engine_settings_come_from_the_first_app(tmp_path: Path) -> None:
    apps = tmp_path / "apps"
    make_app(
        apps, "a_first", default="[global]\ngeneratorWorkers = 2\n\n[a\\.log]\nend = 1\n", samples={"a.log": "a\n"}
    )
    make_app(
        apps, "b_second", default="[global]\ngeneratorWorkers = 3\n\n[b\\.log]\nend = 1\n", samples={"b.log": "b\n"}
    )
    result = cli("validate", "--apps-dir", str(apps), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"{apps}: OK, 2 sample(s), 1 warning(s)"
    assert result.stderr.splitlines() == [
        f"eventgen: WARNING: {apps / 'b_second' / 'default' / 'eventgen.conf'}: [global] engine settings differ "
        f"from the first app's and are ignored; those of {apps / 'a_first' / 'default' / 'eventgen.conf'} apply"
    ]
