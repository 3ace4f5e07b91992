"""The studio's API through Flask's test client: access control, config, preview, histogram, debugger, save."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from eventgen.tools.studio.app import COOKIE, HEADER, create_app
from eventgen.tools.studio.histogram import bin_events
from eventgen.tools.studio.preview import detect_format
from eventgen.tools.studio.workspace import Workspace
from tests.conftest import write_conf

TOKEN = "test-token-123"
CONF = """
[global]
outputMode = devnull

[web.log]
interval = 3600
count = 10
earliest = now
latest = now
timezone = utc

[spread.log]
interval = 60
count = 3
earliest = -60s
latest = now
timezone = utc
"""
LINES = "a=1 b=2 c=3\nd=4 e=5 f=6\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_conf(tmp_path, CONF)
    (tmp_path / "web.log").write_text(LINES, "utf-8")
    (tmp_path / "spread.log").write_text("plain text event\n", "utf-8")
    return tmp_path


@pytest.fixture
def client(folder: Path):
    app = create_app(Workspace(folder / "eventgen.conf", seed=3), token=TOKEN)
    return app.test_client()


def post(client, path: str, body: dict):
    return client.post(path, json=body, headers={HEADER: TOKEN})


def test_every_request_needs_the_token(client) -> None:
    assert client.get("/").status_code == 401
    assert client.get("/?token=wrong").status_code == 401
    assert client.get("/api/config").status_code == 401
    assert client.get("/api/config", headers={HEADER: "wrong"}).status_code == 401
    assert client.get("/static/studio.js").status_code == 401
    first = client.get(f"/?token={TOKEN}")
    assert first.status_code == 303 and first.headers["Location"] == "/"
    cookie = first.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}={TOKEN};") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get("/")  # the test client keeps the cookie
    assert page.status_code == 200
    assert f'<meta name="studio-token" content="{TOKEN}">' in page.get_data(as_text=True)
    assert client.get("/static/studio.js").status_code == 200
    # the cookie alone does not open the API: a page on another site could send it
    assert client.get("/api/config").status_code == 401
    assert client.get("/api/config", headers={HEADER: TOKEN}).status_code == 200


def test_password_login(folder: Path) -> None:
    client = create_app(Workspace(folder / "eventgen.conf"), token=TOKEN, password="s3cret").test_client()
    assert client.get("/").headers["Location"] == "/login"
    assert client.post("/login", data={"password": "nope"}).status_code == 403
    ok = client.post("/login", data={"password": "s3cret"})
    assert ok.status_code == 303 and ok.headers["Set-Cookie"].startswith(f"{COOKIE}={TOKEN};")
    assert client.get("/").status_code == 200


def test_config_view_and_inline_errors(client, folder: Path) -> None:
    view = client.get("/api/config", headers={HEADER: TOKEN}).get_json()
    assert view["errors"] == []
    assert [s["label"] for s in view["samples"]] == ["web.log", "spread.log"]
    web = view["samples"][0]
    assert web["settings"]["count"] == 10 and web["settings"]["interval"] == 3600.0
    assert web["settings"]["outputMode"] == ["devnull"]
    assert set(web["changed"]) == {"count", "interval", "outputMode", "source", "timezone"}
    assert view["stanzas"]["web.log"]["count"] == "10"
    assert view["files"] == [str(folder / "eventgen.conf"), str(folder / "web.log"), str(folder / "spread.log")]
    bad = post(client, "/api/config", {"conf_text": CONF.replace("count = 10", "count = x")}).get_json()
    assert bad["errors"] == [
        {
            "file": str(folder / "eventgen.conf"),
            "stanza": "web.log",
            "key": "count",
            "message": "expected an integer, got 'x'",
        }
    ]
    assert bad["samples"] == []
    assert sorted(p.name for p in folder.iterdir()) == ["eventgen.conf", "spread.log", "web.log"]


def test_preview_renders_n_events_with_format(client) -> None:
    result = post(client, "/api/preview", {"sample": "web.log", "n": 5}).get_json()
    assert result["events"] == ["a=1 b=2 c=3", "d=4 e=5 f=6", "a=1 b=2 c=3", "d=4 e=5 f=6", "a=1 b=2 c=3"]
    assert result["format"] == "kv" and result["seed"] == 3 and len(result["times"]) == 5
    plain = post(client, "/api/preview", {"sample": "spread.log", "n": 2}).get_json()
    assert plain["events"] == ["plain text event", "plain text event"] and plain["format"] == "plain"
    missing = post(client, "/api/preview", {"sample": "nope", "n": 2})
    assert missing.status_code == 400
    assert missing.get_json()["error"] == "no enabled sample 'nope'; samples: web.log, spread.log"
    assert post(client, "/api/preview", {"sample": "web.log", "n": 0}).status_code == 400


def test_preview_uses_unsaved_text_and_seed(client) -> None:
    text = CONF.replace("count = 10", "count = 10\nrandomizeEvents = true")
    one = post(client, "/api/preview", {"sample": "web.log", "n": 20, "seed": 11, "conf_text": text}).get_json()
    two = post(client, "/api/preview", {"sample": "web.log", "n": 20, "seed": 11, "conf_text": text}).get_json()
    other = post(client, "/api/preview", {"sample": "web.log", "n": 20, "seed": 12, "conf_text": text}).get_json()
    assert one["events"] == two["events"] and one["events"] != other["events"]


def test_histogram_counts_and_rate_table_override(client) -> None:
    window = {"sample": "web.log", "start": "2024-01-01T00:00:00", "end": "2024-01-02T00:00:00", "bins": 24}
    flat = post(client, "/api/histogram", window).get_json()
    assert flat["counts"] == [10.0] * 24 and flat["ticks"] == 24 and flat["in_window"] == 240
    assert flat["labels"][0] == "2024-01-01 00:00:00" and flat["labels"][24] == "2024-01-02 00:00:00"
    rated = post(client, "/api/histogram", {**window, "overrides": {"hourOfDayRate": '{"5": 3, "6": 0}'}}).get_json()
    expected = [10.0] * 24
    expected[5], expected[6] = 30.0, 0.0
    assert rated["counts"] == expected and rated["total"] == 250
    bad = post(client, "/api/histogram", {**window, "overrides": {"hourOfDayRate": '{"24": 1}'}})
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0]["message"] == "key '24' is outside 0-23"


def test_histogram_spreads_counts_over_earliest_latest(client) -> None:
    body = {"sample": "spread.log", "start": "2024-01-01T00:00:00", "end": "2024-01-01T01:00:00", "bins": 12}
    result = post(client, "/api/histogram", body).get_json()
    # 60 ticks (00:00 … 00:59) of 3 events, each spread over the minute before its tick: the first
    # tick's events fall before the window; the last bin gets only the ticks at 00:56 … 00:59
    assert result["ticks"] == 60 and result["total"] == 180
    assert result["counts"] == [15.0] * 11 + [12.0] and result["in_window"] == 177


def test_bin_events_explicit_points_and_spans() -> None:
    edges = np.array([0.0, 10.0, 20.0, 30.0])
    counts, total = bin_events(
        edges, [(0.0, 20.0, 4.0), (25.0, 25.0, 2.0), (30.0, 30.0, 5.0)], [np.array([1.0, 11.0, 12.0, 29.9, 30.0])]
    )
    assert counts.tolist() == [3.0, 4.0, 3.0] and total == 16


def test_debugger_steps_and_state(client) -> None:
    result = post(client, "/api/debug/step", {"sample": "web.log", "steps": 3}).get_json()
    assert [s["step"] for s in result["steps"]] == [1, 2, 3]
    assert [s["events"] for s in result["steps"]] == [["a=1 b=2 c=3"], ["d=4 e=5 f=6"], ["a=1 b=2 c=3"]]
    assert [s["state"] for s in result["steps"]] == [{}, {}, {}] and result["error"] is None


def test_save_conf_validates_then_backs_up(client, folder: Path) -> None:
    conf = folder / "eventgen.conf"
    rejected = post(client, "/api/save", {"file": str(conf), "content": CONF.replace("count = 10", "count = x")})
    assert rejected.status_code == 422
    assert rejected.get_json()["errors"][0]["message"] == "expected an integer, got 'x'"
    assert conf.read_text("utf-8") == CONF.lstrip() and list(folder.glob("*.bak-*")) == []
    new = CONF.replace("count = 10", "count = 20")
    saved = post(client, "/api/save", {"file": "eventgen.conf", "content": new}).get_json()
    backups = list(folder.glob("eventgen.conf.bak-*"))
    assert saved["file"] == str(conf) and saved["backup"] == str(backups[0]) and len(backups) == 1
    assert conf.read_text("utf-8") == new and backups[0].read_text("utf-8") == CONF.lstrip()
    assert not list(folder.glob(".studio-*"))


def test_save_refuses_paths_outside_and_backups(client, folder: Path, tmp_path_factory) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "x.txt"
    refused = {
        str(outside): f"refused: {outside} is outside the workspace",
        "../x.txt": "refused: ../x.txt is outside the workspace",
        "eventgen.conf.bak-20240101-000000": "refused: eventgen.conf.bak-20240101-000000 is hidden or a backup",
        ".hidden": "refused: .hidden is hidden or a backup",
    }
    for target, message in refused.items():
        answer = post(client, "/api/save", {"file": target, "content": "x"})
        assert (answer.status_code, answer.get_json()) == (403, {"error": message, "errors": []}), target
    assert not outside.exists() and not (folder.parent / "x.txt").exists()
    assert sorted(p.name for p in folder.iterdir()) == ["eventgen.conf", "spread.log", "web.log"]
    assert post(client, "/api/file", {}).status_code == 405
    read = client.get(f"/api/file?path={folder / 'web.log'}", headers={HEADER: TOKEN}).get_json()
    assert read["content"] == LINES


def test_save_sample_file_is_validated_in_place(client, folder: Path) -> None:
    conf = folder / "eventgen.conf"
    conf.write_text(CONF + "\n[rows.csv]\nsampletype = csv\ninterval = 60\ncount = 1\n", "utf-8")
    rows = folder / "rows.csv"
    rows.write_text("_raw,host\nhello,h1\n", "utf-8")
    rejected = post(client, "/api/save", {"file": str(rows), "content": "text,host\nhello,h1\n"})
    assert rejected.status_code == 422
    assert rejected.get_json()["errors"] == [
        {"file": str(rows), "stanza": "rows.csv", "key": "sampletype", "message": "a CSV sample needs a _raw column"}
    ]
    assert rows.read_text("utf-8") == "_raw,host\nhello,h1\n" and list(folder.glob("rows.csv.bak-*")) == []
    ok = post(client, "/api/save", {"file": str(rows), "content": "_raw,host\nbye,h2\n"}).get_json()
    assert rows.read_text("utf-8") == "_raw,host\nbye,h2\n"
    assert Path(ok["backup"]).read_text("utf-8") == "_raw,host\nhello,h1\n"


def test_detect_format() -> None:
    assert detect_format(['{"a": 1}', "[1, 2]"]) == "json"
    assert detect_format(['{"a": 1}', "not json"]) == "plain"
    assert detect_format(["x=1 y=2", 'a=1, b="two words"', "plain"]) == "kv"
    assert detect_format(["one=1 only", "nothing here"]) == "plain"
    assert detect_format([]) == "plain"


def test_histogram_live_pacing_spreads_interval_ticks(client) -> None:
    window = {
        "sample": "web.log",
        "start": "2024-01-01T00:00:00",
        "end": "2024-01-01T04:00:00",
        "bins": 8,
        "overrides": {"count": "4"},
    }
    historical = post(client, "/api/histogram", {**window, "mode": "historical"}).get_json()
    assert historical["counts"] == [4.0, 0.0] * 4 and historical["live"] is False
    live = post(client, "/api/histogram", {**window, "mode": "live"}).get_json()
    assert live["counts"] == [2.0] * 8 and live["live"] is True
    assert post(client, "/api/histogram", window).get_json()["live"] is True  # no `end`: a live sample
    assert post(client, "/api/histogram", {**window, "mode": "sideways"}).status_code == 400


def test_histogram_of_other_schedules(client, folder: Path) -> None:
    (folder / "times.txt").write_text(
        "2024-01-01T00:10:00\n2024-01-01T00:20:00\n2024-01-01T01:30:00\n# comment\n1704069000\n", "utf-8"
    )
    text = CONF + (
        "\n[cron.log]\ninput = cron\ncron = 0 */6 * * *\ncount = 5\ntimezone = utc\n"
        "\n[stamps.log]\ninput = timestamps\ntimestampsFile = times.txt\ntimezone = utc\n"
    )
    (folder / "cron.log").write_text("cron event\n", "utf-8")
    (folder / "stamps.log").write_text("stamped event\n", "utf-8")
    day = {"start": "2024-01-01T00:00:00", "end": "2024-01-02T00:00:00", "bins": 4, "conf_text": text}
    cron = post(client, "/api/histogram", {"sample": "cron.log", **day}).get_json()
    assert cron["input"] == "cron" and cron["counts"] == [5.0, 5.0, 5.0, 5.0] and cron["ticks"] == 4
    hours = {"start": "2024-01-01T00:00:00", "end": "2024-01-01T03:00:00", "bins": 3, "conf_text": text}
    stamps = post(client, "/api/histogram", {"sample": "stamps.log", **hours}).get_json()
    # 1704069000 is 2024-01-01T00:30:00Z
    assert stamps["input"] == "timestamps" and stamps["counts"] == [3.0, 1.0, 0.0] and stamps["total"] == 4


def test_output_destinations_are_not_editable(client, folder: Path, tmp_path_factory) -> None:
    elsewhere = tmp_path_factory.mktemp("logs")
    (elsewhere / "out.log").write_text("old\n", "utf-8")
    text = CONF.replace("outputMode = devnull", f"outputMode = file\nfileName = {elsewhere / 'out.log'}")
    assert post(client, "/api/save", {"file": "eventgen.conf", "content": text}).status_code == 200
    view = client.get("/api/config", headers={HEADER: TOKEN}).get_json()
    assert view["errors"] == [] and str(elsewhere / "out.log") not in view["files"]
    assert post(client, "/api/save", {"file": str(elsewhere / "out.log"), "content": "x"}).status_code == 403
    assert (elsewhere / "out.log").read_text("utf-8") == "old\n"


def test_histogram_counts_are_whole_events_summing_to_the_total(client) -> None:
    # 7 events per minute spread over the minute before each tick, 13 bins that cut minutes anywhere
    text = CONF.replace("count = 3\n", "count = 7\n")
    body = {"sample": "spread.log", "start": "2024-01-01T00:00:00", "end": "2024-01-01T01:00:00", "bins": 13}
    result = post(client, "/api/histogram", {**body, "conf_text": text}).get_json()
    counts = result["counts"]
    assert all(type(c) is int for c in counts) and len(counts) == 13
    assert result["ticks"] == 60 and result["total"] == 420
    # the first tick's 7 events fall before the window; every other event is in exactly one bin
    assert sum(counts) == result["in_window"] == 413
    # evenly spread, 7 per 60 s: 32 or 33 in a 276.9 s bin (the last bin lacks the 01:00 tick's events)
    assert set(counts[:-1]) <= {32, 33}
    rated = post(client, "/api/histogram", {**body, "conf_text": text, "overrides": {"randomizeCount": "0.5"}})
    rated = rated.get_json()
    assert all(type(c) is int for c in rated["counts"]) and sum(rated["counts"]) == rated["in_window"]


def test_bin_events_places_whole_events_evenly() -> None:
    counts, total = bin_events(np.array([0.0, 1.0, 2.0, 3.0]), [(0.0, 3.0, 2.0), (0.5, 2.5, 3.0)], [])
    # events at 0, 1.5 and at 0.5, 1.1667, 1.8333
    assert counts.tolist() == [2, 3, 0] and total == 5 and counts.dtype.kind == "i"


def test_config_view_reads_splunk_syntax(client) -> None:
    text = "\ufeff" + CONF.replace("count = 10\n", "count = 1\\\n0\n")
    view = post(client, "/api/config", {"conf_text": text}).get_json()
    assert view["errors"] == [] and view["stanzas"]["web.log"]["count"] == "10"
    bad = post(client, "/api/config", {"conf_text": "no stanza here\n[a]\nb = 1\n"}).get_json()
    assert bad["errors"][0]["message"] == "line 1: 'no stanza here' comes before any [stanza]"


def test_preview_of_unsaved_sample_file_puts_the_saved_one_back(client, folder: Path) -> None:
    log = folder / "web.log"
    before = log.stat().st_mtime_ns
    body = {"sample": "web.log", "n": 2, "files": {str(log): "x=1 y=2\nz=3 w=4\n"}}
    result = post(client, "/api/preview", body).get_json()
    assert result["events"] == ["x=1 y=2", "z=3 w=4"]
    assert log.read_text("utf-8") == LINES and log.stat().st_mtime_ns == before
    assert post(client, "/api/preview", {"sample": "web.log", "n": 1}).get_json()["events"] == ["a=1 b=2 c=3"]
    outside = post(client, "/api/preview", {**body, "files": {"/etc/hostname": "x"}})
    assert outside.status_code == 403
    assert outside.get_json()["error"] == "refused: /etc/hostname is outside the workspace"
    conf = post(client, "/api/preview", {**body, "files": {"eventgen.conf": "x"}})
    assert conf.status_code == 400 and "conf_text" in conf.get_json()["error"]


def test_studio_binds_loopback_unless_asked() -> None:
    import argparse

    from eventgen.cli.studio import build_studio

    parser = argparse.ArgumentParser()
    build_studio(parser)
    assert parser.parse_args(["x.conf"]).host == "127.0.0.1"
    assert parser.parse_args(["x.conf", "--host", "0.0.0.0"]).host == "0.0.0.0"


PATTERN = """oscillator:
  period: 1
  unit: hours
  start: 2024-01-01T00:00:00Z
  end: never
