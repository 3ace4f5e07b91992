"""Options and helpers shared by the commands that read a conf."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_sample_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "conf",
        nargs="?",
        help="eventgen.conf file, an Eventum generator.yml, a Splunk app folder, or an app name under "
        "$SPLUNK_HOME/etc/apps",
    )
    parser.add_argument(
        "--apps-dir",
        metavar="DIR",
        help="instead of CONF: every app under DIR (Splunk's etc/apps) with an eventgen.conf "
        "(or a pytest-splunk-addon-data.conf)",
    )
    parser.add_argument("-s", "--sample", help="only samples whose name or stanza matches this regex")
    parser.add_argument("-c", "--count", type=int, help="override count in every stanza")
    parser.add_argument("-i", "--interval", type=float, help="override interval in every stanza")
    parser.add_argument("-b", "--backfill", help="override backfill in every stanza (e.g. -60m)")
    parser.add_argument("-e", "--end", help="override end in every stanza (intervals or a time)")
    parser.add_argument("--seed", type=int, help="seed: same conf and seed give byte-identical output")
    parser.add_argument("--plugin-dir", action="append", default=[], help="extra plugin folder")
    add_eventum_options(parser)


def add_params_options(parser: argparse.ArgumentParser) -> None:
    """`--params`, `--params-file`, `--secrets-file`: an Eventum project's ${params.X} and ${secrets.X}."""
    parser.add_argument("--params", metavar="JSON", help="Eventum project: values of ${params.X}, a JSON object")
    parser.add_argument("--params-file", metavar="FILE", help="Eventum project: ${params.X} from a YAML/JSON file")
    parser.add_argument(
        "--secrets-file",
        metavar="FILE",
        help="Eventum project: ${secrets.X} from a YAML/JSON file (EVENTUM_SECRET_X variables win over it)",
    )


def add_eventum_options(parser: argparse.ArgumentParser) -> None:
    """Flags for Eventum projects (generator.yml); the time-mode flags apply to a conf too."""
    add_params_options(parser)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--live-mode",
        dest="time_mode",
        action="store_const",
        const="live",
        help="release events when their time comes (timeMode = live, Eventum's live mode)",
    )
    mode.add_argument(
        "--sample-mode",
        dest="time_mode",
        action="store_const",
        const="sample",
        help="make every event at once, as fast as possible (timeMode = sample, Eventum's sample mode)",
    )
    add_generation_options(parser)


def add_generation_options(parser: argparse.ArgumentParser) -> None:
    """Eventum's generation settings (`eventum generate` flags, startup.yml's `generation.*`) for every stanza."""
    past = parser.add_mutually_exclusive_group()
    past.add_argument(
        "--skip-past",
        dest="skip_past",
        action="store_const",
        const="true",
        help="live mode: drop event times before the start (skipPast; the default of Eventum projects)",
    )
    past.add_argument(
        "--no-skip-past",
        dest="skip_past",
        action="store_const",
        const="false",
        help="live mode: make event times before the start at once (skipPast = false)",
    )
    parser.add_argument("--timezone", help="zone of times without one and of `timestamp` (Eventum's timezone)")
    parser.add_argument("--batch-size", type=int, metavar="N", help="events per job at most (jobSize)")
    parser.add_argument(
        "--batch-delay",
        type=float,
        metavar="SECONDS",
        help="accepted and checked (> 0): eventgen holds a live batch for at most 50 ms of event times",
    )
    parser.add_argument(
        "--keep-order", action="store_true", help="events reach the outputs in time order (one generator worker)"
    )
    parser.add_argument(
        "--max-concurrency",
        type=int,
        metavar="N",
        help="at most N batches written at once (generatorWorkers at most N)",
    )
    parser.add_argument(
        "--state-lanes",
        type=int,
        metavar="N",
        help="templates with state: N independent state lanes, on N workers at once (jinjaStateLanes)",
    )


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
    if getattr(args, "generators", None) is not None:  # 0 is refused by generatorWorkers, not ignored
        values["generatorWorkers"] = str(args.generators)
    if getattr(args, "multiprocess", False):
        values["threading"] = "process"
    if getattr(args, "threading", None):
        values["threading"] = args.threading
    if getattr(args, "queueing", None):
        values["queueing"] = args.queueing
    if getattr(args, "time_mode", None):
        values["timeMode"] = args.time_mode
    if getattr(args, "no_wait", False):
        values["timeMode"] = "sample"
    values.update(generation_overrides(args, values))
    if getattr(args, "rate", None) is not None:  # shared out between the samples by run_generate
        values["input"] = "rate"
        values["rate"] = str(args.rate)
    return values


