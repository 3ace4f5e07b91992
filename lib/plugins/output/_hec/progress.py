"""Where one batch stands at the HEC servers, kept across the attempts at it so that a retry resumes and nothing
is counted twice.

A step is (request number, server) in mirror mode and (request number, -1) in round-robin, where the server is
whichever accepted it. `done`: accepted over HTTP; `held`: accepted and, with acks, acknowledged (or accepted by
a server that gives no ackId); `uncertain`: a failed attempt may have delivered it; `lost`: given up
unacknowledged, with the reason.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from eventgen.plugin import Payload

Step = tuple[int, int]


@dataclass
class Pending:
    """A request accepted by `target` whose ack is awaited."""

    target: int
    ack_id: int | None
    deadline: float  # monotonic time after which it is sent again
    resends: int = 0
    error: str = ""  # why the last resend failed


@dataclass
class Progress:
    payload: Payload
    keys: list[int]  # the servers every request must reach (mirror), or [-1]: any one (round-robin)
    starts: list[int] = field(default_factory=list)  # event index where each request starts, plus the end
    finished: bool = False
    done: set[Step] = field(default_factory=set)
    held: set[Step] = field(default_factory=set)
    acked: set[Step] = field(default_factory=set)
    uncertain: set[Step] = field(default_factory=set)
    pending: dict[Step, Pending] = field(default_factory=dict)
    lost: dict[Step, str] = field(default_factory=dict)

    def events(self, number: int) -> int:
        return self.starts[number + 1] - self.starts[number]

    def held_by_all(self, number: int) -> bool:
        return all((number, k) in self.held for k in self.keys)

    def held_prefix(self) -> int:
        """Events at the start of the batch that every server holds."""
        number = 0
        while number < len(self.starts) - 1 and self.held_by_all(number):
            number += 1
        return self.starts[number] if self.starts else 0

    def acked_events(self, requests: int) -> int:
        """Events of the first `requests` requests that every server acknowledged."""
        return sum(self.events(n) for n in range(requests) if all((n, k) in self.acked for k in self.keys))

    def missing(self) -> list[int]:
        """Indices of the events that some server does not hold."""
        requests = range(len(self.starts) - 1)
        return [i for n in requests if not self.held_by_all(n) for i in range(self.starts[n], self.starts[n + 1])]

    def lacking(self, indices: list[int]) -> tuple[list[int], dict[int, list[int]]]:
        """Split failed events (`indices` of the batch) into those no server holds or every server lacks, and, per
        server, those only some servers lack."""
        everyone: list[int] = []
        per_server: dict[int, list[int]] = {k: [] for k in self.keys}
        for i in indices:
            number = bisect_right(self.starts, i) - 1
            without = [k for k in self.keys if (number, k) not in self.held]
            if len(without) in (0, len(self.keys)):
                everyone.append(i)
            else:
                for k in without:
                    per_server[k].append(i)
        return everyone, per_server
