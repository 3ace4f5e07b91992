"""`eventgen knee CONF --start EPS …`: ramp a conf's rate until an output breaks, print the highest rate held (over
worker threads or processes, or with `--bind` over the workers that join, as a controller)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time

from eventgen.cli.cluster import add_controller_options, start_controller
from eventgen.cli.common import add_sample_options, load_config
from eventgen.cli.destinations import check_file, writing
from eventgen.cli.generate import CATCHUP
from eventgen.core.errors import EXIT_FAILED, EXIT_OK, EventgenError

log = logging.getLogger("eventgen")


def build(parser: argparse.ArgumentParser) -> None:
    add_sample_options(parser)
    parser.add_argument("--start", type=float, required=True, metavar="EPS", help="the first rate held, events/s")
    parser.add_argument(
        "--step", type=float, default=1.25, metavar="FACTOR", help="each rate held is raised by FACTOR (default 1.25)"
    )
    parser.add_argument("--hold", default="5s", metavar="TIME", help="how long each rate is held (default 5s)")
    parser.add_argument(
        "--max-lag", default="1s", metavar="TIME", help="a rate breaks when the run falls this far behind (default 1s)"
    )
    parser.add_argument(
        "--max-fail", type=int, default=0, metavar="N", help="a rate breaks when more events fail in a hold (default 0)"
    )
    parser.add_argument(
        "--max-resent", type=int, metavar="N", help="a rate breaks when more events are resent in a hold (default: any)"
    )
    parser.add_argument(
        "--min-achieved",
        type=float,
        default=0.95,
        metavar="FRACTION",
        help="a rate breaks when less than FRACTION of it is made (default 0.95)",
    )
    parser.add_argument(
        "--precision",
        type=float,
        default=0.05,
        metavar="FRACTION",
        help="bisect until the lowest broken rate is within FRACTION of the highest held (default 0.05)",
    )
    parser.add_argument("--max-rate", type=float, metavar="EPS", help="never ask for more than EPS events/s")
    parser.add_argument("--json", metavar="FILE", help="also write the result and every hold as JSON")
    parser.add_argument("--stats-json", metavar="FILE", help="also write the run's summary as JSON")
    parser.add_argument("--status-interval", type=float, default=0.0, help="seconds between status lines (0 = none)")
    parser.add_argument("--generators", type=int, help="generator workers")
    parser.add_argument("--threading", choices=("thread", "process"), help="worker kind")
    parser.add_argument("--devnull", dest="output", action="store_const", const="devnull", help="send to devnull")
    group = parser.add_argument_group("as a controller", "with --bind the search runs on the workers that join")
    add_controller_options(group, required=False)
    parser.set_defaults(rate=None, duration=None, shape=None, catchup=CATCHUP, now=None, no_wait=False)


def run(args: argparse.Namespace) -> int:
    from eventgen.cli.generate import execute, share_rate
    from eventgen.core.shapes import ShapeError, parse_duration
    from eventgen.run.knee import KneeBounds, KneePlan, search

    check_file("--json", args.json)
    check_file("--stats-json", args.stats_json)
    try:
        hold, max_lag = parse_duration(args.hold, "--hold"), parse_duration(args.max_lag, "--max-lag")
    except ShapeError as exc:
        raise EventgenError(str(exc)) from None
    plan = KneePlan(args.start, args.step, hold, args.precision, args.max_rate)
    bounds = KneeBounds(max_lag, args.max_fail, args.max_resent, args.min_achieved)
    try:
        plan.check()
    except ValueError as exc:
        raise EventgenError(f"eventgen knee: {exc}") from None
    if not 0 < bounds.min_achieved <= 1:
        raise EventgenError(f"--min-achieved must be above 0 and at most 1, got {bounds.min_achieved:g}")
    if args.time_mode == "sample":
        raise EventgenError("eventgen knee: --sample-mode makes every event at once: there is no rate to search")
    config = load_config(args)
    if not config.samples:
        raise EventgenError(f"no enabled samples in {args.conf}: nothing to search")
    share_rate(config.samples, plan.start)
    for sample in config.samples:  # the search ends the run, not the conf
        sample.settings = sample.settings.with_values(end=None)

    result = []

    def steer(engine) -> None:
        while engine.state.state == "starting" and not engine.stop_event.wait(0.05):
            pass
        try:
            result.append(search(engine.rate, plan, bounds, engine.stop_event, lambda h: print(h.line(), flush=True)))
        except Exception as exc:  # the search failing ends the run, and the command says why
            log.error("the knee search failed: %s: %s", type(exc).__name__, exc)
        finally:
            engine.stop()

    started = time.monotonic()
    if args.bind:
        controller = start_controller(args, config)
        execute(config, args, controller.transport, controller.summarize, steer)
    else:
        execute(config, args, steer=steer)
    if not result:
        log.error("the knee search did not end: the run stopped first")
        return EXIT_FAILED
    knee = result[0]
    if args.json:
        with writing("--json", args.json), open(args.json, "w", encoding="utf-8") as handle:
            json.dump(_as_json(knee, time.monotonic() - started), handle, indent=2)
            handle.write("\n")
    if knee.found is None:
        print(f"knee: no rate held, down to {min(h.rate for h in knee.holds):,.1f} events/s", file=sys.stderr)
        return EXIT_FAILED
    broke = min((h for h in knee.holds if not h.held), key=lambda h: h.rate, default=None)
    above = f"; {broke.rate:.1f} events/s broke ({broke.broke})" if broke else "; nothing broke up to --max-rate"
    print(f"knee: {knee.found:.1f} events/s held for {hold:g}s{above}")
    return EXIT_OK


def _as_json(knee, seconds: float) -> dict:
    return {
        "found": knee.found,
        "lowest_broken": knee.worst,
        "seconds": round(seconds, 3),
        "holds": [
            {
                "rate": h.rate,
                "seconds": round(h.seconds, 3),
                "achieved": round(h.achieved, 3),
                "failed": h.failed,
                "resent": h.resent,
                "lag": round(h.lag, 4),
                "held": h.held,
                "broke": h.broke,
            }
            for h in knee.holds
        ],
    }
