"""`eventgen replay-spool FILE CONF`: send the events of a failed-batch spool again.

Each record goes to the output named in it, configured as the conf configures that output for the
record's sample. What fails again is appended to `--failed-to` (default FILE.failed), never to FILE.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from eventgen.cli.common import load_config
from eventgen.errors import EXIT_CONFIG, EXIT_FAILED, EXIT_OK
from eventgen.run.accounting import Stats, Tally

log = logging.getLogger(__name__)


def build(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spool", help="spool file written by spoolFailedTo")
    parser.add_argument("conf", help="eventgen.conf configuring the outputs to resend through")
    parser.add_argument("--failed-to", metavar="FILE", help="spool for events failing again (default SPOOL.failed)")
    parser.add_argument("--only-output", metavar="NAME", help="resend only records of this output")
    parser.add_argument("--stats-json", metavar="FILE", help="also write the summary as JSON")
    parser.add_argument("--plugin-dir", action="append", default=[], help="extra plugin folder")
    parser.set_defaults(sample=None)


def run(args: argparse.Namespace) -> int:
    from eventgen.plugin.spool import batch_of, read_spool
    from eventgen.run.pipeline import OutputSet

    spool = Path(args.spool)
    if not spool.is_file():
        print(f"eventgen: error: spool file {spool} not found", file=sys.stderr)
        return EXIT_CONFIG
    failed_to = args.failed_to or f"{spool}.failed"
    if Path(failed_to).resolve() == spool.resolve():
        print("eventgen: error: --failed-to must differ from the spool being replayed", file=sys.stderr)
        return EXIT_CONFIG
    config = load_config(args)
    samples = {s.label: s for s in config.samples}
    for sample in samples.values():
        sample.settings = sample.settings.with_values(spoolFailedTo=failed_to)
    outputs = OutputSet(samples.values())
    stats = Stats()
    problems = 0
    try:
        for number, record in read_spool(spool):
            name, label = record.get("output", ""), record.get("sample", "")
            if args.only_output and name != args.only_output:
                continue
            batch = batch_of(record)
            chosen = [o for o in outputs.for_sample(label) if o.name == name]
            if not chosen:
                problems += 1
                why = (
                    f"sample {label!r} is not in {args.conf}"
                    if label not in samples
                    else f"sample {label!r} has no output {name!r} in {args.conf}"
                )
                log.error("%s:%d: %s; %d event(s) not resent", spool, number, why, len(batch))
                tally = Tally()
                tally.made(label, len(batch))
                tally.delivered(label, name, 0, len(batch), 0, why)
                stats.merge(tally.delta())
                continue
            tally = Tally()
            tally.made(label, len(batch))
            result = chosen[0].deliver(batch)
            tally.delivered(label, name, result.sent, result.failed, result.bytes, result.error)
            stats.merge(tally.delta())
    except ValueError as exc:
        print(f"eventgen: error: {exc}", file=sys.stderr)
        problems += 1
    finally:
        outputs.close()
    stats.write_summary(sys.stderr)
    if args.stats_json:
        stats.write_json(args.stats_json)
    return EXIT_FAILED if stats.totals()["failed"] or problems else EXIT_OK
