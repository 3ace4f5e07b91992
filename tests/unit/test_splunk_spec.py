"""Splunk Eventgen's spec settings are understood or explained, never "unknown" (`conf.splunk_spec`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventgen.conf.splunk_spec import SETTINGS, VALUES, Status
from eventgen.core.errors import ConfigErrors
from eventgen.plugin.registry import registry
from eventgen.resolve.loader import load
from eventgen.resolve.plugins import setting_table
from tests.conftest import write_conf


def test_every_supported_spec_setting_is_declared_by_the_core_or_its_owner() -> None:
    table = setting_table()
    missing = []
    for entry in SETTINGS:
        if entry.status is not Status.SUPPORTED or entry.name.startswith("token."):
            continue
        if entry.owner:
            kind, name = entry.owner.split()
            if not registry.has(kind, name):
                continue  # explained at load as a plugin this installation lacks
            declared = {s.name for s in registry.get(kind, name).settings} | {
                s.name for klass in registry.get(kind, name).__mro__ for s in vars(klass).get("settings", ())
            }
            if entry.name not in declared:
                missing.append(entry.name)
        elif entry.name not in table:
            missing.append(entry.name)
    assert missing == []
    plugin_values = [v for v in VALUES if v.setting in ("generator", "rater") and v.status is Status.SUPPORTED]
    assert [v.value for v in plugin_values if not registry.has(v.setting, v.value)] == []
    assert len({e.name for e in SETTINGS}) == len(SETTINGS)


def test_spec_settings_we_do_not_apply_are_explained_once_not_unknown(tmp_path: Path) -> None:
    (tmp_path / "a.log").write_text("x\n")
    (tmp_path / "b.log").write_text("y\n")
    conf = write_conf(
        tmp_path,
        "[global]\nsampleDir = .\ndebug = true\nmaxIntervalsBeforeFlush = 3\nbackfillSearch = index=main\n"
        "[a\\.log]\n[b\\.log]\n",
    )
    warnings = load(conf).warnings
    assert warnings == [
        f"{conf}: [global] debug: ignored (Splunk Eventgen setting): logging is set on the command line: `eventgen -v`",
        f"{conf}: [global] maxIntervalsBeforeFlush: ignored (Splunk Eventgen setting): each job is one batch written "
        "at once, nothing is held between intervals (the reference never reads it)",
        f"{conf}: [global] backfillSearch: ignored (Splunk Eventgen setting): it narrows the backfill with a search "
        "on a Splunk server; eventgen starts at `backfill` as written",
    ]


def test_rater_backfill_is_applied(tmp_path: Path) -> None:
    (tmp_path / "a.log").write_text("x\n")
    conf = write_conf(tmp_path, "[a\\.log]\nsampleDir = .\nrater = backfill\nbackfill = -1h\ncount = 2\n")
    sample = load(conf).samples[0]
    assert sample.settings["rater"] == "backfill"
    assert sample.plugins["rater"].name == "backfill"


@pytest.mark.parametrize(
    ("setting", "key", "expected"),
    [
        (
            "generator = jinja\njinja_target_template = t.j2\njinja_count_type = perDayVolume",
            "jinja_count_type",
            "'perDayVolume' is not one of: cycles; Splunk Eventgen's `jinja_count_type = perDayVolume` is not "
            "supported: eventgen's jinja generator counts template renders (`cycles`) only",
        ),
        (
            "generator = weblog",
            "generator",
            "; Splunk Eventgen's `generator = weblog` is not supported: the reference's example of a hand-written "
            "Python generator",
        ),
        ("outputMode = s2s", "outputMode", "Splunk Eventgen's `outputMode = s2s` is not supported: Splunk-to-Splunk"),
    ],
)
def test_refused_spec_values_say_why_and_what_to_use(tmp_path: Path, setting: str, key: str, expected: str) -> None:
    (tmp_path / "a.log").write_text("x\n")
    conf = write_conf(tmp_path, f"[a\\.log]\nsampleDir = .\n{setting}\n")
    with pytest.raises(ConfigErrors) as caught:
        load(conf)
    (error,) = [e for e in caught.value.errors if e.key == key]
    assert expected in error.message, error.message
