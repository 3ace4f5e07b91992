"""`eventgen server` put together: the service, the REST API with the MCP endpoint mounted at /mcp, the dashboard
and the studio behind one sign-in (/login, /dashboard, /studio/ID/), served by
uvicorn (HTTPS with a certificate and key). Stopping the server (Ctrl-C, SIGTERM) stops every generator, each
draining its jobs in flight."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import uvicorn
from fastapi import FastAPI
from mcp.server.transport_security import TransportSecuritySettings

from eventgen.core.errors import EXIT_INTERRUPTED
from eventgen.web.api import create_app
from eventgen.web.controller import CurveFor
from eventgen.web.dashboard import dashboard_router
from eventgen.web.mcp_tools import TokenGate, mcp_server
from eventgen.web.service import Service
from eventgen.web.session import session_router
from eventgen.web.specs import StartupFile
from eventgen.web.studio_mount import StudioMount
from eventgen.web.workspace import Workspace

log = logging.getLogger("eventgen.server")


@dataclass(frozen=True)
class ServerOptions:
    workspace: Path
    startup: Path
    host: str
    port: int
    token: str
    certfile: str | None = None
    keyfile: str | None = None
    curve: CurveFor | None = None  # the Curve keys of a generator's bind address (the server as its controller)


def build(options: ServerOptions) -> tuple[FastAPI, Service]:
    """The app and its service (the startup file read, nothing started yet)."""
    service = Service(Workspace(options.workspace), StartupFile(options.startup), options.curve)
    agent = mcp_server(service)
    security = TransportSecuritySettings(enable_dns_rebinding_protection=False)  # the token guards /mcp
    mcp_app = agent.streamable_http_app(streamable_http_path="/", transport_security=security, host=options.host)
    app = create_app(service, options.token)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        service.autostart()
        async with agent.session_manager.run():
            yield
        service.close()

    app.router.lifespan_context = lifespan
    app.mount("/mcp", TokenGate(mcp_app, options.token))
    app.include_router(session_router(options.token))
    app.include_router(dashboard_router(options.token))
    app.mount("/studio", StudioMount(service, options.token))
    return app, service


def serve(options: ServerOptions) -> int:
    app, _ = build(options)
    family = socket.AF_INET6 if ":" in options.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # accepted connections inherit it: no 40 ms stalls
    sock.bind((options.host, options.port))
    port = sock.getsockname()[1]
    scheme = "https" if options.certfile else "http"
    config = uvicorn.Config(
        app,
        log_level="warning",
        ssl_certfile=options.certfile,
        ssl_keyfile=options.keyfile,
        timeout_graceful_shutdown=5,  # open connections (a failed TLS handshake too) get this long at exit
    )
    host = f"[{options.host}]" if family == socket.AF_INET6 else options.host
    url = f"{scheme}://{host}:{port}"
    print(f"eventgen server: listening on {url} (workspace {os.getcwd()}); dashboard {url}/dashboard", file=sys.stderr)
    sys.stderr.flush()
    Server(config).run(sockets=[sock])
    return 0


class Server(uvicorn.Server):
    """uvicorn's server, with eventgen's signals: the first Ctrl-C / SIGTERM drains the generators and the server
    exits 0; a second one quits at once."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit:
            os._exit(EXIT_INTERRUPTED)
        self.should_exit = True
