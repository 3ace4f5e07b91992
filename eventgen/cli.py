"""Command line: `eventgen [generate] CONF`, `validate`, `preview` and the other subcommands."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from eventgen import __version__
from eventgen.errors import ConfigErrors, EventgenError

log = logging.getLogger("eventgen")

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2

SUBCOMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int], str]] = {}


def command(name: str, help_text: str, build: Callable[[argparse.ArgumentParser], None],
            run: Callable[[argparse.Namespace], int]) -> None:
    """Register a subcommand: `build` adds its arguments, `run` executes it and returns the exit code."""
    SUBCOMMANDS[name] = (build, run, help_text)


def add_sample_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("conf", nargs="?",
                        help="eventgen.conf file, a Splunk app folder, or an app name under $SPLUNK_HOME/etc/apps")
    parser.add_argument("--apps-dir", metavar="DIR",
                        help="instead of CONF: every app under DIR (Splunk's etc/apps) with an eventgen.conf")
    parser.add_argument("-s", "--sample", help="only samples whose name or stanza matches this regex")
    parser.add_argument("-c", "--count", type=int, help="override count in every stanza")
    parser.add_argument("-i", "--interval", type=float, help="override interval in every stanza")
    parser.add_argument("-b", "--backfill", help="override backfill in every stanza (e.g. -60m)")
    parser.add_argument("-e", "--end", help="override end in every stanza (intervals or a time)")
    parser.add_argument("--seed", type=int, help="seed: same conf and seed give byte-identical output")
    parser.add_argument("--plugin-dir", action="append", default=[], help="extra plugin folder")


def overrides_from(args: argparse.Namespace) -> dict[str, str]:
    """Command-line overrides as raw conf values; they apply to every stanza."""
    values: dict[str, str] = {}
    for key, attr in (("count", "count"), ("interval", "interval"), ("backfill", "backfill"), ("end", "end")):
        value = getattr(args, attr, None)
        if value is not None:
            values[key] = str(value).strip()
    output = getattr(args, "output", None)
    if output:
        values["outputMode"] = output
    if getattr(args, "generators", None):
        values["generatorWorkers"] = str(args.generators)
    if getattr(args, "multiprocess", False):
        values["threading"] = "process"
    if getattr(args, "threading", None):
        values["threading"] = args.threading
    if getattr(args, "queueing", None):
        values["queueing"] = args.queueing
    if getattr(args, "rate", None) is not None:  # shared out between the samples by run_generate
        values["input"] = "rate"
        values["rate"] = str(args.rate)
    return values


def load_config(args: argparse.Namespace):
    from eventgen.config import load
    from eventgen.plugins import registry

    if args.plugin_dir:
        registry.load(Path(p) for p in args.plugin_dir)
    if getattr(args, "apps_dir", None) or not (args.conf and Path(args.conf).is_file()):
        from eventgen.apps import load_target

        return load_target(args.conf, getattr(args, "apps_dir", None), overrides_from(args), args.sample)
    return load(args.conf, overrides_from(args), only=args.sample)


def run_generate(args: argparse.Namespace) -> int:
    from eventgen.engine import Run, RunOptions

    config = load_config(args)
    if not config.samples:
        log.warning("no enabled samples in %s: nothing to generate", args.conf)
    if args.rate is not None:
        from eventgen.timer import share_rate

        share_rate(config.samples, args.rate)
    run = Run(config, RunOptions(seed=args.seed, status_interval=args.status_interval))
    run.stats.target_rate = args.rate
    if args.duration:
        stopper = threading.Timer(args.duration, run.stop)
        stopper.daemon = True
        stopper.start()
    with handle_signals(run.stop):
        stats = run.execute()
    stats.write_summary(sys.stderr)
    if args.stats_json:
        stats.write_json(args.stats_json)
    total = stats.totals()
    return EXIT_FAILED if total.failed or run.failed_jobs else EXIT_OK


def build_generate(parser: argparse.ArgumentParser) -> None:
    add_sample_options(parser)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--devnull", dest="output", action="store_const", const="devnull",
                       help="send every sample to devnull")
    group.add_argument("--modinput", dest="output", action="store_const", const="modinput",
                       help="send every sample to modinput (Splunk XML on stdout)")
    group.add_argument("--stdout", dest="output", action="store_const", const="stdout",
                       help="send every sample to stdout")
    group.add_argument("--keepoutput", dest="output", action="store_const", const=None,
                       help="keep each stanza's outputMode (the default)")
    parser.add_argument("--generators", type=int, help="generator workers")
    parser.add_argument("--multiprocess", action="store_true", help="generator workers as processes")
    parser.add_argument("--threading", choices=("thread", "process"), help="worker kind")
    parser.add_argument("--queueing", choices=("python", "zeromq"), help="job queue backend")
    parser.add_argument("--stats-json", metavar="FILE", help="also write the summary as JSON")
    parser.add_argument("--status-interval", type=float, help="seconds between status lines (0 = none)")
    parser.add_argument("--rate", type=float, metavar="EPS",
                        help="target events/s for the run, shared evenly by the samples (input = rate)")
    parser.add_argument("--duration", type=float, metavar="SECONDS", help="stop the run after this many seconds")


def run_validate(args: argparse.Namespace) -> int:
    config = load_config(args)
    for sample in config.samples:
        print(f"{sample.label}: generator={sample.settings['generator']} "
              f"outputs={','.join(sample.settings['outputMode'])} tokens={len(sample.tokens)}")
    print(f"{args.conf or args.apps_dir}: OK, {len(config.samples)} sample(s), {len(config.warnings)} warning(s)")
    return EXIT_OK


def build_validate(parser: argparse.ArgumentParser) -> None:
    add_sample_options(parser)


def run_preview(args: argparse.Namespace) -> int:
    from eventgen.preview import preview

    config = load_config(args)
    preview(config, args.number, seed=args.seed, stream=sys.stdout, show_state=args.state)
    return EXIT_OK


def build_preview(parser: argparse.ArgumentParser) -> None:
    add_sample_options(parser)
    parser.add_argument("-n", "--number", type=int, default=5, help="events per sample (default 5)")
    parser.add_argument("--state", action="store_true", help="show generator state after each event")


command("generate", "generate events (the default command)", build_generate, run_generate)
command("validate", "check a conf and list every error at once", build_validate, run_validate)
command("preview", "render a few events of each sample without sending them", build_preview, run_preview)


class handle_signals:
    """Ctrl-C / SIGTERM call `stop` once; a second Ctrl-C exits at once."""

    def __init__(self, stop: Callable[[], None]):
        self.stop = stop
        self.hits = 0

    def _handler(self, signum, frame) -> None:
        self.hits += 1
        if self.hits > 1:
            raise KeyboardInterrupt
        log.warning("stopping: draining queued work (Ctrl-C again to quit at once)")
        self.stop()

    def __enter__(self):
        self._old = {sig: signal.signal(sig, self._handler) for sig in (signal.SIGINT, signal.SIGTERM)}
        return self

    def __exit__(self, *exc) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)


def parser_for() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eventgen", description="Fast Splunk Eventgen-compatible event generator")
    parser.add_argument("--version", action="version", version=f"eventgen {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="-v info, -vv debug")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _load_extra_commands()
    for name, (build, run, help_text) in SUBCOMMANDS.items():
        child = sub.add_parser(name, help=help_text)
        child.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS)
        build(child)
        child.set_defaults(run=run)
    return parser


def _load_extra_commands() -> None:
    """Subcommands defined beside the modules they drive register themselves on import."""
    import importlib

    for module in ("eventgen.bench_cli", "eventgen.distributed.cli", "eventgen.studio", "eventgen.apps",
                   "eventgen.spool_cli"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = parser_for()
    if argv and (not argv[0].startswith("-") or argv[0].startswith("--apps-dir")) and argv[0] not in SUBCOMMANDS:
        argv.insert(0, "generate")
    elif argv and argv[0] in ("-v", "-vv", "-vvv") and len(argv) > 1 and argv[1] not in SUBCOMMANDS:
        argv.insert(1, "generate")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=(logging.WARNING, logging.INFO, logging.DEBUG)[min(getattr(args, "verbose", 0), 2)],
        format="eventgen: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
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
        return 130
    except BrokenPipeError:
        return EXIT_OK


def dump_json(data: object) -> str:
    return json.dumps(data, indent=2, sort_keys=True)


if __name__ == "__main__":
    sys.exit(main())
