"""The studio's Flask app: one static page, the JSON API, and token / password access control.

Every request needs the session token: the URL the CLI prints carries it once (`/?token=…`), the
server answers with an HttpOnly, SameSite=Strict cookie and a redirect to `/`. The page reads the
token from a meta tag and sends it as `X-Studio-Token` on every API call (a cookie alone is not
enough for the API, which keeps other sites from driving it). With a password, `/login` trades
the password for the same cookie.
"""

from __future__ import annotations

import hmac
import html
import logging
import secrets
from pathlib import Path

from flask import Flask, Response, make_response, redirect, request
from werkzeug.wrappers import Response as BaseResponse  # what redirect() makes; flask's Response is one

from eventgen.tools.studio.api import api
from eventgen.tools.studio.workspace import Workspace

STATIC = Path(__file__).resolve().parent / "static"
COOKIE = "eventgen_studio"
HEADER = "X-Studio-Token"

LOGIN_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>eventgen studio: sign in</title>
<link rel="stylesheet" href="static/studio.css"></head><body class="login"><form method="post" action="login">
<h1>eventgen studio</h1><p>{message}</p><input type="password" name="password" autofocus placeholder="password">
<button type="submit">Sign in</button></form></body></html>"""


def create_app(
    workspace: Workspace, token: str | None = None, password: str | None = None, cookie: str = COOKIE
) -> Flask:
    """The studio for `workspace`; `token` defaults to a fresh random one (app.config["STUDIO_TOKEN"]).
    `eventgen server` mounts it under a prefix with its own token and session `cookie` (one login for both);
    every link and redirect is relative to that prefix (the WSGI SCRIPT_NAME)."""
    app = Flask("eventgen.tools.studio", static_folder=str(STATIC), static_url_path="/static")
    app.config["STUDIO_WORKSPACE"] = workspace
    app.config["STUDIO_TOKEN"] = token or secrets.token_urlsafe(24)
    app.config["MAX_CONTENT_LENGTH"] = 32 * 1024 * 1024
    app.json.sort_keys = False  # type: ignore[attr-defined]  # Flask's default JSON provider has it; the base type does not
    app.register_blueprint(api)
    secret = app.config["STUDIO_TOKEN"]

    def matches(candidate: str | None) -> bool:
        return bool(candidate) and hmac.compare_digest(str(candidate).encode(), secret.encode())

    def home() -> str:
        return request.script_root + "/"

    def with_cookie(response: BaseResponse) -> BaseResponse:
        response.set_cookie(cookie, secret, httponly=True, samesite="Strict", secure=request.is_secure)
        return response

    @app.before_request
    def guard() -> BaseResponse | None:
        if request.path == "/login" and password:
            return None
        if request.path.startswith("/api/"):
            if matches(request.headers.get(HEADER)):
                return None
            return make_response({"error": f"missing or wrong {HEADER} header", "errors": []}, 401)
        if matches(request.cookies.get(cookie)):
            return None
        if request.path == "/" and matches(request.args.get("token")):
            return with_cookie(redirect(home(), code=303))
        if password:
            return redirect(home() + "login", code=303)
        return make_response(
            "eventgen studio: open the URL printed by `eventgen studio` (it carries the token)\n",
            401,
            {"Content-Type": "text/plain; charset=utf-8"},
        )

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
        )
        return response

    @app.get("/")
    def index() -> Response:
        page = (STATIC / "index.html").read_text(encoding="utf-8")
        page = page.replace("{{TOKEN}}", html.escape(secret)).replace("{{CONF}}", html.escape(str(workspace.conf)))
        return make_response(page, 200, {"Content-Type": "text/html; charset=utf-8"})

    @app.route("/login", methods=["GET", "POST"])
    def login() -> BaseResponse:
        message = "This studio is protected by a password."
        if request.method == "POST":
            given = request.form.get("password", "")
            if password and hmac.compare_digest(given.encode(), password.encode()):
                return with_cookie(redirect(home(), code=303))
            message = "Wrong password."
        return make_response(
            LOGIN_PAGE.format(message=html.escape(message)),
            200 if request.method == "GET" else 403,
            {"Content-Type": "text/html; charset=utf-8"},
        )

    return app


def serve(
    workspace: Workspace,
    host: str = "127.0.0.1",
    port: int = 0,
    password: str | None = None,
    open_browser: bool = True,
    verbose: bool = False,
) -> int:
    """Run the studio until Ctrl-C; print its URL (with the token) on stdout first."""
    from werkzeug.serving import make_server

    app = create_app(workspace, password=password)
    logging.getLogger("werkzeug").setLevel(logging.INFO if verbose else logging.WARNING)
    server = make_server(host, port, app, threaded=True)
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
    url = f"http://{shown}:{server.server_port}/?token={app.config['STUDIO_TOKEN']}"
    print(f"eventgen studio: {workspace.conf}", flush=True)
    print(f"eventgen studio: open {url}", flush=True)
    if password:
        print(f"eventgen studio: or sign in with the password at http://{shown}:{server.server_port}/login", flush=True)
    print("eventgen studio: Ctrl-C to stop", flush=True)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
