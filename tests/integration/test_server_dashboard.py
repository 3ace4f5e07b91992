"""The dashboard and the studio of `eventgen server`: one web app, one login, driven in headless Chromium.

A real `eventgen server` subprocess sends to a real HEC receiver on loopback. The dashboard is opened, signed in
to with the API token, a generator started from it; its chart gains points and its events/s shows above 0; its
rate is changed from the page and the API's status shows the new target; it is stopped and the receiver holds
exactly the events the run summary counts as sent. The studio answers under /studio/ID/ with the same token (the
session cookie from the same sign-in, its API with the token header), refuses without it, and serves no file
outside the server's workspace. Screenshots go to tests/artifacts/studio/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port
from tests.hec_receiver import HecReceiver
from tests.integration.cluster import spawn
from tests.server_process import HEC_TOKEN, TOKEN, ServerProcess, spec
from tests.studio import chromium_page, require_browser, shot
from tests.waiting import stop_process, wait_for

pytestmark = pytest.mark.integration

ASSET_PROBES = ("dashboard.js", "dashboard.css", "dashboard.html", "..%2Fapi.py")  # only the two assets are served
WORKER_ROWS = ".workers-table tbody tr[data-worker]"
WORKERS_SEND = """() => {
  const rows = [...document.querySelectorAll('#gen-web .workers-table tbody tr[data-worker]')];
  return rows.length === 2 && rows.every((r) => Number(r.cells[4].textContent.replace(/,/g, '')) > 0);
}"""
CHART_MOVES = """() => {
  const canvas = document.querySelector('#gen-web canvas.chart-rate');
  const shown = document.querySelector('#gen-web .rate-now');
  return canvas && Number(canvas.dataset.points) >= 3 && parseFloat(shown.textContent.replace(/,/g, '')) > 0;
}"""


def sign_in(page, server: ServerProcess, path: str = "/dashboard") -> None:
    """Open `path` signed out (the login form, 401), try a wrong token, then the right one."""
    answer = page.goto(f"{server.url}{path}")
    assert answer.status in (200, 401)
    assert page.url.startswith(f"{server.url}/")
    page.fill("#token", "not-the-token-0000")
    page.click("#sign-in")
    page.wait_for_selector("text=Wrong token.")
    page.fill("#token", TOKEN)
    page.click("#sign-in")
    page.wait_for_url(f"{server.url}{path}")


def test_the_dashboard_starts_a_generator_charts_it_and_changes_its_rate(
    server_workspace: Path, secret_hec: HecReceiver
):
    require_browser()
    server = ServerProcess(server_workspace).start()
    try:
        server.call("POST", "/api/generators", 201, json=spec(secret_hec, 40))
        signed_out = requests.get(f"{server.url}/dashboard", timeout=10)
        assert signed_out.status_code == 401 and TOKEN not in signed_out.text and 'id="token"' in signed_out.text
        with chromium_page() as (page, errors):
            sign_in(page, server)
            card = "#gen-web"
            page.wait_for_selector(f"{card} .state:text-is('stopped')")
            assert page.text_content(f"{card} .target") == "40"
            page.click(f"{card} button.start")
            page.wait_for_function(CHART_MOVES, timeout=30_000)
            assert page.text_content(f"{card} .state") in ("starting", "running")
            assert page.is_disabled(f"{card} button.start") and page.is_enabled(f"{card} button.stop")
            assert page.text_content(f"{card} .legend-rate [data-series='target']") == "target 40"
            rows = page.eval_on_selector_all(f"{card} .outputs-table tbody td", "tds => tds.map(t => t.textContent)")
            assert rows[:2] == ["web.log", "httpevent"] and len(rows) == 8
            (worker,) = server.call("GET", "/api/generators/web")["worker_rows"]  # the local engine's thread
            cells = page.eval_on_selector_all(f"{card} .workers-table tbody td", "tds => tds.map(t => t.textContent)")
            assert cells[:2] == [worker["name"], worker["state"]] == ["thread-0", "working"]
            assert re.fullmatch(rf"\d+ / {worker['capacity']}", cells[2].strip()), cells

            first_run = server.call("GET", "/api/generators/web")["run_id"]
            page.fill(f"{card} .rate-input", "75")
            page.click(f"{card} button.set-rate")
            applied = page.wait_for_selector("#toast:has-text('target 75 events/s')").text_content()
            wait_for(lambda: server.call("GET", "/api/generators/web")["target_rate"] == 75.0, "the new target", 10)
            page.wait_for_selector(f"{card} .target:text-is('75')")
            page.wait_for_selector(f"{card} .legend-rate [data-series='target']:text-is('target 75')")
            status = server.call("GET", "/api/generators/web")
            assert status["state"] == "running" and status["spec"]["rate"] == 75.0  # re-rated, not stopped
            live = (status["run_id"] == first_run) == ("(live)" in applied)  # else "(restart)": a new run
            assert live or "(restart)" in applied, applied
            shot(page, "server-dashboard")

            page.click(f"{card} button.stop")
            page.wait_for_selector(f"{card} .state:text-is('finished')", timeout=30_000)
            assert errors == []
        total = server.call("GET", "/api/generators/web/summary")["summary"]["total"]
        assert total["generated"] == total["sent"] > 0 and total["failed"] == 0
        if "(live)" in applied:  # one run from start to stop: the receiver holds exactly its events
            assert len(secret_hec.events) == total["sent"]
        else:  # restarted at the new rate: the receiver holds the first run's events too
            assert len(secret_hec.events) > total["sent"]
    finally:
        assert server.stop() == 0, server.logs()


def test_the_studio_is_served_under_the_server_with_the_same_token(server_workspace: Path, secret_hec: HecReceiver):
    require_browser()
    outside = server_workspace.parent / "samples"  # the studio's `../samples` folder: outside the server's workspace
    outside.mkdir()
    (outside / "private.log").write_text("not to be served\n", encoding="utf-8")
    server = ServerProcess(server_workspace).start()
    try:
        server.call("POST", "/api/generators", 201, json=spec(secret_hec, 40))
        base = f"{server.url}/studio/web"
        anonymous = requests.Session()
        anonymous.trust_env = False
        page_answer = anonymous.get(f"{base}/", allow_redirects=False, timeout=10)
        assert (page_answer.status_code, page_answer.headers["location"]) == (303, "/login?next=/studio/web/")
        assert anonymous.get(f"{base}/api/config", timeout=10).status_code == 401
        wrong = anonymous.get(f"{base}/api/config", headers={"X-Studio-Token": "x" * 20}, timeout=10)
        assert wrong.status_code == 401
        assert anonymous.get(f"{server.url}/studio/nope/", allow_redirects=False, timeout=10).status_code == 303

        with_token = {"X-Studio-Token": TOKEN}
        config = anonymous.get(f"{base}/api/config", headers=with_token, timeout=10)
        assert config.status_code == 200
        conf_text = (server_workspace / "eventgen.conf").read_text(encoding="utf-8")
        assert config.json()["text"] == conf_text and [s["name"] for s in config.json()["samples"]] == ["web.log"]
        sample = anonymous.get(f"{base}/api/file", params={"path": "web.log"}, headers=with_token, timeout=10)
        assert sample.status_code == 200 and sample.json()["content"].startswith("GET /a 200\n")
        private = anonymous.get(
            f"{base}/api/file", params={"path": "../samples/private.log"}, headers=with_token, timeout=10
        )
        assert private.status_code == 403 and "outside the workspace" in private.text
        assert HEC_TOKEN not in config.text and "********" in config.text  # loaded as it runs, the secret masked
        assets = [anonymous.get(f"{server.url}/dashboard/static/{name}", timeout=10) for name in ASSET_PROBES]
        assert [a.status_code for a in assets] == [200, 200, 404, 404]
        trade = anonymous.get(f"{server.url}/dashboard?token={TOKEN}", allow_redirects=False, timeout=10)
        assert (trade.status_code, trade.headers["location"]) == (303, "/dashboard")
        assert trade.cookies.get("eventgen_session") == TOKEN and "HttpOnly" in trade.headers["set-cookie"]
        missing = anonymous.get(f"{server.url}/studio/nope/api/config", headers=with_token, timeout=10)
        assert (missing.status_code, missing.text) == (404, "no generator 'nope'\n")

        with chromium_page() as (page, errors):
            sign_in(page, server, "/studio/web/")  # one sign-in: the studio, then the dashboard without another
            page.wait_for_function("() => document.querySelector('#conf-text').value.includes('[web.log]')")
            assert page.text_content("#conf-path") == str(server_workspace / "eventgen.conf")
            shot(page, "server-studio")
            page.goto(f"{server.url}/dashboard")
            page.wait_for_selector("#gen-web a.studio[href='/studio/web/']")
            assert errors == []
    finally:
        assert server.stop() == 0, server.logs()


def test_the_dashboard_shows_each_worker_of_a_cluster_run_and_its_load(
    server_workspace: Path, secret_hec: HecReceiver, tmp_path: Path
):
    require_browser()
    address = f"tcp://127.0.0.1:{free_port()}"
    server = ServerProcess(server_workspace).start()
    workers = []
    try:
        server.call("POST", "/api/generators", 201, json={**spec(secret_hec, 200), "bind": address, "workers": 2})
        with chromium_page() as (page, errors):
            page.goto(f"{server.url}/dashboard?token={TOKEN}")  # the printed address's way of signing in
            assert page.url == f"{server.url}/dashboard"  # the token left the address for a cookie
            page.click("#gen-web button.start")
            page.wait_for_selector("#gen-web .state:text-is('starting')")  # waits for its two workers
            for name in ("w1", "w2"):
                workers.append(spawn("worker", "--connect", address, "--name", name, log=tmp_path / f"{name}.log"))
            page.wait_for_function(WORKERS_SEND, timeout=60_000)
            rows = page.eval_on_selector_all(f"#gen-web {WORKER_ROWS}", "trs => trs.map(r => r.dataset.worker)")
            api_rows = server.call("GET", "/api/generators/web")["worker_rows"]
            assert sorted(rows) == sorted(w["id"] for w in api_rows) and len(rows) == 2
            loads = page.eval_on_selector_all(
                f"#gen-web {WORKER_ROWS} td:nth-child(3)", "tds => tds.map(t => t.textContent)"
            )
            capacities = sorted(str(w["capacity"]) for w in api_rows)
            assert sorted(re.fullmatch(r"\s*\d+ / (\d+)\s*", load).group(1) for load in loads) == capacities
            assert page.text_content("#gen-web .workers") == "2"
            shot(page, "server-dashboard-workers")
            page.click("#gen-web button.stop")
            page.wait_for_selector("#gen-web .state:text-is('finished')", timeout=30_000)
            assert errors == []
        stopped = server.call("GET", "/api/generators/web")
        assert stopped["sent"] == len(secret_hec.events) == sum(w["sent"] for w in stopped["worker_rows"]) > 0
    finally:
        for proc in workers:
            stop_process(proc)
        assert server.stop() == 0, server.logs()
