"""`eventgen replay-spool FILE CONF`: send the events of a failed-batch spool again.

Each record goes to the output named in it, configured as the conf configures that output for the
record's sample; a record naming a `server` (a mirrored HEC server that lacked its events) goes to that
server only. What fails again, and records whose sample or output the conf lacks, are appended to
`--failed-to` (default FILE.failed), never to FILE. The spool is checked whole before anything is sent:
a malformed record or an unknown record version is refused (exit 2).

The id of every record handled (delivered, or moved to `--failed-to`) is appended to `--done-ids`
(default FILE.done); with `--dedupe`, records whose id is in that file or appeared earlier in FILE are
skipped, so a replay interrupted half-way can be run again without sending anything twice.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from eventgen.cli.common import load_config
from eventgen.cli.destinations import check_file, writing
from eventgen.core.errors import EXIT_CONFIG, EXIT_FAILED, EXIT_OK

log = logging.getLogger(__name__)


def build(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spool", help="spool file written by spoolFailedTo")
    parser.add_argument("conf", help="eventgen.conf configuring the outputs to resend through")
    parser.add_argument("--failed-to", metavar="FILE", help="spool for events failing again (default SPOOL.failed)")
    parser.add_argument("--only-output", metavar="NAME", help="resend only records of this output")
    parser.add_argument(
        "--dedupe",
        action="store_true",
        help="skip records already replayed (ids in --done-ids) and repeated records of the spool",
    )
    parser.add_argument(
        "--done-ids", metavar="FILE", help="ids of the records handled, appended to (default SPOOL.done)"
    )
    parser.add_argument("--stats-json", metavar="FILE", help="also write the summary as JSON")
    parser.add_argument("--plugin-dir", action="append", default=[], help="extra plugin folder")
    parser.set_defaults(sample=None)


def _error(message: str) -> int:
    print(f"eventgen: error: {message}", file=sys.stderr)
    return EXIT_CONFIG


def run(args: argparse.Namespace) -> int:
    from eventgen.core.delta import JobDelta
    from eventgen.plugin.output import OutputPlugin
    from eventgen.plugin.spool import append_failed, append_line, batch_of, read_spool
    from eventgen.run.accounting import Stats
    from eventgen.run.outputs import OutputSet, write
    from eventgen.run.report import write_json, write_table
    from eventgen.run.summary import summarize

    check_file("--failed-to", args.failed_to)
    check_file("--done-ids", args.done_ids)
    check_file("--stats-json", args.stats_json)
    spool = Path(args.spool)
    if not spool.is_file():
        return _error(f"spool file {spool} not found")
    failed_to = args.failed_to or f"{spool}.failed"
    done_ids = args.done_ids or f"{spool}.done"
    if spool.resolve() in (Path(failed_to).resolve(), Path(done_ids).resolve()):
        return _error("--failed-to and --done-ids must differ from the spool being replayed")
    try:  # the whole spool is checked before anything is sent
        named = {str(record.get("output", "")) for _, record in read_spool(spool)}
    except ValueError as exc:
        return _error(str(exc))
    config = load_config(args)
    samples = {s.label: s for s in config.samples}
    for sample in samples.values():
        sample.settings = sample.settings.with_values(spoolFailedTo=failed_to)
    outputs = OutputSet(samples.values())
    if args.only_output:
        configured = {o.name for label in samples for o in outputs.for_sample(label)}
        if args.only_output not in named | configured:
            outputs.close()
            known = ", ".join(sorted(named | configured)) or "none"
            return _error(
                f"--only-output {args.only_output}: no record of {spool} and no output of {args.conf} "
                f"is named so (known: {known})"
            )
    seen: set[str] = set()
    if args.dedupe and Path(done_ids).is_file():
        seen = {line.strip() for line in Path(done_ids).read_text(encoding="utf-8").splitlines() if line.strip()}
    stats = Stats()
    started = time.time()
    notes = []
    problems = skipped_records = skipped_events = 0
    pinned: dict[tuple[int, str], OutputPlugin | None] = {}  # (output, server) -> its copy for that server
    try:
        for number, record in read_spool(spool):
            name, label = record.get("output", ""), record.get("sample", "")
            if args.only_output and name != args.only_output:
                continue
            record_id = record.get("id")
            batch = batch_of(record)
            if args.dedupe and record_id and record_id in seen:
                skipped_records += 1
                skipped_events += len(batch)
                continue
            server = record.get("server") or None
            chosen: OutputPlugin | None = next((o for o in outputs.for_sample(label) if o.label == name), None)
            why = ""
            if chosen is None:
                why = (
                    f"sample {label!r} is not in {args.conf}"
                    if label not in samples
                    else f"sample {label!r} has no output {name!r} in {args.conf}"
                )
            elif server:
                key = (id(chosen), server)
                if key not in pinned:
                    pinned[key] = chosen.for_server(server)
                chosen = pinned[key]
                if chosen is None:
                    why = f"output {name!r} of sample {label!r} has no server {server} in {args.conf}"
            tally = JobDelta()
            tally.made(label, len(batch))
            if chosen is None:
                problems += 1
                try:
                    append_failed(failed_to, name, batch, range(len(batch)), why, server=server)
                    kept = f"written to {failed_to}"
                except OSError as exc:
                    kept = f"could not be written to {failed_to}: {exc}"
                log.error("%s:%d: %s; %d event(s) not resent, %s", spool, number, why, len(batch), kept)
                tally.delivered(label, name, 0, len(batch), 0, f"{why}; {len(batch)} event(s) {kept}")
            else:
                write(chosen, batch, tally)
            stats.merge(tally)
            if record_id:
                seen.add(record_id)
                append_line(done_ids, record_id)
    except (ValueError, OSError) as exc:  # the spool changed since it was checked, or done-ids cannot be written
        print(f"eventgen: error: {exc}", file=sys.stderr)
        problems += 1
    finally:
        closing = {copy.label: error for copy in pinned.values() if copy is not None and (error := copy.shutdown())}
        stats.close_failed({**closing, **outputs.close()})
    if skipped_records:
        notes.append(f"--dedupe: skipped {skipped_records} record(s) ({skipped_events} event(s)) already replayed")
    summary = summarize(stats, max(time.time() - started, 1e-9), notes=tuple(notes))
    write_table(summary, sys.stderr)
    if args.stats_json:
        with writing("--stats-json", args.stats_json):
            write_json(summary, args.stats_json)
    return EXIT_FAILED if summary.failed or problems else EXIT_OK
