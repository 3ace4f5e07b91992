"""Scaffolding of the studio tests: `eventgen studio` started as a user starts it, its JSON API over HTTP with the
token it printed, and a headless Chromium page (with screenshots written to tests/artifacts/studio/)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, free_port
from tests.waiting import PipeReader, stop_process, wait_for

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts" / "studio"
HEADLESS_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
HEADER = "X-Studio-Token"
URL = re.compile(r"(http://127\.0\.0\.1:\d+/\?token=\S+)")


def require_browser() -> None:
    """Fail (never skip) with the install step when Chromium or Playwright is missing."""
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append("Chromium is not installed: apt-get install -y chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Playwright is not installed: pip install playwright")
    try:
        import flask  # noqa: F401
    except ImportError:
        missing.append("Flask is not installed: pip install flask")
    if missing:
        pytest.fail("studio browser test needs: " + "; ".join(missing) + " (or run .ci/install-studio.sh)")


@contextmanager
def chromium_page() -> Iterator[tuple[Any, list[str]]]:
    """A headless Chromium page (1400x900, 15 s timeouts) and the page errors it raised, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=HEADLESS_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page_errors: list[str] = []
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))
            page.set_default_timeout(15_000)
            yield page, page_errors
        finally:
            browser.close()


@contextmanager
def running_studio(
    folder: Path, seed: int | None = None, conf: str = "eventgen.conf", args: Sequence[str] = ()
) -> Iterator[str]:
    """`eventgen studio CONF --seed SEED ARGS…` in `folder`; yields the URL it prints (with the token)."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    seeded = [] if seed is None else ["--seed", str(seed)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "eventgen", "studio", conf, "--port", str(port), "--no-browser", *seeded, *args],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = PipeReader(proc.stdout)
        found = wait_for(
            lambda: URL.search(output.text()), "the studio to print its URL", 30, process=proc, logs=output.text
        )
        url = found.group(1)
        assert url.startswith(f"http://127.0.0.1:{port}/?token=")
        yield url
    finally:
        stop_process(proc)


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def bar_counts(page) -> list[str]:
    return page.eval_on_selector_all("#hist-chart rect.bar", "bars => bars.map(b => b.dataset.count)")


class Api:
    """The studio's JSON API over plain HTTP, with the token from the URL it printed."""

    def __init__(self, url: str):
        parsed = urllib.parse.urlsplit(url)
        self.base = f"{parsed.scheme}://{parsed.netloc}"
        self.token = urllib.parse.parse_qs(parsed.query)["token"][0]

    def call(self, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, headers={HEADER: self.token})
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def ok(self, path: str, body: dict | None = None) -> dict:
        status, data = self.call(path, body)
        assert status == 200, data
        return data
