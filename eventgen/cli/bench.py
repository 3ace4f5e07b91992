"""`eventgen bench`: fixed workloads in every mode (eventgen.tools.bench)."""

from __future__ import annotations

import argparse


def build(parser: argparse.ArgumentParser) -> None:
    from eventgen.tools.bench import add_arguments

    add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from eventgen.cli.destinations import check_file
    from eventgen.core.errors import EventgenError
    from eventgen.tools.bench import run as run_bench

    if args.events < 1:
        raise EventgenError(f"--events: expected 1 or more events per workload and mode, got {args.events}")
    check_file("--json", args.json)
    return run_bench(args)
