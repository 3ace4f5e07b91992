"""`python -m benchmarks` = `eventgen bench`."""

import sys

from eventgen.bench import main

sys.exit(main())
