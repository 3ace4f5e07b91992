"""Registers `eventgen bench` (see eventgen.bench)."""

from eventgen import bench
from eventgen.cli import command

command("bench", "benchmark fixed workloads in every mode against reference figures", bench.add_arguments, bench.run)
