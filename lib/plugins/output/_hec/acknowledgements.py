"""Indexer acknowledgement (`httpeventUseAck`, the token's useACK): each accepted request's ackId is polled on
/services/collector/ack until true. A request not acknowledged within `httpeventAckTimeout` is sent again (a new
ackId; its events count as resent), as many times as the output's retry count, then given up (its events fail)."""

from __future__ import annotations

import logging
import time

from eventgen.plugin import OutputError

from .progress import Pending, Progress, Step
from .request_builder import Requests
from .service import HecService

log = logging.getLogger("eventgen_plugins.output.httpevent")


class Acknowledgements:
    def __init__(self, service: HecService, use_ack: bool, timeout: float, poll: float, resends: int):
        self.service = service
        self.use_ack = use_ack
        self.timeout = timeout
        self.poll = poll
        self.resends = resends
        self.no_ack: set[int] = set()  # servers that answered without an ackId (warned once)

    def accepted(self, progress: Progress, step: Step, target: int, ack_id: int | None) -> None:
        """`target` accepted `step`: it is held, or (acks on and an ackId given) pending until acknowledged."""
        if self.use_ack and ack_id is not None:
            progress.pending[step] = Pending(target, ack_id, time.monotonic() + self.timeout)
            return
        if self.use_ack and target not in self.no_ack:
            self.no_ack.add(target)
            log.warning(
                "HEC %s answered without an ackId: its token has no indexer acknowledgement (useACK); "
                "events it accepts count as sent, not acknowledged",
                self.service.where(target),
            )
        progress.held.add(step)

    def await_all(self, progress: Progress, requests: Requests) -> int:
        """Poll each server for the acks of the pending requests until none is pending; returns the events sent
        again meanwhile (resent)."""
        resent = 0
        while progress.pending:
            time.sleep(self.poll)
            self._query(progress)
            now = time.monotonic()
            for step, pending in list(progress.pending.items()):
                if now >= pending.deadline:
                    resent += self._resend(progress, requests, step, pending, now)
        return resent

    def _query(self, progress: Progress) -> None:
        by_target: dict[int, list[int]] = {}
        for p in progress.pending.values():
            if p.ack_id is not None:
                by_target.setdefault(p.target, []).append(p.ack_id)
        for target, ids in by_target.items():
            status = self.service.query_acks(target, ids)
            for step, p in list(progress.pending.items()):
                if p.target == target and p.ack_id is not None and status.get(p.ack_id) is True:
                    del progress.pending[step]
                    progress.held.add(step)
                    progress.acked.add(step)

    def _resend(self, progress: Progress, requests: Requests, step: Step, pending: Pending, now: float) -> int:
        """Send an unacknowledged request again (a new ackId), or give it up after `resends`; the events resent."""
        number, key = step
        if pending.resends >= self.resends:
            del progress.pending[step]
            last = f" (last resend failed: {pending.error})" if pending.error else ""
            progress.lost[step] = (
                f"HEC {self.service.where(pending.target)}: request(s) not acknowledged within {self.timeout:g}s "
                f"after {pending.resends} resend(s){last}"
            )
            return 0
        pending.resends += 1
        try:
            target, ack_id, _ = self.service.send(key, requests.bodies[number], requests.path)
        except OutputError as exc:  # try again at the next poll, while resends last
            pending.ack_id, pending.deadline, pending.error = None, now, str(exc)
            return 0
        pending.target, pending.ack_id, pending.deadline, pending.error = (
            target,
            ack_id,
            time.monotonic() + self.timeout,
            "",
        )
        if ack_id is None:
            del progress.pending[step]
            self.accepted(progress, step, target, None)
        return requests.events(number)
