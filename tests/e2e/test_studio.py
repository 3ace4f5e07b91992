"""`eventgen studio` end to end: the real server in a subprocess, driven by Debian's headless Chromium.

Needs `apt-get install -y chromium` and `pip install playwright flask` (see .ci/install-studio.sh);
the test fails, naming the install step, when either is missing. Screenshots of every page are
written to tests/artifacts/studio/ and their paths printed.

The template debugger is exercised twice: with the jinja generator (a template keeping a counter
in `locals`) and with a tiny generator written into the test's plugin folder (loaded through
`pluginDir`) that pins down the debugger's generic `preview_state()` contract.
"""

from __future__ import annotations

import re
import shutil
import textwrap
import time
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest

from tests.conftest import write_conf
from tests.studio import ARTIFACTS, bar_counts, chromium_page, require_browser, running_studio, shot
from tests.unit.test_studio_api import PATTERN  # one hourly time pattern for both studio test files

pytestmark = pytest.mark.e2e

CONF = """
[global]
pluginDir = plugins
outputMode = devnull

[web.log]
interval = 3600
count = 10
earliest = now
latest = now
timezone = utc

[api.json]
interval = 60
count = 4
randomizeEvents = true

[counter]
generator = studiocounter
interval = 60
count = 5

[login]
generator = jinja
jinjaTemplates = {"login": {"template": "login.j2"}}
interval = 60
count = 2
"""

LOGIN_TEMPLATE = (
    '{% do locals.set("n", locals.get("n", 0) + 1) %}{% do shared.set("last", "login") %}'
    '{"n": {{ locals.get("n") }}, "user": "u{{ locals.get("n") }}"}\n'
)

COUNTER_PLUGIN = '''
"""Test-only generator: a counter in `locals`, the last job in `shared`."""

import numpy as np

from eventgen.core.batch import EventBatch
from eventgen.plugin.base import GeneratorPlugin


class StudioCounter(GeneratorPlugin):
    name = "studiocounter"
    needs_sample_file = False

    def __init__(self, sample):
        super().__init__(sample)
        self.counter = 0
        self.last_seq = None

    def generate(self, job):
        events = []
        for _ in range(job.count):
            self.counter += 1
            events.append('{"counter": %d, "seq": %d}' % (self.counter, job.seq))
        self.last_seq = job.seq
        return EventBatch(self.sample.label, job.seq, events, np.full(job.count, job.earliest))

    def preview_state(self):
        return {"locals": {"counter": self.counter}, "shared": {"last_seq": self.last_seq}, "globals": {}}
'''

WEB_LOG = (
    "2024-01-01 00:00:00 host=web1 action=login user=bob status=200\n"
    "2024-01-01 00:00:00 host=web2 action=logout user=al status=302\n"
)
API_JSON = '{"path": "/a", "status": 200, "ok": true}\n{"path": "/b", "status": 500, "ok": false}\n'


@pytest.fixture
def studio_dir(tmp_path: Path) -> Path:
    write_conf(tmp_path, CONF)
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "studiocounter.py").write_text(textwrap.dedent(COUNTER_PLUGIN).lstrip(), "utf-8")
    (tmp_path / "web.log").write_text(WEB_LOG, "utf-8")
    (tmp_path / "api.json").write_text(API_JSON, "utf-8")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "login.j2").write_text(LOGIN_TEMPLATE, "utf-8")
    return tmp_path


@pytest.fixture
def studio_url(studio_dir: Path) -> Iterator[str]:
    with running_studio(studio_dir, 7) as url:
        yield url


