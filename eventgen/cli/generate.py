"""`eventgen [generate] CONF`, `validate` and `preview`."""

from __future__ import annotations

import argparse
import logging
import sys

from eventgen.cli.common import add_sample_options, load_config, reference_time
from eventgen.cli.destinations import check_file, writing
from eventgen.core.errors import EXIT_FAILED, EXIT_INCOMPLETE, EXIT_OK
from eventgen.run.signals import handle_signals

log = logging.getLogger("eventgen")
CATCHUP = 1.25  # eventgen.run.catchup.CATCHUP, not imported here: the run package pulls in numpy


def run_generate(args: argparse.Namespace) -> int:
    check_file("--stats-json", args.stats_json)
    config = load_config(args)
    if not config.samples:
        log.warning("no enabled samples in %s: nothing to generate", args.conf)
    return run_config(config, args)


def run_config(config, args: argparse.Namespace, transport=None, summarize=None) -> int:
    """Run a loaded conf as the run flags say (over `transport`, a controller's, when given); print the summary
    (with `summarize`'s additions); the exit status."""
    summary = execute(config, args, transport, summarize)
    if summary.failed:
        return EXIT_FAILED
    return EXIT_INCOMPLETE if summary.incomplete and not args.duration else EXIT_OK


def execute(config, args: argparse.Namespace, transport=None, summarize=None, steer=None):
    """The run's summary, printed (and written to `--stats-json`); `steer(engine)`, when given, is run in a
    thread of its own beside the engine (the knee search)."""
    import threading

    from eventgen.run.report import write_json, write_table
    from eventgen.run.wire import wire

    engine = wire(config, run_options(config, args), transport)
    if steer is not None:
        threading.Thread(target=steer, args=(engine,), name="steer", daemon=True).start()
    close_metrics = metrics_for(engine, args)
    try:
        with handle_signals(engine.stop, engine.made_line):
            summary = engine.execute()
    finally:
        close_metrics()
    if summarize is not None:
        summary = summarize(summary)
    write_table(summary, sys.stderr)
    if args.stats_json:
        with writing("--stats-json", args.stats_json):
            write_json(summary, args.stats_json)
    return summary


def metrics_for(engine, args: argparse.Namespace):
    """`--metrics HOST:PORT`: serve the run's Prometheus metrics while it runs; the function that stops it."""
    if not getattr(args, "metrics", None):
        return lambda: None
    from eventgen.core.errors import EventgenError

    try:
        from eventgen.web.metrics import export_run
    except ModuleNotFoundError as exc:
        raise EventgenError(f"--metrics needs {exc.name}: pip install 'eventgen[server]'") from None
    try:
        return export_run(engine.summary, args.rate, args.metrics)
    except OSError as exc:
        raise EventgenError(f"--metrics {args.metrics}: cannot listen: {exc.strerror}") from None


def run_options(config, args: argparse.Namespace):
    """RunOptions from the run flags, after applying `--rate` and `--duration` to the samples."""
    from eventgen.core.errors import EventgenError
    from eventgen.run.wire import RunOptions

    if args.catchup < 1:
        raise EventgenError(f"--catchup must be 1 or more (times the rate), got {args.catchup:g}")
    if args.duration is not None and args.duration <= 0:
        raise EventgenError(f"--duration must be above 0 seconds, got {args.duration:g}")
    if args.status_interval is not None and not args.status_interval >= 0:
        raise EventgenError(
            f"--status-interval must be 0 (no status lines) or more seconds, got {args.status_interval:g}"
        )
    shape = run_shape(config, args)
    if args.rate is not None:
        share_rate(config.samples, args.rate)
    elif shape is not None:
        share_rate(config.samples, shape.rate_at(0.0))
    if args.duration is not None:
        if args.end is not None:
            raise EventgenError("--duration and --end both bound the run: give one of them")
        bounded = [s.label for s in config.samples if str(s.settings.get("end") or "").strip()]
        if bounded:
            log.warning(
                "--duration %gs bounds the run: end from the conf is ignored for %s", args.duration, ", ".join(bounded)
            )
        for sample in config.samples:
            sample.settings = sample.settings.with_values(end=None)
    now = reference_time(args) if args.now else None
    expect = getattr(args, "expect_workers", 0) or 0
    if expect < 0:
        raise EventgenError(f"--expect-workers must be 0 or more, got {expect}")
    return RunOptions(
        seed=args.seed,
        status_interval=args.status_interval,
        now=now,
        expect_workers=expect,
        duration=args.duration,
        drain_seconds=getattr(args, "drain_seconds", 30.0),
        catchup=args.catchup,
        target_rate=args.rate if shape is None else None,
        shape=shape,
    )


