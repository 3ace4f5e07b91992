"""`eventgen [generate] CONF`, `validate` and `preview`."""

from __future__ import annotations

import argparse
import logging
import sys
import threading

from eventgen.cli.common import add_sample_options, load_config
from eventgen.errors import EXIT_FAILED, EXIT_OK
from eventgen.run.signals import handle_signals

log = logging.getLogger("eventgen")


def run_generate(args: argparse.Namespace) -> int:
    from eventgen.run.engine import Run, RunOptions

    config = load_config(args)
    if not config.samples:
        log.warning("no enabled samples in %s: nothing to generate", args.conf)
    if args.rate is not None:
        from eventgen.schedule.timer import share_rate

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
    from eventgen.render.preview import preview

    config = load_config(args)
    preview(config, args.number, seed=args.seed, stream=sys.stdout, show_state=args.state)
    return EXIT_OK


def build_preview(parser: argparse.ArgumentParser) -> None:
    add_sample_options(parser)
    parser.add_argument("-n", "--number", type=int, default=5, help="events per sample (default 5)")
    parser.add_argument("--state", action="store_true", help="show generator state after each event")


