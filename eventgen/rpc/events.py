"""What the engine loop hears from its workers, whatever carries it, and the transport interface.

Thread, process and cluster modes each implement `Transport`; the engine and the dispatcher never
see a socket or a queue. A worker's answer to one job is a `JobReport`, whatever runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Protocol

from eventgen.core.batch import GenerationJob
from eventgen.core.delta import JobDelta
from eventgen.format.payload import Payload

JobKey = tuple[str, int]  # (sample, seq): names a job within its run


@dataclass(slots=True)
class Joined:
    peer: Hashable
    capacity: int
    name: str = ""
    host: str = ""


@dataclass(slots=True)
class JobReport:
    """What became of one job: its key, its counts, a render error, and the payloads the worker formatted for
    the outputs the host writes, as (host output index, payload)."""

    key: JobKey
    run: str
    delta: JobDelta
    error: str = ""
    handback: list[tuple[int, Payload]] = field(default_factory=list)


@dataclass(slots=True)
class Done:
    """A peer's report of one job; `unreadable`: why its counts could not be read (refused like counts that do
    not fit their job)."""

    peer: Hashable
    report: JobReport
    unreadable: str = ""


@dataclass(slots=True)
class Leaving:
    """A peer stops taking jobs and returns those it had not begun (`final`: it is gone)."""

    peer: Hashable
    returned: list[JobKey]
    final: bool
    closing: dict[str, str] = field(default_factory=dict)  # outputs it closed that failed to close: output → error


@dataclass(slots=True)
class Lost:
    peer: Hashable
    reason: str


@dataclass(slots=True)
class Fatal:
    """A worker cannot run this conf (e.g. the bundle does not load there): the run fails."""

    peer: Hashable
    message: str


Event = Joined | Done | Leaving | Lost | Fatal


@dataclass(frozen=True, slots=True)
class Handover:
    """An earlier run's counts that a worker hands to this host, its own controller having gone away before its
    summary: for the role above (the controller) to check and keep apart, never this run's counts."""

    peer: bytes
    run: str
    worker: str
    host: str
    jobs: int
    delta: JobDelta


def _always(peer: Hashable) -> bool:
    return True


class Transport(Protocol):
    """Carries jobs to peers and their reports back. Used by the engine loop thread only."""

    wakes: bool  # whether `wake()` interrupts a `poll` in progress

    def start(self) -> None: ...

    def poll(self, timeout: float) -> list[Event]: ...

    def send(self, peer: Hashable, job: GenerationJob) -> bool: ...

    def wake(self) -> None:
        """Called from any thread when new work is queued (may be a no-op)."""

    def finish(self, timeout: float, abort: bool = False, holds: Callable[[Hashable], bool] = _always) -> list[Event]:
        """Ask every peer to stop (`abort`: after its current job, returning the rest); the events until the
        peers that hold jobs (`holds`) are gone: a peer holding none is not waited for."""

    def close(self) -> None: ...