def run_shape(config, args: argparse.Namespace):
    """The load shape the run follows (`--shape`, else `[global] shape`), or None. Unless `--duration` or `--end`
    bounds the run, it ends with the shape."""
    from eventgen.core.errors import EventgenError
    from eventgen.core.shapes import ShapeError, parse_shape

    text = getattr(args, "shape", None)
    try:
        shape = parse_shape(text) if text is not None else config.engine.shape
    except ShapeError as exc:
        raise EventgenError(f"--shape: {exc}") from None
    ended = args.end is not None or any(str(s.settings.get("end") or "").strip() for s in config.samples)
    if shape is not None and args.duration is None and not ended:
        args.duration = shape.seconds
    return shape


def share_rate(samples, rate: float) -> None:
    """`--rate EPS` (or a shape's first rate): every sample runs the `rate` schedule at an equal share of EPS
    events/s."""
    from eventgen.core.errors import EventgenError

    if rate <= 0:
        raise EventgenError(f"--rate must be above 0 events/s, got {rate:g}")
    from eventgen.plugin.registry import registry

    share = rate / max(len(samples), 1)
    schedule = registry.get("input", "rate")
    for sample in samples:
        sample.settings = sample.settings.with_values(input="rate", rate=share)
        sample.plugins = {**sample.plugins, "input": schedule}


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Flags of every command that runs a plan (generate, controller)."""
    parser.add_argument("--stats-json", metavar="FILE", help="also write the summary as JSON")
    parser.add_argument(
        "--metrics",
        metavar="HOST:PORT",
        help="serve the run's Prometheus metrics at http://HOST:PORT/metrics while it runs (PORT alone: 127.0.0.1)",
    )
    parser.add_argument("--status-interval", type=float, help="seconds between status lines (0 = none)")
    parser.add_argument(
        "--rate",
        type=float,
        metavar="EPS",
        help="target events/s for the run, shared evenly by the samples (input = rate)",
    )
    parser.add_argument(
        "--shape",
        metavar="SHAPE",
        help="a load shape for the run's total events/s: RATE@DURATION steps and FROM..TO@DURATION ramps joined "
        "by commas, e.g. 1000@10s,1000..5000@60s; every sample runs input = rate, and the run ends with the shape "
        "unless --duration or --end is given",
    )
    parser.add_argument(
        "--duration",
        type=float,
        metavar="SECONDS",
        help="stop the run after this many seconds (the conf's end is then ignored)",
    )
    parser.add_argument(
        "--catchup",
        type=float,
        default=CATCHUP,
        metavar="FACTOR",
        help="a live run that fell behind (no worker had room) catches up at most FACTOR x its rate, never in "
        f"a burst (default {CATCHUP:g}; 1 = never catch up, stay behind)",
    )
    parser.add_argument(
        "--now",
        metavar="TIME",
        help="pin the reference time (ISO date, epoch seconds or relative like -1d@d): with "
        "--seed, relative windows give byte-identical output",
    )
    parser.add_argument(
        "--no-wait",
        action="store_true",
        help="make future timestamps at once instead of releasing them when due (timeMode = sample for every stanza)",
    )


def build_generate(parser: argparse.ArgumentParser) -> None:
    add_sample_options(parser)
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--devnull", dest="output", action="store_const", const="devnull", help="send every sample to devnull"
    )
    group.add_argument(
        "--modinput",
        dest="output",
        action="store_const",
        const="modinput",
        help="send every sample to modinput (Splunk XML on stdout)",
    )
    group.add_argument(
        "--stdout", dest="output", action="store_const", const="stdout", help="send every sample to stdout"
    )
    group.add_argument(
        "--keepoutput",
        dest="output",
        action="store_const",
        const=None,
        help="keep each stanza's outputMode (the default)",
    )
    parser.add_argument("--generators", type=int, help="generator workers")
    parser.add_argument("--multiprocess", action="store_true", help="generator workers as processes")
    parser.add_argument("--threading", choices=("thread", "process"), help="worker kind")
    parser.add_argument("--queueing", choices=("python", "zeromq"), help="job queue backend")
    add_run_options(parser)


def run_validate(args: argparse.Namespace) -> int:
    config = load_config(args)
    for sample in config.samples:
        print(
            f"{sample.label}: generator={sample.settings['generator']} "
            f"outputs={','.join(sample.settings['outputMode'])} tokens={len(sample.tokens)}"
        )
    print(f"{args.conf or args.apps_dir}: OK, {len(config.samples)} sample(s), {len(config.warnings)} warning(s)")
    return EXIT_OK


def build_validate(parser: argparse.ArgumentParser) -> None:
    add_sample_options(parser)


def run_preview(args: argparse.Namespace) -> int:
    from eventgen.core.errors import EventgenError
    from eventgen.run.preview import preview

    if args.number < 1:
        raise EventgenError(f"preview -n/--number: expected 1 or more events, got {args.number}")
    config = load_config(args)
    preview(config, args.number, seed=args.seed, stream=sys.stdout, show_state=args.state)
    return EXIT_OK


def build_preview(parser: argparse.ArgumentParser) -> None:
    add_sample_options(parser)
    parser.add_argument("-n", "--number", type=int, default=5, help="events per sample (default 5)")
    parser.add_argument("--state", action="store_true", help="show generator state after each event")
