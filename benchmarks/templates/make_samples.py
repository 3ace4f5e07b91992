"""Writes the sample files of the template workloads (`<project>/samples/*.csv|json`), deterministically.

    python benchmarks/templates/make_samples.py [--out DIR]

One seeded stream makes every file, so the same code always writes the same files; they are committed, so
run this only after changing the builders (samples_web.py, samples_hosts.py).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import samplekit
import samples_hosts
import samples_web


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the project folders here instead (default: beside this file)")
    args = parser.parse_args()
    if args.out:
        samplekit.OUT = args.out
    samples_web.nginx_access()
    samples_web.firewall()
    samples_web.dns()
    samples_hosts.windows_security()
    samples_hosts.linux_auth()
    samples_hosts.cloudtrail()


if __name__ == "__main__":
    main()
