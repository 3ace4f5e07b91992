"""`eventgen COMMAND …`: the command table and the entry point.

Commands are loaded lazily: each row names the module that builds and runs it, so `eventgen --version`
imports nothing else, and optional parts (the studio, benchmarks) are imported only when asked for.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import re
import sys
import time
from collections.abc import Sequence

from eventgen import __version__
from eventgen.core.errors import EXIT_CONFIG, EXIT_INTERRUPTED, EXIT_OK, ConfigErrors, EventgenError

log = logging.getLogger("eventgen")

# name → (module, build function, run function, help)
COMMANDS: dict[str, tuple[str, str, str, str]] = {
    "generate": ("eventgen.cli.generate", "build_generate", "run_generate", "generate events (the default command)"),
    "validate": (
        "eventgen.cli.generate",
        "build_validate",
        "run_validate",
        "check a conf and list every error at once",
    ),
    "preview": (
        "eventgen.cli.generate",
        "build_preview",
        "run_preview",
        "render a few events of each sample without sending them",
    ),
    "convert": (
        "eventgen.cli.convert",
        "build",
        "run",
        "print the eventgen.conf equivalent of an Eventum generator.yml (and what has none)",
    ),
    "controller": (
        "eventgen.cli.cluster",
        "build_controller",
        "run_controller",
        "run the schedule and hand jobs to workers over ZeroMQ",
    ),
    "worker": (
        "eventgen.cli.cluster",
        "build_worker",
        "run_worker",
        "render jobs from a controller and write them to the outputs",
    ),
    "status": (
        "eventgen.cli.cluster",
        "build_status",
        "run_status",
        "ask a running controller for the cluster's status",
    ),
    "knee": (
        "eventgen.cli.knee",
        "build",
        "run",
        "raise a conf's rate until its outputs break: the highest events/s they hold",
    ),
    "keys": ("eventgen.cli.cluster", "build_keys", "run_keys", "CurveZMQ keys for distributed mode (`keys generate`)"),
    "studio": (
        "eventgen.cli.studio",
        "build_studio",
        "run_studio",
        "design samples, templates and time distributions in the browser",
    ),
    "server": (
        "eventgen.cli.server",
        "build_server",
        "run_server",
        "run many generators as a service: REST API, /metrics, MCP, live rate",
    ),
    "mcp": (
        "eventgen.cli.server",
        "build_mcp",
        "run_mcp",
        "the server's operations as MCP tools over stdio (for agents)",
    ),
    "bench": (
        "eventgen.cli.bench",
        "build",
        "run",
        "benchmark fixed workloads in every mode against reference figures",
    ),
    "replay-spool": (
        "eventgen.cli.spool",
        "build",
        "run",
        "resend the events of a spoolFailedTo file through a conf's outputs",
    ),
    "build": (
        "eventgen.cli.splunk",
        "build_app",
        "run_build",
        "build eventgen as an installable Splunk app (SA-Eventgen .spl)",
    ),
    "splunk-modinput": (
        "eventgen.cli.splunk",
        "build_modinput",
        "run_modinput",
        "run as SA-Eventgen's modular input (called by the app's bin/ launcher)",
    ),
}


class _Parser(argparse.ArgumentParser):
    """argparse with a usage error as one line, `eventgen: error: ...` like every other bad input."""

    def error(self, message: str):
        command = self.prog.removeprefix("eventgen").strip()
        hint = f"eventgen {command} --help" if command else "eventgen --help"
        self.exit(EXIT_CONFIG, f"eventgen: error: {message} (see {hint})\n")


class _LazyRun:
    """The run function of a command, imported when called."""

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def __call__(self, args: argparse.Namespace) -> int:
        return getattr(importlib.import_module(self.module), self.name)(args)


def parser_for(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with `only`, just that command's sub-parser is built (the rest are stubs)."""
    parser = _Parser(prog="eventgen", description="Fast Splunk Eventgen-compatible event generator")
    parser.add_argument("--version", action="version", version=f"eventgen {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="-v info, -vv debug")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, build, run, help_text) in COMMANDS.items():
        child = sub.add_parser(name, help=help_text)
        child.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS)
        if only is None or only == name:
            getattr(importlib.import_module(module), build)(child)
        child.set_defaults(run=_LazyRun(module, run))
    return parser


TIME_FLAGS = {"-b", "--backfill", "-e", "--end", "--now"}  # their values may start with "-" (-1h, -7d@d)
_NEGATIVE_TIME = re.compile(r"-\d+[a-z]*(@\w+)?([+-]\d*[a-z]+)*", re.I)


def _join_time_values(argv: list[str]) -> list[str]:
    """`-b -1h` as `-b=-1h`: argparse would take `-1h` for an option."""
    out: list[str] = []
    for arg in argv:
        if out and out[-1] in TIME_FLAGS and _NEGATIVE_TIME.fullmatch(arg):
            out[-1] = f"{out[-1]}={arg}"
        else:
            out.append(arg)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] in ("eventgen", "eventgen_plugins"):
            raise
        print(
            f"eventgen: error: the Python package {exc.name!r} is not installed: from the checkout run "
            "`python3 -m pip install -e .` (in a virtualenv: `python3 -m venv .venv && . .venv/bin/activate`)",
            file=sys.stderr,
        )
        return EXIT_CONFIG


def _main(argv: Sequence[str] | None) -> int:
    argv = _join_time_values(list(sys.argv[1:] if argv is None else argv))
    if argv and (not argv[0].startswith("-") or argv[0].startswith("--apps-dir")) and argv[0] not in COMMANDS:
        argv.insert(0, "generate")
    elif argv and argv[0] in ("-v", "-vv", "-vvv") and len(argv) > 1 and argv[1] not in COMMANDS:
        argv.insert(1, "generate")
    chosen = next((a for a in argv if not a.startswith("-")), None)
    parser = parser_for(chosen if chosen is not None else "")
    args = parser.parse_args(argv)
    from eventgen.cli.logs import setup_logging

    setup_logging(getattr(args, "verbose", 0))
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return EXIT_CONFIG
    started = time.time()
    try:
        return args.run(args)
    except ConfigErrors as exc:
        for error in exc.errors:
            print(f"eventgen: error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except EventgenError as exc:
        print(f"eventgen: error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        print(f"eventgen: interrupted after {time.time() - started:.1f}s", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