def test_studio_in_chromium(studio_dir: Path, studio_url: str) -> None:
    require_browser()
    from playwright.sync_api import expect

    conf_path = studio_dir / "eventgen.conf"
    original_conf = conf_path.read_text("utf-8")
    with chromium_page() as (page, page_errors):
        # -- open: the token in the URL becomes a cookie, the conf loads and validates
        page.goto(studio_url)
        page.wait_for_selector("body[data-ready='1']")
        assert page.url.endswith("/") and "token=" not in page.url
        expect(page.locator("#status")).to_have_text("valid")
        assert page.eval_on_selector_all("#sample option", "o => o.map(x => x.value)") == [
            "web.log",
            "api.json",
            "counter",
            "login",
        ]
        expect(page.locator("#errors li")).to_have_text("No errors: 4 enabled sample(s)")
        expect(page.locator('details[data-sample="web.log"] tr[data-key="count"] td').nth(1)).to_have_text("10")
        shot(page, "01-config")

        # -- an invalid edit is reported inline (error list + gutter mark), and cannot be saved
        area = page.locator("#conf-text")
        area.fill(original_conf.replace("count = 10", "count = ten"))
        expect(page.locator("#status")).to_have_text("1 error")
        expect(page.locator("#errors li")).to_have_count(1)
        expect(page.locator("#errors li .where")).to_have_text("[web.log] count")
        expect(page.locator("#errors li")).to_have_text(
            "[web.log] count\nexpected an integer, got 'ten'", use_inner_text=True
        )
        count_line = original_conf.splitlines().index("count = 10") + 1
        expect(page.locator("#conf-gutter .err")).to_have_text(str(count_line))
        shot(page, "02-config-error")
        page.click("#save-conf")
        expect(page.locator("#toast")).to_contain_text("not saved: the result does not validate")
        assert conf_path.read_text("utf-8") == original_conf
        assert list(studio_dir.glob("eventgen.conf.bak-*")) == []
        area.fill(original_conf)
        expect(page.locator("#status")).to_have_text("valid")

        # -- preview: N events, the detected format and its highlighting
        page.click("#tabs button[data-tab=preview]")
        page.fill("#preview-n", "7")
        page.click("#preview-run")
        expect(page.locator("#preview-events li")).to_have_count(7)
        expect(page.locator("#preview-summary")).to_have_text("7 events · web.log · format kv (detected) · seed 7")
        first = page.locator("#preview-events li pre").first
        assert first.inner_text().endswith(" host=web1 action=login user=bob status=200")
        assert page.locator("#preview-events li").nth(1).locator(".kv-key").all_inner_texts() == [
            "host",
            "action",
            "user",
            "status",
        ]
        page.select_option("#sample", "api.json")
        page.fill("#preview-n", "4")
        page.click("#preview-run")
        expect(page.locator("#preview-events li")).to_have_count(4)
        expect(page.locator("#preview-summary")).to_have_text("4 events · api.json · format json (detected) · seed 7")
        assert page.locator("#preview-events li").first.locator(".j-key").all_inner_texts() == [
            '"path"',
            '"status"',
            '"ok"',
        ]
        shot(page, "03-preview")

        # -- time distribution: edit hourOfDayRate, the bars follow
        page.select_option("#sample", "web.log")
        page.click("#tabs button[data-tab=histogram]")
        page.fill("#hist-start", "2024-01-01T00:00:00")
        page.fill("#hist-end", "2024-01-02T00:00:00")
        page.fill("#hist-bins", "24")
        summary = page.locator("#hist-summary")
        expect(summary).to_have_text("240 events in window · 24 ticks · interval / config · live")
        expect(page.locator("#hist-chart rect.bar")).to_have_count(24)
        assert bar_counts(page) == ["10"] * 24
        heights = page.eval_on_selector_all("#hist-chart rect.bar", "b => b.map(x => x.getAttribute('height'))")
        assert len(set(heights)) == 1
        page.fill('#hist-params textarea[data-key="hourOfDayRate"]', '{"5": 3, "6": 0}')
        expect(page.locator('#hist-chart rect.bar[data-index="5"]')).to_have_attribute("data-count", "30")
        expected = ["10"] * 24
        expected[5], expected[6] = "30", "0"
        assert bar_counts(page) == expected
        expect(summary).to_have_text("250 events in window · 24 ticks · interval / config · live")
        bar5 = float(page.get_attribute('#hist-chart rect.bar[data-index="5"]', "height"))
        bar4 = float(page.get_attribute('#hist-chart rect.bar[data-index="4"]', "height"))
        assert bar5 == pytest.approx(3 * bar4, rel=1e-3)
        assert float(page.get_attribute('#hist-chart rect.bar[data-index="6"]', "height")) == 0
        shot(page, "04-histogram")
        page.select_option("#hist-mode", "historical")
        expect(summary).to_have_text("250 events in window · 24 ticks · interval / config · historical")
        assert bar_counts(page) == expected
        page.click("#hist-copy")
        assert 'hourOfDayRate = {"5": 3, "6": 0}' in area.input_value()
        expect(page.locator("#dirty")).to_be_visible()

        # -- template debugger: step render by render, the counter in locals follows
        page.select_option("#sample", "counter")
        page.click("#tabs button[data-tab=debug]")
        for n in (1, 2, 3):
            page.click("#debug-step")
            expect(page.locator("#debug-steps li")).to_have_count(n)
            counter = page.locator('#debug-state tr[data-scope="locals"][data-key="counter"] td.v')
            expect(counter).to_have_text(str(n))
            expect(page.locator('#debug-state tr[data-scope="shared"][data-key="last_seq"] td.v')).to_have_text(
                str(n - 1)
            )
        expect(page.locator("#debug-current")).to_have_text("#3")
        assert page.locator("#debug-steps li pre").all_inner_texts() == [
            '{"counter": 1, "seq": 0}',
            '{"counter": 2, "seq": 1}',
            '{"counter": 3, "seq": 2}',
        ]
        expect(page.locator('#debug-state tr.changed[data-key="counter"]')).to_have_count(1)
        shot(page, "05-debugger")
        page.click('#debug-steps li[data-step="1"]')
        expect(page.locator("#debug-current")).to_have_text("#1")
        expect(page.locator('#debug-state tr[data-scope="locals"][data-key="counter"] td.v')).to_have_text("1")
        page.click("#debug-step10")
        expect(page.locator("#debug-steps li")).to_have_count(13)
        expect(page.locator('#debug-state tr[data-scope="locals"][data-key="counter"] td.v')).to_have_text("13")

        # the jinja generator: locals per template alias, shared across templates
        page.select_option("#sample", "login")
        expect(page.locator("#debug-steps li")).to_have_count(0)
        for n in (1, 2, 3):
            page.click("#debug-step")
            expect(page.locator("#debug-steps li")).to_have_count(n)
            expect(page.locator('#debug-state tr[data-scope="locals"][data-key="login"] td.v')).to_have_text(
                '{"n":%d}' % n
            )
        expect(page.locator('#debug-state tr[data-scope="shared"][data-key="last"] td.v')).to_have_text('"login"')
        assert page.locator("#debug-steps li pre").all_inner_texts() == [
            '{"n": 1, "user": "u1"}',
            '{"n": 2, "user": "u2"}',
            '{"n": 3, "user": "u3"}',
        ]
        shot(page, "06-debugger-jinja")

        # -- save the conf (with the copied rate table): validated, backed up, written
        page.click("#tabs button[data-tab=config]")
        page.click("#save-conf")
        expect(page.locator("#toast")).to_contain_text(f"Saved {conf_path}")
        expect(page.locator("#dirty")).to_be_hidden()
        saved = conf_path.read_text("utf-8")
        rate_line = 'hourOfDayRate = {"5": 3, "6": 0}\n'
        assert saved == original_conf.replace("timezone = utc\n", "timezone = utc\n" + rate_line)
        backups = list(studio_dir.glob("eventgen.conf.bak-*"))
        assert len(backups) == 1
        assert backups[0].read_text("utf-8") == original_conf
        expect(page.locator('details[data-sample="web.log"] tr[data-key="hourOfDayRate"] td').nth(1)).to_have_text(
            '{"5":3,"6":0}'
        )
        shot(page, "07-saved")

        # -- edit and save a sample file from the Files tab
        page.click("#tabs button[data-tab=files]")
        page.click('#file-list li[data-file$="/web.log"]')
        expect(page.locator("#file-text")).to_have_value(WEB_LOG)
        new_log = WEB_LOG + "2024-01-01 00:00:00 host=web3 action=view user=cy status=404\n"
        page.fill("#file-text", new_log)
        page.click("#file-save")
        expect(page.locator("#file-message")).to_contain_text(f"Saved {studio_dir / 'web.log'}; backup ")
        assert (studio_dir / "web.log").read_text("utf-8") == new_log
        log_backups = list(studio_dir.glob("web.log.bak-*"))
        assert len(log_backups) == 1 and log_backups[0].read_text("utf-8") == WEB_LOG
        shot(page, "08-files")

        # -- a template edit that does not compile is refused; a good one is saved with a backup
        template = studio_dir / "templates" / "login.j2"
        page.click('#file-list li[data-file$="/templates/login.j2"]')
        expect(page.locator("#file-text")).to_have_value(LOGIN_TEMPLATE)
        page.fill("#file-text", "{% if %}broken\n")
        page.click("#file-save")
        expect(page.locator("#file-message")).to_contain_text("not saved: the result does not validate")
        expect(page.locator("#file-message")).to_contain_text("syntax error")
        # the live preview renders the unsaved text by putting it in place for its request: read the file once
        # that render has answered (its error shown), not while it may still hold the unsaved text
        expect(page.locator("#live-error")).to_contain_text("syntax error")
        assert template.read_text("utf-8") == LOGIN_TEMPLATE
        assert list(template.parent.glob("login.j2.bak-*")) == []
        page.fill("#file-text", LOGIN_TEMPLATE.replace('"user"', '"who"'))
        page.click("#file-save")
        expect(page.locator("#file-message")).to_contain_text(f"Saved {template}; backup ")
        assert template.read_text("utf-8") == LOGIN_TEMPLATE.replace('"user"', '"who"')
        assert [b.read_text("utf-8") for b in template.parent.glob("login.j2.bak-*")] == [LOGIN_TEMPLATE]
        page.click("#tabs button[data-tab=preview]")
        page.fill("#preview-n", "2")
        page.click("#preview-run")
        expect(page.locator("#preview-events li pre")).to_have_text(['{"n": 1, "who": "u1"}', '{"n": 2, "who": "u2"}'])
        shot(page, "09-template-saved")

        assert page_errors == []
    # keep a copy of the conf the studio saved beside the screenshots
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(conf_path, ARTIFACTS / "saved-eventgen.conf")


