"""What `wire()` hands a transport to work with: never the engine itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from eventgen.resolve.config import RunConfig
from eventgen.run.summary import RunSummary


@dataclass(frozen=True)
class Needs:
    config: RunConfig
    run_id: str
    host_outputs: frozenset[str]  # outputs the host writes: workers format them and hand the payloads back
    summary: Callable[[], RunSummary]  # the run as it stands (for a STATUS reply)
    note: Callable[[str], bool]  # a line for the summary's notes
