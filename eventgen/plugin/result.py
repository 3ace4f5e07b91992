"""Typed answers about one batch at one output.

- `WriteResult`: what one `write` says it did (returned by the plugin, checked before it is believed);
  `OutputError`: what it raises when nothing more was delivered.
- `Outcome`: what the sending of a whole payload came to after its attempts: which events failed and why.
- `Delivery`: what is counted (the `Outcome` once its failed events are spooled).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eventgen.format.payload import Payload


class OutputError(Exception):
    """A batch could not be delivered; `retryable` says whether trying again may help.

    `sent` is how many events at the start of the batch did arrive before the failure (outputs that split a batch
    into requests resume after them when retried); `resent` and `acked` are as in `WriteResult`, for the attempt
    that failed.
    """

    def __init__(self, message: str, retryable: bool = True, sent: int = 0, resent: int = 0, acked: int = 0):
        super().__init__(message)
        self.retryable = retryable
        self.sent = sent
        self.resent = resent
        self.acked = acked


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What one `write(payload)` did: every event sent unless it says otherwise.

    `failed_indices` (distinct, 0..n-1) say exactly which events failed, so `spoolFailedTo` keeps just those; else
    `failed` says how many (counted, but not spooled one by one). `resent`: events sent again that may already have
    arrived; `acked`: events the destination confirmed stored; `item_error`: why the failed items were refused;
    `bytes`: bytes put on the wire (None: `encoded_size(payload)`, by default the payload's size)."""

    failed: int = 0
    failed_indices: Sequence[int] | None = None
    resent: int = 0
    acked: int = 0
    item_error: str = ""
    bytes: int | None = None


@dataclass
class Delivery:
    """What became of one batch at one output."""

    sent: int
    failed: int
    bytes: int
    error: str = ""
    resent: int = 0  # events sent again that may already have arrived
    acked: int = 0  # events the destination confirmed stored


@dataclass(slots=True)
class Outcome:
    """A payload's sending after all its attempts, before spooling: `failed` are indices into the payload (a range
    for a failed tail, a list for rejected items), `error` says why; `spool` is False when only their number is
    known (a `write` that returned a count): they are counted, not spooled."""

    payload: Payload
    failed: Sequence[int]
    bytes: int = 0
    error: str = ""
    resent: int = 0
    acked: int = 0
    spool: bool = True

    @classmethod
    def all_failed(cls, payload: Payload, error: str, resent: int = 0) -> Outcome:
        return cls(payload, range(len(payload)), 0, error, resent)

    def delivery(self, error: str | None = None) -> Delivery:
        """The counts, with `error` (the spool's note added) in place of the outcome's own when given."""
        failed = len(self.failed)
        shown = self.error if error is None else error
        return Delivery(len(self.payload) - failed, failed, self.bytes, shown, self.resent, self.acked)
