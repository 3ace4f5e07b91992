"""The dashboard driven in headless Chromium against a real `eventgen server`: sign in with the token, start a
generator, watch its chart gain points, change its rate, stop it. Without the token the page is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.server_process import TOKEN, ServerProcess
from tests.studio import chromium_page, require_browser

pytestmark = pytest.mark.e2e
STARTUP = "generators:\n- id: quiet\n  path: eventgen.conf\n  rate: 40\n"


def test_dashboard_in_chromium(tmp_path: Path):
    require_browser()
    from playwright.sync_api import expect

    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "eventgen.conf").write_text("[quiet.log]\noutputMode = devnull\n", encoding="utf-8")
    (workspace / "quiet.log").write_text("one\ntwo\n", encoding="utf-8")
    (workspace / "eventgen-server.yml").write_text(STARTUP, encoding="utf-8")
    server = ServerProcess(workspace).start()
    try:
        assert requests.get(f"{server.url}/dashboard", timeout=10).status_code == 401
        assert requests.get(f"{server.url}/dashboard?token=wrong-token-1234567", timeout=10).status_code == 401
        with chromium_page() as (page, page_errors):
            page.goto(f"{server.url}/dashboard?token={TOKEN}")
            assert page.url == f"{server.url}/dashboard"  # the token left the address bar for a cookie
            card = page.locator('section.generator[data-id="quiet"]')
            expect(card).to_have_attribute("data-state", "stopped")
            expect(card).to_have_attribute("data-target", "40")
            card.locator("button.start").click()
            expect(card).to_have_attribute("data-state", "running", timeout=15_000)
            chart = card.locator("canvas.chart")
            expect(chart).to_have_attribute("data-points", "3", timeout=15_000)  # one point a second while it runs
            expect(card.locator(".outputs tbody tr td").nth(1)).to_have_text("devnull")
            card.locator("input.rate").fill("80")
            card.locator("button.set-rate").click()
            expect(card).to_have_attribute("data-target", "80")
            card.locator("button.stop").click()
            expect(card).to_have_attribute("data-state", "finished", timeout=30_000)
            assert page_errors == []
        status = server.call("GET", "/api/generators/quiet")
        assert status["target_rate"] == 80 and status["generated"] == status["sent"] > 0
    finally:
        assert server.stop() == 0, server.logs()