multiplier:
  ratio: 50
randomizer:
  deviation: 0
  direction: mixed
spreader:
  distribution: uniform
  parameters: {low: 0, high: 1}
"""


def test_schedule_keys_are_those_the_input_and_rater_use(client, folder: Path) -> None:
    """No rate tables, count or interval for a timepatterns stanza (its ticks carry their own timestamps,
    which the rater never counts); the interval input gets both its own keys and the config rater's."""
    (folder / "hourly.yml").write_text(PATTERN, "utf-8")
    (folder / "patterns.log").write_text("pattern event\n", "utf-8")
    text = CONF + "\n[patterns.log]\ninput = timepatterns\ntimePatterns = hourly.yml\ntimezone = utc\n"
    view = post(client, "/api/config", {"conf_text": text}).get_json()
    assert view["errors"] == []
    keys = {s["label"]: s["schedule_keys"] for s in view["samples"]}
    assert sorted(keys["patterns.log"]) == sorted(["timezone", "timePatterns", "backfill", "end"])
    web = keys["web.log"]
    assert {"interval", "count", "earliest", "latest", "randomizeCount", "hourOfDayRate", "backfill"} <= set(web)
    assert "timePatterns" not in web and "timerRepeat" not in web


def test_a_declared_uses_core_wins_over_watching(folder: Path) -> None:
    from eventgen.plugin.base import InputPlugin
    from eventgen.tools.studio.schedule_keys import declared_core

    class Undeclared(InputPlugin):  # no name: not registered
        def ticks(self, start, rng):
            yield from ()

    class Declared(Undeclared):
        uses_core = frozenset({"interval"})

    class Inherits(Declared):
        pass

    assert declared_core(Undeclared) is None
    assert declared_core(Declared) == ["interval"] and declared_core(Inherits) == ["interval"]


