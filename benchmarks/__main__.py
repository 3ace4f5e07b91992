"""`python -m benchmarks` = `eventgen bench`."""

import sys

from eventgen.tools.bench import main

sys.exit(main())
