"""MCP tools for agents (the official `mcp` SDK): the service's operations as tools, served over stdio
(`eventgen mcp`) or streamable HTTP (`/mcp` of `eventgen server`, behind the same token as the API)."""

from __future__ import annotations

import contextlib
import functools
import hmac
from collections.abc import AsyncIterator, Callable
from typing import ParamSpec, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from starlette.types import ASGIApp, Receive, Scope, Send

from eventgen.core.errors import EventgenError
from eventgen.web.models import GeneratorStatus, Preview, RateAnswer, Validation
from eventgen.web.service import Service
from eventgen.web.specs import GeneratorSpec

INSTRUCTIONS = (
    "Run and steer event generators: list them, validate a conf, preview events, start, stop, set the rate "
    "(events/s) and read live stats (generated, sent, failed, bytes, rate now, lag) per generator and output."
)


P = ParamSpec("P")
R = TypeVar("R")


def mcp_server(service: Service, autostart: bool = False) -> MCPServer:
    """The tools; with `autostart`, the startup file's autostart generators start once the transport is up (over
    stdio, after the SDK has moved standard output off the wire, so a stdout output cannot corrupt it)."""

    @contextlib.asynccontextmanager
    async def starting(_: object) -> AsyncIterator[dict[str, object]]:
        service.autostart()
        yield {}

    server = MCPServer("eventgen", instructions=INSTRUCTIONS, lifespan=starting if autostart else None)

    def told(tool: Callable[P, R]) -> Callable[P, R]:
        """An operation's refusal (no such generator, a bad conf) as the tool's error message, secrets masked."""

        @functools.wraps(tool)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return tool(*args, **kwargs)
            except EventgenError as exc:
                raise ToolError(service.scrub(" ".join(str(exc).split()))) from None

        return call

    @server.tool(description="every generator with its state and counts")
    @told
    def list_generators() -> list[GeneratorStatus]:
        return service.list_generators()

    @server.tool(description="one generator's live stats: per output sent, failed, bytes, rate now; lag; workers")
    @told
    def read_stats(generator: str) -> GeneratorStatus:
        return service.get(generator)

    @server.tool(description="load a generator (by id) and report every error at once")
    @told
    def validate(generator: str) -> Validation:
        return service.validate_id(generator)

    @server.tool(description="validate a conf, Splunk app folder or generator.yml (a path in the workspace)")
    @told
    def validate_path(path: str) -> Validation:
        return service.validate(GeneratorSpec(id="check", path=path))

    @server.tool(description="the first `number` events of each sample of a generator, not sent anywhere")
    @told
    def preview(generator: str, number: int = 5) -> Preview:
        return service.preview(generator, number)

    @server.tool(description="start a generator")
    @told
    def start(generator: str) -> GeneratorStatus:
        return service.start(generator)

    @server.tool(description="stop a generator (its jobs in flight drain first)")
    @told
    def stop(generator: str) -> GeneratorStatus:
        return service.stop(generator)

    @server.tool(description="set a generator's target rate in events per second (applied live when running)")
    @told
    def set_rate(generator: str, events_per_second: float) -> RateAnswer:
        return service.set_rate(generator, events_per_second)

    @server.tool(description="make a generator follow a load shape: RATE@DURATION steps, FROM..TO@DURATION ramps")
    @told
    def set_shape(generator: str, shape: str) -> RateAnswer:
        return service.set_shape(generator, shape)

    return server


class TokenGate:
    """An ASGI wrapper that answers 401 to any HTTP request without the server's bearer token."""

    def __init__(self, app: ASGIApp, token: str):
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            given = headers.get(b"x-eventgen-token") or headers.get(b"authorization", b"").removeprefix(b"Bearer ")
            if not (given and hmac.compare_digest(given.strip(), self.token)):
                body = b'{"detail":"missing or wrong token"}'
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