def select_text(page, selector: str, text: str) -> None:
    """Put the caret on (select) the first `text` in a textarea, as a user's double-click would."""
    page.eval_on_selector(
        selector,
        "(el, text) => { el.focus(); const at = el.value.indexOf(text); el.setSelectionRange(at, at + text.length); }",
        text,
    )


def test_live_preview_renders_on_the_fly(studio_dir: Path, studio_url: str) -> None:
    """No Render click anywhere: opening a sample shows its events beside the editor, typing into the conf
    or a template re-renders them (debounced) within a bounded wait, and a broken edit is one error line."""
    require_browser()
    from playwright.sync_api import expect

    template = studio_dir / "templates" / "login.j2"
    with chromium_page() as (page, page_errors):
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        live = page.locator("#tab-config #live")
        events = page.locator("#live-events li pre")

        # -- open: the first sample's events appear beside the conf editor, no click
        page.goto(studio_url)
        page.wait_for_selector("body[data-ready='1']")
        expect(live).to_be_visible()
        expect(events).to_have_count(5)
        expect(events.first).to_have_text("2024-01-01 00:00:00 host=web1 action=login user=bob status=200")
        expect(page.locator("#live-summary")).to_have_text("web.log · first 5 events")
        shot(page, "10-live-open")

        # -- type a token into [web.log]: the preview follows within the debounce + one render
        select_text(page, "#conf-text", "timezone = utc")
        page.keyboard.press("End")
        page.keyboard.type(
            "\ntoken.0.token = bob\ntoken.0.replacementType = static\ntoken.0.replacement = zed", delay=15
        )
        typed = time.monotonic()
        expect(events.first).to_have_text(
            "2024-01-01 00:00:00 host=web1 action=login user=zed status=200", timeout=2_000
        )
        waited = time.monotonic() - typed
        print(f"conf edit re-rendered {waited:.2f}s after the last keystroke")
        assert waited < 2.0
        expect(page.locator("#live-summary")).to_have_text("web.log · first 5 events · unsaved conf")
        expect(events.nth(1)).to_have_text("2024-01-01 00:00:00 host=web2 action=logout user=al status=302")
        shot(page, "11-live-conf-edit")

        # -- a broken edit: one error line in the preview pane, no alert, the old events dimmed
        select_text(page, "#conf-text", "count = 10")
        page.keyboard.type("count = ten", delay=15)
        error = page.locator("#live-error")
        expect(error).to_be_visible(timeout=2_000)
        expect(error).to_have_text("the conf does not validate: [web.log] count: expected an integer, got 'ten'")
        assert "\n" not in error.inner_text()
        assert page.eval_on_selector("#live-error", "e => e.getClientRects().length") == 1
        expect(page.locator("#live-events")).to_have_class(re.compile(r"\bstale\b"))
        shot(page, "12-live-error")
        select_text(page, "#conf-text", "count = ten")
        page.keyboard.type("count = 10", delay=15)
        expect(error).to_be_hidden(timeout=2_000)
        expect(events.first).to_have_text("2024-01-01 00:00:00 host=web1 action=login user=zed status=200")

        # -- picking another sample shows its preview at once
        page.select_option("#sample", "login")
        expect(events).to_have_text(['{"n": %d, "user": "u%d"}' % (n, n) for n in range(1, 6)], timeout=2_000)

        # -- edit the template in the Files tab: the live pane sits beside it and follows the unsaved text
        page.click("#tabs button[data-tab=files]")
        page.click('#file-list li[data-file$="/templates/login.j2"]')
        expect(page.locator("#file-text")).to_have_value(LOGIN_TEMPLATE)
        expect(page.locator("#tab-files #live")).to_be_visible()
        select_text(page, "#file-text", '"user"')
        page.keyboard.type('"who"', delay=15)
        typed = time.monotonic()
        expect(events.first).to_have_text('{"n": 1, "who": "u1"}', timeout=2_000)
        waited = time.monotonic() - typed
        print(f"template edit re-rendered {waited:.2f}s after the last keystroke")
        assert waited < 2.0
        expect(page.locator("#live-summary")).to_contain_text("unsaved file")
        assert template.read_text("utf-8") == LOGIN_TEMPLATE  # previewed, not saved
        shot(page, "13-live-template-edit")

        # -- back on the Config tab the pane moves along
        page.click("#tabs button[data-tab=config]")
        expect(live).to_be_visible()
        assert dialogs == [] and page_errors == []


