#!/usr/bin/env python3
"""Run eventgen from a checkout: `python bin/eventgen.py CONF`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eventgen.cli import main

if __name__ == "__main__":
    sys.exit(main())
