"""The command line only: nothing in eventgen imports this package."""

from eventgen.cli.main import main

__all__ = ["main"]
