"""`eventgen server`: run many generators as one service with a REST API, /metrics and MCP over HTTP;
`eventgen mcp`: the same operations as MCP tools over stdio, for an agent that starts eventgen itself.

FastAPI, uvicorn, prometheus_client and mcp are imported only when these commands run
(`pip install 'eventgen[server]'`)."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
from pathlib import Path

from eventgen.cli.studio import is_loopback
from eventgen.core.errors import EXIT_CONFIG, EventgenError

log = logging.getLogger("eventgen")
STARTUP = "eventgen-server.yml"
TOKEN_ENV = "EVENTGEN_SERVER_TOKEN"
SERVER_MODULES = ("fastapi", "uvicorn", "starlette", "pydantic", "prometheus_client", "mcp")


def add_workspace_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workspace",
        default=".",
        metavar="DIR",
        help="the folder generators are read from and write to; nothing outside it is served or written "
        "(default: the current folder)",
    )
    parser.add_argument(
        "--startup",
        metavar="FILE",
        help=f"the startup file of generators, YAML, written back on every change (default: WORKSPACE/{STARTUP})",
    )


def build_server(parser: argparse.ArgumentParser) -> None:
    add_workspace_options(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=int, default=9500, help="port to bind (default 9500, as Splunk Eventgen's)")
    parser.add_argument(
        "--token-file",
        metavar="FILE",
        help=f"read the API token from FILE (else env {TOKEN_ENV}, else a random one printed at start)",
    )
    parser.add_argument("--certfile", metavar="PEM", help="serve HTTPS with this certificate (with --keyfile)")
    parser.add_argument("--keyfile", metavar="PEM", help="the certificate's private key")
    add_cluster_options(parser)


def add_cluster_options(parser: argparse.ArgumentParser) -> None:
    """The Curve keys of generators that name `bind` (the server is then their controller)."""
    parser.add_argument(
        "--curve-secret-key", metavar="FILE", help="controller's Curve secret key, for generators with bind"
    )
    parser.add_argument("--authorized-keys", metavar="DIR", help="folder of authorised workers' public *.key files")
    parser.add_argument(
        "--insecure",
        action="store_true",
        help="on loopback, let workers in without keys (default: this user's local keys, made on first use)",
    )


def build_mcp(parser: argparse.ArgumentParser) -> None:
    add_workspace_options(parser)
    add_cluster_options(parser)


def curve_for(args: argparse.Namespace):
    """A bind address → its Curve keys, by the same rules as `eventgen controller`'s (checked at start too)."""
    from eventgen.cli.cluster import _curve_server

    if bool(args.curve_secret_key) != bool(args.authorized_keys):
        raise EventgenError("--curve-secret-key and --authorized-keys go together")
    if args.insecure and args.curve_secret_key:
        raise EventgenError("--insecure and --curve-secret-key exclude each other")
    keys = {
        "curve_secret_key": absolute(args.curve_secret_key),
        "authorized_keys": absolute(args.authorized_keys),
    }  # resolved now: the server then works in its workspace
    return lambda bind: _curve_server(argparse.Namespace(**{**vars(args), **keys, "bind": bind}))


def absolute(path: str | None) -> str | None:
    return str(Path(path).resolve()) if path else None


def missing_server_modules() -> str | None:
    for name in SERVER_MODULES:
        try:
            __import__(name)
        except ModuleNotFoundError:
            return name
    return None


def workspace_of(args: argparse.Namespace) -> tuple[Path, Path]:
    """The workspace (made the working folder, so relative outputs land in it) and the startup file."""
    workspace = Path(args.workspace).resolve()
    if not workspace.is_dir():
        raise EventgenError(f"--workspace {args.workspace}: not a folder")
    startup = Path(args.startup).resolve() if args.startup else workspace / STARTUP
    os.chdir(workspace)
    return workspace, startup


def token_of(args: argparse.Namespace) -> tuple[str, bool]:
    """The API token and whether it was made here (then it is printed once, as the studio prints its URL)."""
    if args.token_file:
        try:
            token = Path(args.token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise EventgenError(f"--token-file {args.token_file}: {exc.strerror}") from None
        if len(token) < 16:
            raise EventgenError(f"--token-file {args.token_file}: the token must be 16 characters or more")
        return token, False
    from_env = os.environ.get(TOKEN_ENV, "").strip()
    if from_env:
        if len(from_env) < 16:
            raise EventgenError(f"{TOKEN_ENV}: the token must be 16 characters or more")
        return from_env, False
    return secrets.token_urlsafe(24), True


def run_server(args: argparse.Namespace) -> int:
    missing = missing_server_modules()
    if missing:
        print(f"eventgen: error: the server needs {missing}: pip install 'eventgen[server]'", file=sys.stderr)
        return EXIT_CONFIG
    if bool(args.certfile) != bool(args.keyfile):
        raise EventgenError("--certfile and --keyfile go together: give both for HTTPS, or neither")
    for flag, path in (("--certfile", args.certfile), ("--keyfile", args.keyfile)):
        if path and not Path(path).is_file():
            raise EventgenError(f"{flag} {path}: no such file")
    if not 0 <= args.port <= 65535:
        raise EventgenError(f"--port must be 0 to 65535, got {args.port}")
    if not is_loopback(args.host):
        log.warning("server bound to %s: anyone reaching it needs the token", args.host)
    token, made = token_of(args)
    curve = curve_for(args)
    tls = absolute(args.certfile), absolute(args.keyfile)
    workspace, startup = workspace_of(args)
    from eventgen.web.serve import ServerOptions, serve

    if made:
        print(f"eventgen server: API token {token} (set {TOKEN_ENV} to choose one)", file=sys.stderr)
    options = ServerOptions(workspace, startup, args.host, args.port, token, *tls, curve)
    try:
        return serve(options)
    except OSError as exc:
        raise EventgenError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None


def run_mcp(args: argparse.Namespace) -> int:
    missing = missing_server_modules()
    if missing:
        print(f"eventgen: error: the MCP tools need {missing}: pip install 'eventgen[server]'", file=sys.stderr)
        return EXIT_CONFIG
    curve = curve_for(args)
    workspace, startup = workspace_of(args)
    from eventgen.web.mcp_tools import mcp_server
    from eventgen.web.service import Service
    from eventgen.web.specs import StartupFile
    from eventgen.web.workspace import Workspace

    service = Service(Workspace(workspace), StartupFile(startup), curve)
    try:
        mcp_server(service, autostart=True).run("stdio")
    finally:
        service.close()
    return 0
