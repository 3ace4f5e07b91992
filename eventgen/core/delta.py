"""One job's counts, typed: what a worker made of a `GenerationJob` and what each output did with it.

A worker fills a `JobDelta` per job (`made` once per rendered batch, `delivered` per output); the host merges
it into the run's counts once, when the dispatcher accepts the job's completion. `Counts.add` is the one
addition every count takes (a job's rows, the run's totals, a peer's, a worker's ledger). Between processes a
delta travels as `to_wire()` (msgpack-safe lists and maps) and comes back through `from_wire()`, which refuses
anything that is not well formed (a count that is not an int >= 0, a row named twice, ...) with the reason;
whether the counts fit the job they claim is the dispatcher's check (`run/admission.py`).

It lives beside `GenerationJob` in the core: it is the job's answer, and both the wire (rpc/) and the run
(run/) carry it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


class DeltaError(ValueError):
    """Counts from elsewhere that are not well formed; the message says what is wrong."""


@dataclass(slots=True)
class Counts:
    """What one output did with one sample's events."""

    sent: int = 0
    failed: int = 0
    bytes: int = 0
    resent: int = 0  # events sent again after a failure that may have delivered them (at-least-once)
    acked: int = 0  # events the destination confirmed stored (HEC indexer acknowledgement)

    def add(self, other: Counts) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.bytes += other.bytes
        self.resent += other.resent
        self.acked += other.acked


@dataclass(frozen=True, slots=True)
class Totals:
    """A delta summed over its samples and outputs (`deliveries`: events made times their sample's outputs)."""

    generated: int = 0
    deliveries: int = 0
    sent: int = 0
    failed: int = 0
    bytes: int = 0
    resent: int = 0
    acked: int = 0


