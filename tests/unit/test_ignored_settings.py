"""Every setting does something, or is warned about: keys the stanza's input, rater or generator ignore, and
`[global]` tokens (inherited by every stanza)."""

from __future__ import annotations

from pathlib import Path

from eventgen.resolve.loader import load
from tests.conftest import write_conf


def warnings_of(tmp_path: Path, conf: str, sample: str = "ev N\n") -> list[str]:
    (tmp_path / "s.log").write_text(sample)
    (tmp_path / "ts.txt").write_text("2024-01-01T00:00:00\n")
    write_conf(tmp_path, conf)
    return load(tmp_path / "eventgen.conf").warnings


def ignored(warnings: list[str]) -> dict[str, str]:
    return {w.split("] ", 1)[1].split(":", 1)[0]: w for w in warnings if ": ignored: " in w}


def test_count_interval_and_rate_tables_under_an_input_with_explicit_times_are_warned(tmp_path: Path) -> None:
    found = ignored(
        warnings_of(
            tmp_path,
            "[s\\.log]\nsampleDir = .\ninput = timestamps\ntimestampsFile = ts.txt\ncount = 5\ninterval = 10\n"
            'hourOfDayRate = {"1": 2}\ndayOfWeekRate = {"0": 2}\nrandomizeCount = 0.2\nearliest = -1m\n',
        )
    )
    assert set(found) == {"count", "interval", "hourOfDayRate", "dayOfWeekRate", "randomizeCount", "earliest"}
    assert "[s\\.log] count: ignored: input `timestamps` does not read it" in found["count"]
    assert "asks no rater" in found["hourOfDayRate"]


def test_each_input_is_warned_about_the_schedule_keys_it_ignores(tmp_path: Path) -> None:
    cron = ignored(
        warnings_of(tmp_path, "[s\\.log]\nsampleDir = .\ninput = cron\ncron = * * * * *\ncount = 3\ninterval = 9\n")
    )
    assert set(cron) == {"interval"} and "neither input `cron` nor rater `config` reads it" in cron["interval"]
    linspace = ignored(
        warnings_of(
            tmp_path, "[s\\.log]\nsampleDir = .\ninput = linspace\nlinspaceEnd = +1h\ncount = 3\ninterval = 9\n"
        )
    )
    assert set(linspace) == {"interval"}  # linspace spreads `count` events: it reads count
    volume = ignored(warnings_of(tmp_path, "[s\\.log]\nsampleDir = .\nperDayVolume = 0.1\ncount = 3\ninterval = 9\n"))
    assert set(volume) == {"count"} and "rater `perdayvolume` sizes each interval itself" in volume["count"]


def test_defaults_global_keys_and_used_keys_are_not_warned(tmp_path: Path) -> None:
    assert not ignored(
        warnings_of(
            tmp_path,
            "[global]\ncount = 4\ninterval = 5\n"
            "[s\\.log]\nsampleDir = .\ninput = timestamps\ntimestampsFile = ts.txt\n",
        )
    )
    assert not ignored(
        warnings_of(tmp_path, '[s\\.log]\nsampleDir = .\ncount = 4\ninterval = 5\nhourOfDayRate = {"1": 2}\n')
    )


def test_a_setting_of_a_plugin_the_stanza_does_not_use_is_warned(tmp_path: Path) -> None:
    found = ignored(warnings_of(tmp_path, "[s\\.log]\nsampleDir = .\njinjaBatch = true\ntimerRepeat = 3\n"))
    assert "a setting of generator `jinja`, but this stanza uses generator `default`" in found["jinjaBatch"]
    assert "a setting of input `timer`, but this stanza uses input `interval`" in found["timerRepeat"]


def test_global_tokens_are_inherited_by_every_stanza_after_its_own(tmp_path: Path) -> None:
    (tmp_path / "t.log").write_text("other N\n")
    conf = (
        "[global]\ntoken.0.token = N\ntoken.0.replacementType = static\ntoken.0.replacement = G\n"
        "[s\\.log]\nsampleDir = .\ntoken.0.token = ev\ntoken.0.replacementType = static\ntoken.0.replacement = E\n"
        "[t\\.log]\nsampleDir = .\n"
    )
    warnings = warnings_of(tmp_path, conf)
    assert not [w for w in warnings if "unknown setting" in w or "token" in w], warnings
    samples = {s.name: s for s in load(tmp_path / "eventgen.conf").samples}
    assert [(t.stanza, t.replacement) for t in samples["s.log"].tokens] == [("s\\.log", "E"), ("global", "G")]
    assert [(t.stanza, t.replacement) for t in samples["t.log"].tokens] == [("global", "G")]
