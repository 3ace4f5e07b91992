"""One login for the server's pages (the dashboard and the studio): the API token, traded once for a session cookie.

As the studio does, a page is opened with `?token=TOKEN` (or the token typed into /login); the server answers with
an HttpOnly, SameSite=Strict cookie and a redirect to the page without the token. A page embeds the token in a
meta tag and its script sends it as a header on every API call: the cookie alone opens pages, never the API, so
another site cannot drive the API through a signed-in browser."""

from __future__ import annotations

import hmac
import html
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

COOKIE = "eventgen_session"
HOME = "/dashboard"
PAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
    ),
}
LOGIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>eventgen server: sign in</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/dashboard/static/dashboard.css"></head>
<body class="login"><form method="post" action="/login"><h1>eventgen <span>server</span></h1><p>{message}</p>
<input type="hidden" name="next" value="{next}">
<input type="password" name="token" id="token" autofocus placeholder="API token" autocomplete="current-password">
<button type="submit" id="sign-in">Sign in</button></form></body></html>"""


def same_token(given: str | bytes | None, token: str) -> bool:
    if not given:
        return False
    raw = given.encode() if isinstance(given, str) else given
    return hmac.compare_digest(raw.strip(), token.encode())


def cookie_token(header: str) -> str | None:
    """The session cookie's value in a Cookie header, or None."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel else None


def safe_next(target: str) -> str:
    """A page of this server to return to after signing in (a path, never another site), else the dashboard."""
    ok = target.startswith("/") and not target.startswith("//") and "\\" not in target and "\n" not in target
    return target if ok else HOME


def login_page(message: str, target: str, status: int) -> HTMLResponse:
    page = LOGIN_PAGE.format(message=html.escape(message), next=html.escape(safe_next(target)))
    return HTMLResponse(page, status, headers=PAGE_HEADERS)


def signed_in(response: Response, request: Request, token: str) -> Response:
    secure = request.url.scheme == "https"
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/")
    return response


def session_router(token: str) -> APIRouter:
    """/login (the form and its answer) and /logout; pages use `page_access` to let a request in."""
    router = APIRouter(include_in_schema=False)

    @router.get("/login")
    def login_form(next: str = HOME) -> HTMLResponse:
        return login_page("Sign in with the server's API token.", next, 200)

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        target = safe_next((form.get("next") or [HOME])[0])
        if same_token((form.get("token") or [""])[0], token):
            return signed_in(RedirectResponse(target, 303), request, token)
        return login_page("Wrong token.", target, 403)

    @router.post("/logout")
    def logout() -> Response:
        response = RedirectResponse("/login", 303)
        response.delete_cookie(COOKIE, path="/")
        return response

    return router


def page_access(request: Request, token: str) -> Response | None:
    """None when the request may see the page (the session cookie); else the answer: a redirect that trades
    `?token=` for the cookie, or the login form (401)."""
    if same_token(request.cookies.get(COOKIE), token):
        return None
    if same_token(request.query_params.get("token"), token):
        return signed_in(RedirectResponse(request.url.path, 303), request, token)
    return login_page("Sign in with the server's API token.", request.url.path, 401)