def test_histogram_bars_are_whole_events(studio_dir: Path, studio_url: str) -> None:
    """Bins that cut the schedule's minutes anywhere still hold integer counts adding up to the events shown."""
    require_browser()
    from playwright.sync_api import expect

    with chromium_page() as (page, _):
        page.goto(studio_url)
        page.wait_for_selector("body[data-ready='1']")
        page.select_option("#sample", "api.json")  # 4 events a minute, spread until the next tick (live)
        page.click("#tabs button[data-tab=histogram]")
        page.fill("#hist-start", "2024-01-01T00:00:00")
        page.fill("#hist-end", "2024-01-01T01:00:00")
        page.fill("#hist-bins", "7")
        summary = page.locator("#hist-summary")
        expect(summary).to_have_text("240 events in window · 60 ticks · interval / config · live")
        expect(page.locator("#hist-chart rect.bar")).to_have_count(7)
        counts = bar_counts(page)
        assert all(re.fullmatch(r"\d+", c) for c in counts), counts
        assert sum(int(c) for c in counts) == 240
        assert page.get_attribute("#hist-chart svg", "data-total") == "240"
        assert {int(c) for c in counts} <= {34, 35}  # 240 / 7 = 34.3
        shot(page, "14-histogram-whole-events")


ENGINE_CONF = """
[global]
outputMode = devnull

[steady.log]
interval = 60
count = 5
earliest = now
latest = now
timezone = utc

[api.json]
interval = 60
count = 4
randomizeEvents = true
hourOfDayRate = {LONG}

[patterns.log]
input = timepatterns
timePatterns = hourly.yml
timezone = utc
"""


