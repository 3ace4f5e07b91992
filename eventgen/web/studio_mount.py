"""The studio inside the server: /studio/ID/ is `eventgen studio` on generator ID's conf, behind the server's login.

The studio stays the Flask app `eventgen studio` runs (a migration to FastAPI is not done); the server runs it
through a WSGI adapter (a2wsgi), one app per generator, made on first use and again when the generator changes.
It is given the server's token and session cookie, so one sign-in opens the dashboard and the studio, and the
studio's page sends the same token to its API. Its files are confined as the studio confines them (the conf, its
samples, templates and named files) and, in the server, to the server's workspace as well. It loads the conf as
the server runs it (the generator's overrides and rate applied), with secret values masked: it previews, it never
sends.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.types import Receive, Scope, Send

from eventgen.core.errors import EventgenError
from eventgen.web.loading import overrides_of
from eventgen.web.secrets import MASK, masked
from eventgen.web.service import Service
from eventgen.web.session import cookie_token, same_token
from eventgen.web.specs import GeneratorSpec
from eventgen.web.workspace import OutsideWorkspace

STUDIO_HEADER = b"x-studio-token"


class StudioMount:
    """The ASGI app mounted at /studio: the token checked, then the generator's studio."""

    def __init__(self, service: Service, token: str):
        self.service = service
        self.token = token
        self.apps: dict[str, tuple[str, Any]] = {}  # generator id -> (its spec as JSON, its studio as ASGI)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        root = scope.get("root_path", "")
        path: str = scope["path"]
        rest = path[len(root) :] if path.startswith(root) else path
        gen_id, _, inner = rest.lstrip("/").partition("/")
        if not gen_id:
            await answer(send, 303, b"", [(b"location", b"/dashboard")])
            return
        if not self.allowed(scope):
            if inner.startswith("api/"):
                await answer(send, 401, json.dumps({"error": "missing or wrong token", "errors": []}).encode())
            else:
                await answer(send, 303, b"", [(b"location", f"/login?next={quote(path)}".encode())])
            return
        if rest == "/" + gen_id:  # the page's links are relative to its folder: it needs the trailing slash
            await answer(send, 307, b"", [(b"location", quote(path + "/").encode())])
            return
        try:
            app = self.studio(gen_id)
        except EventgenError as exc:
            status = 403 if isinstance(exc, OutsideWorkspace) else 404
            await answer(send, status, self.service.scrub(" ".join(str(exc).split())).encode() + b"\n")
            return
        await app({**scope, "root_path": f"{root}/{gen_id}"}, receive, send)

    def allowed(self, scope: Scope) -> bool:
        """The session cookie, the studio's token header, or `?token=` (the studio trades it for the cookie)."""
        headers = dict(scope.get("headers") or [])
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        return (
            same_token(cookie_token(headers.get(b"cookie", b"").decode("latin-1")), self.token)
            or same_token(headers.get(STUDIO_HEADER), self.token)
            or same_token((query.get("token") or [""])[0], self.token)
        )

    def studio(self, gen_id: str) -> Any:
        spec = self.service.specs.get(gen_id)
        if spec is None:
            raise EventgenError(f"no generator {gen_id!r}")
        key = spec.model_dump_json()
        known = self.apps.get(gen_id)
        if known is None or known[0] != key:
            known = (key, self.build(spec))
            self.apps[gen_id] = known
        return known[1]

    def build(self, spec: GeneratorSpec) -> Any:
        try:
            from a2wsgi import WSGIMiddleware

            from eventgen.tools.studio.app import create_app
            from eventgen.tools.studio.workspace import Workspace
        except ModuleNotFoundError as exc:
            raise EventgenError(f"the studio needs {exc.name}: pip install 'eventgen[server]'") from None
        from eventgen.conf.eventum import secrets_from
        from eventgen.web.session import COOKIE

        conf = conf_of(self.service.workspace.resolve(spec.path))
        secrets = {name: MASK for name in secrets_from(os.environ, None)}  # the studio shows, it never sends
        bound = self.service.workspace.root
        overrides = {key: str(value) for key, value in masked(overrides_of(spec)).items()}
        workspace = Workspace(conf, spec.seed, spec.params, secrets, bound=bound, overrides=overrides)
        return WSGIMiddleware(create_app(workspace, token=self.token, cookie=COOKIE))  # type: ignore[arg-type]  # a2wsgi types its app as its own WSGI protocol; Flask's is the standard one


def conf_of(path: Path) -> Path:
    """The file the studio edits: the conf, the generator.yml, or a Splunk app's default/eventgen.conf."""
    if path.is_file():
        return path
    conf = path / "default" / "eventgen.conf"
    if conf.is_file():
        return conf
    raise EventgenError(f"{path.name}: no default/eventgen.conf for the studio to open")


async def answer(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    kind = b"application/json" if body.startswith(b"{") else b"text/plain; charset=utf-8"
    start = [(b"content-type", kind), (b"content-length", str(len(body)).encode()), *(headers or [])]
    await send({"type": "http.response.start", "status": status, "headers": start})
    await send({"type": "http.response.body", "body": body})
