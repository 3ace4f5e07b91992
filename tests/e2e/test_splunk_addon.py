"""A published-style technology add-on (tests/fixtures/TA-acme-gateway) run unchanged through the CLI: chained
tokens, autotimestamp on a token-less sample, host tokens from a lookup, and a stanza whose sample is gone."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, cli

pytestmark = pytest.mark.e2e

APP = "TA-acme-gateway"
EVENT = re.compile(r"<event>.*?<sourcetype>(.*?)</sourcetype><host>(.*?)</host><data>(.*?)</data></event>")


def test_the_add_on_runs_unchanged_with_chained_tokens_autotimestamp_and_host_tokens(tmp_path: Path) -> None:
    home = tmp_path / "splunk"
    app = home / "etc" / "apps" / APP
    shutil.copytree(FIXTURES / APP, app)
    result = cli("generate", str(app), "--modinput", "--seed", "7", env={"SPLUNK_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    events: dict[str, list[tuple[str, str]]] = {}
    for sourcetype, host, data in EVENT.findall(result.stdout):
        events.setdefault(sourcetype, []).append((host, data))
    assert events == {
        "acme:gateway:session": [
            ("gw-02.acme.example", "2023-11-14T22:13:20.250Z action=login session=sess-5000 user=alice result=success"),
            ("gw-01.acme.example", "2023-11-14T22:13:20.981Z action=fetch session=sess-5001 user=bob bytes=4096"),
            ("gw-01.acme.example", "2023-11-14T22:13:20.002Z action=logout session=sess-5002 user=alice reason=idle"),
        ],
        "acme:gateway:audit": [
            ("gw-audit.acme.example", "Nov 14 22:13:20 gw-audit acmegw[411]: policy reload requested by admin"),
            ("gw-audit.acme.example", "11/14/2023 22:13:20 policy=default-deny rules=118 status=loaded"),
            ("gw-audit.acme.example", '14/Nov/2023:22:13:20 +0000 audit "config push" from 10.20.0.4 accepted'),
        ],
    }
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    conf = app / "default" / "eventgen.conf"
    assert warnings == [
        f"eventgen: WARNING: {conf}: [acme_gateway_legacy\\.log]: no matching files: no sample file matches this "
        f"stanza in {app / 'samples'}; this stanza is skipped, the others run"
    ]


def test_sample_selection_comes_before_the_missing_sample_matters(tmp_path: Path) -> None:
    home = tmp_path / "splunk"
    app = home / "etc" / "apps" / APP
    shutil.copytree(FIXTURES / APP, app)
    result = cli("generate", str(app), "--modinput", "-s", r"acme_gateway_audit\.log", env={"SPLUNK_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    assert [st for st, _, _ in EVENT.findall(result.stdout)] == ["acme:gateway:audit"] * 3
    assert "WARNING" not in result.stderr
    only_missing = cli("generate", str(app), "-s", "acme_gateway_legacy.*", env={"SPLUNK_HOME": str(home)})
    assert only_missing.returncode == 2
    assert only_missing.stderr.splitlines()[-1].startswith(
        f"eventgen: error: {app / 'default' / 'eventgen.conf'}: [acme_gateway_legacy\\.log]: no sample file matches"
    )


def test_in_a_folder_of_apps_an_app_without_its_samples_does_not_stop_the_others(tmp_path: Path) -> None:
    home = tmp_path / "splunk"
    apps = home / "etc" / "apps"
    shutil.copytree(FIXTURES / APP, apps / APP)
    broken = apps / "TA-gone"
    (broken / "default").mkdir(parents=True)
    (broken / "default" / "eventgen.conf").write_text("[gone\\.log]\ncount = 1\nend = 1\n")
    result = cli("--apps-dir", str(apps), "--modinput", env={"SPLUNK_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    assert len(EVENT.findall(result.stdout)) == 6
    assert f"{broken / 'default' / 'eventgen.conf'}: [gone\\.log]: no matching files" in result.stderr
