"""`eventgen studio CONF`: design samples, templates and time distributions in the browser (CONF: an
eventgen.conf or an Eventum generator.yml).

Flask is imported only when the subcommand runs, so the core does not require it
(`pip install 'eventgen[studio]'`).
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import socket
from pathlib import Path

from eventgen.cli.common import add_params_options
from eventgen.core.errors import EXIT_CONFIG

log = logging.getLogger("eventgen")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and names that resolve only to those."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def build_studio(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("conf", help="eventgen.conf or Eventum generator.yml to design")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: a free port)")
    parser.add_argument(
        "--password",
        default=os.environ.get("EVENTGEN_STUDIO_PASSWORD"),
        help="also allow signing in with this password (env EVENTGEN_STUDIO_PASSWORD); "
        "advised when --host is not loopback",
    )
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser, only print the URL")
    parser.add_argument("--seed", type=int, help="default seed for previews, histograms and the debugger")
    parser.add_argument("--plugin-dir", action="append", default=[], help="extra plugin folder")
    add_params_options(parser)


def run_studio(args: argparse.Namespace) -> int:
    try:
        from eventgen.tools.studio.app import serve
    except ModuleNotFoundError as exc:
        if exc.name in ("flask", "werkzeug"):
            print("eventgen: error: the studio needs Flask: pip install 'eventgen[studio]' (or pip install flask)")
            return EXIT_CONFIG
        raise
    from eventgen.plugin.registry import registry
    from eventgen.tools.studio.workspace import Workspace

    if args.plugin_dir:
        registry.add_dirs(Path(p) for p in args.plugin_dir)
    if not is_loopback(args.host):
        if args.password:
            log.warning("studio bound to %s: anyone reaching it needs the password or the token", args.host)
        else:
            log.warning(
                "studio bound to %s without --password: access is guarded by the token in the URL only", args.host
            )
    from eventgen.conf.eventum import params_from, secrets_from

    params = params_from(args.params, args.params_file)
    secrets = secrets_from(os.environ, args.secrets_file)
    workspace = Workspace(args.conf, seed=args.seed, params=params, secrets=secrets)
    return serve(
        workspace,
        args.host,
        args.port,
        password=args.password,
        open_browser=not args.no_browser,
        verbose=bool(getattr(args, "verbose", 0)),
    )