@dataclass(slots=True)
class JobDelta:
    """Counts of one job (or a sum of jobs): events made per sample, and per (sample, output) what was sent."""

    generated: dict[str, int] = field(default_factory=dict)
    rows: dict[tuple[str, str], Counts] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # output → its latest error
    dropped: dict[str, int] = field(default_factory=dict)  # renders a template discarded (`dispatch.drop()`)
    exhausted: list[str] = field(default_factory=list)  # samples whose generator has nothing more to make

    # ----- filled by a worker ---------------------------------------------------------------

    def made(self, sample: str, events: int, dropped: int = 0, exhausted: bool = False) -> None:
        """`events` made; `dropped` renders the generator discarded; `exhausted`: the sample has nothing more."""
        self.generated[sample] = self.generated.get(sample, 0) + events
        if dropped:
            self.dropped[sample] = self.dropped.get(sample, 0) + dropped
        if exhausted and sample not in self.exhausted:
            self.exhausted.append(sample)

    def delivered(
        self,
        sample: str,
        output: str,
        sent: int,
        failed: int,
        nbytes: int,
        error: str = "",
        resent: int = 0,
        acked: int = 0,
    ) -> None:
        self._row(sample, output).add(Counts(sent, failed, nbytes, resent, acked))
        if error:
            self.set_error(output, error)

    def job_failed(self, sample: str, count: int, outputs: Iterable[str], error: str) -> None:
        """A job whose events could not be made or believed: its `count` events are counted generated (asked for)
        and failed at every output of its sample, so each row keeps sent + failed == generated."""
        self.made(sample, count)
        for output in outputs:
            self.delivered(sample, output, 0, count, 0, error)

    # ----- summed ---------------------------------------------------------------------------

    def add(self, other: JobDelta) -> None:
        """Add another delta's counts to these (the latest error of an output last)."""
        for sample, n in other.generated.items():
            self.generated[sample] = self.generated.get(sample, 0) + n
        for (sample, output), counts in other.rows.items():
            self._row(sample, output).add(counts)
        for output, error in other.errors.items():
            self.set_error(output, error)
        for sample, n in other.dropped.items():
            self.dropped[sample] = self.dropped.get(sample, 0) + n
        self.exhausted += [s for s in other.exhausted if s not in self.exhausted]

    def totals(self) -> Totals:
        rows = self.rows.values()
        return Totals(
            generated=sum(self.generated.values()),
            deliveries=sum(self.generated.get(sample, 0) for sample, _ in self.rows),
            sent=sum(c.sent for c in rows),
            failed=sum(c.failed for c in rows),
            bytes=sum(c.bytes for c in rows),
            resent=sum(c.resent for c in rows),
            acked=sum(c.acked for c in rows),
        )

    def copy(self) -> JobDelta:
        copy = JobDelta()
        copy.add(self)
        return copy

    def _row(self, sample: str, output: str) -> Counts:
        row = self.rows.get((sample, output))
        if row is None:
            row = self.rows[(sample, output)] = Counts()
        return row

    def set_error(self, output: str, error: str) -> None:
        self.errors.pop(output, None)  # re-inserted: the latest error last, for the status line
        self.errors[output] = error

    # ----- on the wire ----------------------------------------------------------------------

    def to_wire(self) -> dict[str, Any]:
        """msgpack/JSON-safe: rows as [sample, output, sent, failed, bytes, resent, acked]."""
        wire: dict[str, Any] = {
            "generated": [[s, n] for s, n in self.generated.items()],
            "rows": [[s, o, c.sent, c.failed, c.bytes, c.resent, c.acked] for (s, o), c in self.rows.items()],
            "errors": dict(self.errors),
        }
        if self.dropped:
            wire["dropped"] = [[s, n] for s, n in self.dropped.items()]
        if self.exhausted:
            wire["exhausted"] = list(self.exhausted)
        return wire

    @classmethod
    def from_wire(cls, data: Any) -> JobDelta:
        """A delta from its wire form; DeltaError naming what is not well formed (resent and acked may be left
        out of a row)."""
        if not isinstance(data, dict):
            raise DeltaError("its counts are not a map")
        delta = cls(generated=_pairs(data.get("generated", []), "generated"))
        rows = data.get("rows", [])
        if not isinstance(rows, list):
            raise DeltaError("its 'rows' is not a list")
        for row in rows:
            if not (isinstance(row, list | tuple) and 5 <= len(row) <= 7 and isinstance(row[0], str)):
                raise DeltaError(f"a row {row!r} is not [sample, output, sent, failed, bytes, resent, acked]")
            if not isinstance(row[1], str) or not all(_count(n) for n in row[2:]):
                raise DeltaError(f"a row {row!r} holds a count that is not an int >= 0")
            if (row[0], row[1]) in delta.rows:
                raise DeltaError(f"two rows for output {row[1]!r}")
            delta.rows[(row[0], row[1])] = Counts(*row[2:])
        errors = data.get("errors", {})
        if not isinstance(errors, dict):
            raise DeltaError("its 'errors' is not a map")
        delta.errors = {str(k): str(v) for k, v in errors.items()}
        delta.dropped = _pairs(data.get("dropped", []), "dropped")
        exhausted = data.get("exhausted", [])
        if not isinstance(exhausted, list) or not all(isinstance(s, str) for s in exhausted):
            raise DeltaError("its 'exhausted' is not a list of samples")
        delta.exhausted = list(exhausted)
        return delta


def _pairs(value: Any, what: str) -> dict[str, int]:
    """[[sample, n], …] as {sample: n} (a sample named twice: its counts summed)."""
    if not isinstance(value, list):
        raise DeltaError(f"its '{what}' is not a list")
    out: dict[str, int] = {}
    for pair in value:
        if not (isinstance(pair, list | tuple) and len(pair) == 2 and isinstance(pair[0], str) and _count(pair[1])):
            raise DeltaError(f"its '{what}' holds {pair!r}, not [sample, count >= 0]")
        out[pair[0]] = out.get(pair[0], 0) + pair[1]
    return out


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
