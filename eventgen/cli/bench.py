"""`eventgen bench`: fixed workloads in every mode (eventgen.tools.bench)."""

from __future__ import annotations

import argparse


def build(parser: argparse.ArgumentParser) -> None:
    from eventgen.tools.bench import add_arguments

    add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from eventgen.tools.bench import run as run_bench

    return run_bench(args)