def generation_overrides(args: argparse.Namespace, values: dict[str, str]) -> dict[str, str]:
    """Eventum's generation flags as overrides; a value out of range is one line."""
    from eventgen.core.errors import EventgenError

    out: dict[str, str] = {}
    if getattr(args, "skip_past", None):
        out["skipPast"] = args.skip_past
    if getattr(args, "timezone", None):
        out["timezone"] = args.timezone
    if getattr(args, "batch_size", None) is not None:
        out["jobSize"] = str(args.batch_size)  # jobSize's parser refuses < 1, naming the key
    if getattr(args, "state_lanes", None) is not None:
        out["jinjaStateLanes"] = str(args.state_lanes)  # the jinja generator's parser checks it, naming the key
    delay = getattr(args, "batch_delay", None)
    if delay is not None and not delay > 0:
        raise EventgenError(f"--batch-delay: must be more than 0 seconds, got {delay:g}")
    workers = values.get("generatorWorkers")
    if getattr(args, "keep_order", False):
        if workers not in (None, "1"):
            raise EventgenError(f"--keep-order needs one generator worker (events in time order), not -G {workers}")
        out["generatorWorkers"] = "1"
    most = getattr(args, "max_concurrency", None)
    if most is not None:
        if most < 1:
            raise EventgenError(f"--max-concurrency: must be 1 or more, got {most}")
        out["generatorWorkers"] = str(min(most, int(workers or 1)))
    return out


def load_config(args: argparse.Namespace):
    from eventgen.plugin.registry import registry
    from eventgen.resolve.loader import load

    if args.plugin_dir:
        registry.add_dirs(Path(p) for p in args.plugin_dir)
    if args.conf:
        openable(args.conf)
    if args.conf and not getattr(args, "apps_dir", None) and is_eventum(args.conf):
        from eventgen.resolve.eventum import load_project

        return load_project(args.conf, args, overrides_from(args))
    if getattr(args, "apps_dir", None) or not (args.conf and Path(args.conf).is_file()):
        from eventgen.resolve.apps import load_target

        return load_target(
            args.conf, getattr(args, "apps_dir", None), overrides_from(args), args.sample, now=reference_time(args)
        )
    return load(args.conf, overrides_from(args), only=args.sample, now=reference_time(args))


def openable(path: str) -> None:
    """One line (exit 2) for a path that cannot be opened at all: a symlink loop, a name too long."""
    from eventgen.conf.files import path_problem
    from eventgen.core.errors import ConfigError, ConfigErrors

    problem = path_problem(path)
    if problem:
        raise ConfigErrors([ConfigError(problem)])


def reference_time(args: argparse.Namespace) -> float:
    """`--now` as epoch seconds, else the clock: the time the conf's time settings are checked at."""
    import time

    if not getattr(args, "now", None):
        return time.time()
    from eventgen.core.errors import EventgenError
    from eventgen.core.settings import SettingError
    from eventgen.core.timeutil import parse_time, parse_timezone

    try:
        return parse_time(args.now, time.time(), parse_timezone("local"))
    except SettingError as exc:
        raise EventgenError(f"--now: {exc}") from None


def is_eventum(conf: str) -> bool:
    """Whether CONF is an Eventum project: a generator.yml-shaped YAML file."""
    from eventgen.conf.eventum import looks_like_project

    return looks_like_project(conf)


def dump_json(data: object) -> str:
    return json.dumps(data, indent=2, sort_keys=True)
