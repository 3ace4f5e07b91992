"""The dashboard: one static page (no build step) that drives the API from the browser.

Signing in is the studio's way: the URL the server prints carries the token once (`/dashboard?token=…`); the
server answers with an HttpOnly, SameSite=Strict cookie and a redirect, then serves the page with the token in a
meta tag, and the page sends it as a bearer token on every API call (the cookie alone opens no API route, which
keeps other sites from driving it)."""

from __future__ import annotations

import hmac
import html
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

STATIC = Path(__file__).resolve().parent / "static"
COOKIE = "eventgen_server"
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; style-src 'self'; frame-ancestors 'none'",
}


def dashboard_router(token: str) -> APIRouter:
    api = APIRouter(tags=["dashboard"])
    page = (STATIC / "dashboard.html").read_text(encoding="utf-8").replace("{token}", html.escape(token))

    def matches(candidate: str | None) -> bool:
        return bool(candidate) and hmac.compare_digest(str(candidate).encode(), token.encode())

    @api.get("/dashboard", summary="the dashboard: generators, controls and live charts (sign in with ?token=)")
    def dashboard(request: Request) -> Response:
        if matches(request.query_params.get("token")):
            answer = RedirectResponse("/dashboard", status_code=303, headers=HEADERS)
            secure = request.url.scheme == "https"
            answer.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure)
            return answer
        if matches(request.cookies.get(COOKIE)):
            return HTMLResponse(page, headers=HEADERS)
        return PlainTextResponse(
            "eventgen server: open /dashboard?token=TOKEN (the server's API token)\n", 401, headers=HEADERS
        )

    return api
