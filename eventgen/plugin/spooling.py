"""`spoolFailedTo` as a wrapper around an output's sending: the events a payload's outcome says failed are appended
to the spool file (`spool.py`'s records, read back by `eventgen replay-spool`), and the reason says so."""

from __future__ import annotations

import logging
from typing import Protocol

from eventgen.core.batch import EventBatch
from eventgen.core.config import Config
from eventgen.format.payload import Payload
from eventgen.plugin.delivery_checks import described
from eventgen.plugin.result import Delivery, Outcome
from eventgen.plugin.spool import append_failed

log = logging.getLogger("eventgen.plugin.output")


class Sender(Protocol):
    def send(self, payload: Payload) -> Outcome: ...


class Spooled(Protocol):
    """What spooling needs of an output (`OutputPlugin` is one): its config's `spoolFailedTo`, its name in the
    records, and how its failed events split into records."""

    @property
    def config(self) -> Config: ...
    @property
    def label(self) -> str: ...
    def spool_parts(self, batch: EventBatch, indices: list[int]) -> list[tuple[list[int], str | None]]: ...


class Spooling:
    """Wraps `inner` (the output's retrying sender): every outcome becomes a Delivery, its failed events spooled
    first when the output's `spoolFailedTo` is set."""

    def __init__(self, output: Spooled, inner: Sender):
        self.output = output
        self.inner = inner
        self.path: str | None = output.config.spoolFailedTo

    def send(self, payload: Payload) -> Delivery:
        return self.kept(self.inner.send(payload))

    def kept(self, outcome: Outcome) -> Delivery:
        """The outcome counted, its failed events spooled (when their indices are known and a spool is set)."""
        batch = outcome.payload.batch
        if not self.path or not outcome.spool or not outcome.failed or batch is None:
            return outcome.delivery()
        base = outcome.payload.offset
        try:
            count = 0
            for part, server in self.output.spool_parts(batch, [base + i for i in outcome.failed]):
                count += append_failed(self.path, self.output.label, batch, part, outcome.error, server=server)
        except BaseException as exc:  # the spool's file, or the plugin's spool_parts
            log.error("%s: cannot spool failed events to %s: %s", self.output.label, self.path, described(exc))
            return outcome.delivery(f"{outcome.error}; spooling to {self.path} failed: {described(exc)}")
        return outcome.delivery(f"{outcome.error}; {count} event(s) spooled to {self.path}")
