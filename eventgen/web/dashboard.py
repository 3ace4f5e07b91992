"""The dashboard: one page (HTML, a script and a style sheet from eventgen/web/static/, no build step, nothing
from another site) that polls the REST API every second and draws each generator's events/s per output against
its target, its lag and failures, and its workers; it starts, stops and re-rates generators through the API."""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from eventgen.web.session import HOME, PAGE_HEADERS, page_access

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}  # the only files served from STATIC


def dashboard_router(token: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def root() -> Response:
        return RedirectResponse(HOME, 303)

    @router.get(HOME)
    def dashboard(request: Request) -> Response:
        refused = page_access(request, token)
        if refused is not None:
            return refused
        page = (STATIC / "dashboard.html").read_text(encoding="utf-8").replace("{{TOKEN}}", html.escape(token))
        return Response(page, 200, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)

    @router.get(HOME + "/static/{name}")
    def asset(name: str) -> Response:
        kind = ASSETS.get(name)
        if kind is None:
            raise HTTPException(404, f"no asset {name!r}")
        return FileResponse(STATIC / name, media_type=kind, headers={"X-Content-Type-Options": "nosniff"})

    return router