def test_studio_shows_what_the_engine_does(tmp_path: Path) -> None:
    """The seed in effect, clock-hour bins of whole events, a y axis fitted to the data, a visible tooltip,
    a form limited to the settings the stanza's input and rater use, and long conf lines wrapped."""
    require_browser()
    from playwright.sync_api import expect

    rates = "{" + ", ".join(f'"{h}": 1.0' for h in range(24)) + "}"  # a line far wider than the editor
    write_conf(tmp_path, ENGINE_CONF.replace("{LONG}", rates))
    (tmp_path / "steady.log").write_text("steady event\n", "utf-8")
    (tmp_path / "api.json").write_text(API_JSON, "utf-8")
    (tmp_path / "patterns.log").write_text("pattern event\n", "utf-8")
    (tmp_path / "hourly.yml").write_text(PATTERN, "utf-8")
    with running_studio(tmp_path, 3) as url, chromium_page() as (page, page_errors):
        page.goto(url)
        page.wait_for_selector("body[data-ready='1']")

        # -- the long hourOfDayRate line wraps inside the editor; its gutter number spans the wrapped rows
        area = page.locator("#conf-text")
        assert area.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
        lines = area.input_value().split("\n")
        long_index = next(i for i, line in enumerate(lines) if line.startswith("hourOfDayRate"))
        rows = page.eval_on_selector_all("#conf-gutter > div", "d => d.map(x => x.getBoundingClientRect().height)")
        assert rows[long_index] >= 2 * rows[0] > 0
        next_number = page.locator("#conf-gutter > div").nth(long_index + 1)
        expect(next_number).to_have_text(str(long_index + 2))
        shot(page, "20-wrapped-conf")

        # -- the seed in effect (--seed 3) is in every Seed box; editing it re-renders the preview
        for box in ("#preview-seed", "#hist-seed", "#debug-seed"):
            expect(page.locator(box)).to_have_value("3")
        page.select_option("#sample", "api.json")
        page.click("#tabs button[data-tab=preview]")
        page.fill("#preview-n", "12")
        page.click("#preview-run")
        summary = page.locator("#preview-summary")
        expect(summary).to_have_text("12 events · api.json · format json (detected) · seed 3")
        events = page.locator("#preview-events li pre")
        with_3 = events.all_inner_texts()
        page.fill("#preview-seed", "4")
        expect(summary).to_have_text("12 events · api.json · format json (detected) · seed 4")
        expect(page.locator("#live-summary")).to_have_attribute("data-seed", "4")
        assert events.all_inner_texts() != with_3
        expect(page.locator("#hist-seed")).to_have_value("4")
        shot(page, "21-seed-edited")
        page.fill("#preview-seed", "3")
        expect(summary).to_have_text("12 events · api.json · format json (detected) · seed 3")
        assert events.all_inner_texts() == with_3

        # -- default window -24h@h → now: one bar per clock hour, whole events, 300 an hour
        page.select_option("#sample", "steady.log")
        page.click("#tabs button[data-tab=histogram]")
        expect(page.locator("#hist-start")).to_have_value("-24h@h")
        expect(page.locator("#hist-bins")).to_have_value("")
        chart = page.locator("#hist-chart svg")
        expect(chart).to_have_attribute("data-unit", "hour")
        starts = page.eval_on_selector_all("#hist-chart rect.bar", "b => b.map(x => x.dataset.start)")
        assert len(starts) in (24, 25), starts  # 24 whole hours, and the current one when it has begun
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:00:00", s) for s in starts), starts
        hours = [int(s[11:13]) for s in starts]
        assert all((b - a) % 24 == 1 for a, b in pairwise(hours)), hours
        ticks = page.eval_on_selector_all("#hist-chart text.xtick", "t => t.map(x => x.textContent)")
        assert ticks and all(re.fullmatch(r"\d\d:00", t) for t in ticks), ticks
        counts = [int(c) for c in bar_counts(page)]  # int() fails on a fraction
        assert counts[1:24] == [300] * 23, counts  # 5 events a minute

        # -- the y axis ends at the first round step at or above the largest bar (300 → 300, not 500)
        top, step = float(chart.get_attribute("data-top")), float(chart.get_attribute("data-step"))
        assert max(counts) <= top < max(counts) + step, (top, step, counts)
        assert step in (50, 100) and top == 300
        yticks = page.eval_on_selector_all("#hist-chart text.ytick", "t => t.map(x => x.textContent)")
        assert yticks[-1] == "300", yticks

        # -- hovering a bar shows a tooltip with its count and hour
        tip = page.locator("#hist-tip")
        expect(tip).to_be_hidden()
        page.hover('#hist-chart rect.bar[data-index="3"]')
        expect(tip).to_be_visible()
        expect(tip).to_contain_text("300 events")
        expect(tip).to_contain_text(starts[3])
        box = tip.bounding_box()
        assert box is not None and box["width"] > 40 and box["height"] > 20
        shot(page, "22-histogram-clock-hours-tooltip")
        page.mouse.move(5, 5)
        expect(tip).to_be_hidden()

        # -- the form lists what the stanza's input and rater use: rate tables for interval, not timepatterns
        form = page.locator("#hist-params")
        for key in ("interval", "count", "hourOfDayRate", "randomizeCount"):
            expect(form.locator(f'[data-key="{key}"]')).to_have_count(1)
        expect(form.locator('[data-key="timePatterns"]')).to_have_count(0)
        page.select_option("#sample", "patterns.log")
        expect(form.locator('[data-key="timePatterns"]')).to_have_value("hourly.yml")
        for key in ("interval", "count", "earliest", "latest", "randomizeCount", "hourOfDayRate", "dayOfWeekRate"):
            expect(form.locator(f'[data-key="{key}"]')).to_have_count(0)
        expect(page.locator("#hist-summary")).to_contain_text("timepatterns / config")
        assert [int(c) for c in bar_counts(page)][1:24] == [50] * 23
        shot(page, "23-timepatterns-form")
        assert page_errors == []
