"""`eventgen build` (SA-Eventgen .spl) and `eventgen splunk-modinput` (eventgen.tools.splunkapp)."""

from __future__ import annotations

import argparse


def build_app(parser: argparse.ArgumentParser) -> None:
    from eventgen.tools.splunkapp import build_args

    build_args(parser)


def run_build(args: argparse.Namespace) -> int:
    from eventgen.cli.destinations import check_folder
    from eventgen.tools.splunkapp import run_build as run

    check_folder("--destination", args.destination)
    return run(args)


def build_modinput(parser: argparse.ArgumentParser) -> None:
    from eventgen.tools.splunkapp import modinput_args

    modinput_args(parser)


def run_modinput(args: argparse.Namespace) -> int:
    from eventgen.tools.splunkapp import run_modinput as run

    return run(args)