def test_the_seed_in_effect_is_reported(client, folder: Path) -> None:
    view = client.get("/api/config", headers={HEADER: TOKEN}).get_json()
    assert (view["seed"], view["seed_source"]) == (3, "--seed")
    plain = create_app(Workspace(folder / "eventgen.conf"), token=TOKEN).test_client()
    assert [plain.get("/api/config", headers={HEADER: TOKEN}).get_json()[k] for k in ("seed", "seed_source")] == [
        0,
        "unset",
    ]
    seeded = CONF.replace("outputMode = devnull", "outputMode = devnull\nseed = 42")
    view = post(plain, "/api/config", {"conf_text": seeded}).get_json()
    assert (view["seed"], view["seed_source"]) == (42, "conf")
    assert post(plain, "/api/preview", {"sample": "web.log", "conf_text": seeded}).get_json()["seed"] == 42


def test_histogram_bins_default_to_clock_hours(client) -> None:
    """A day ending mid-hour: one bin per clock hour, the last flagged partial; counts are whole events."""
    body = {"sample": "spread.log", "start": "2024-01-01T00:00:00", "end": "2024-01-01T23:30:00", "mode": "historical"}
    result = post(client, "/api/histogram", body).get_json()
    assert result["unit"] == "hour" and len(result["counts"]) == 24
    assert result["labels"][0] == "2024-01-01 00:00:00" and result["labels"][-1] == "2024-01-02 00:00:00"
    assert all(label.endswith(":00:00") for label in result["labels"])
    assert np.all(np.diff(result["edges"]) == 3600.0)
    assert result["partial"] == [False, True]
    # 3 a minute, each tick's in the minute before it: the half hour up to 23:30 has the ticks 23:01-23:29
    assert result["counts"][:23] == [180] * 23 and result["counts"][23] == 87
    minutes = post(client, "/api/histogram", {**body, "end": "2024-01-01T01:00:00"}).get_json()
    assert minutes["unit"] == "minute" and len(minutes["counts"]) == 60 and set(minutes["counts"][:59]) == {3}
    days = post(client, "/api/histogram", {**body, "end": "2024-02-01T00:00:00"}).get_json()
    assert days["unit"] == "day" and len(days["counts"]) == 31 and days["labels"][1] == "2024-01-02 00:00:00"
