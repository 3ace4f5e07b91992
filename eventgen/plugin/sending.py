"""Sending one payload through an output under its retry policy: attempts, what each failure means, waits, the
breaker, and resuming a partly delivered batch. The output's lock is held throughout."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol

from eventgen.format.payload import Payload
from eventgen.plugin.delivery_checks import Violation, count_in
from eventgen.plugin.result import Outcome, WriteResult
from eventgen.plugin.retry import Breaker, Failure, RetryLogic, RetryPolicy


class Attempting(Protocol):
    """What sending needs of an output (`OutputPlugin` is one)."""

    @property
    def label(self) -> str: ...
    @property
    def resumes(self) -> bool: ...
    @property
    def retry_logic(self) -> RetryLogic: ...
    @property
    def policy(self) -> RetryPolicy: ...
    @property
    def breaker(self) -> Breaker: ...
    @property
    def stop_event(self) -> threading.Event | None: ...
    def attempt(self, payload: Payload) -> tuple[WriteResult, int]: ...
    def reset(self) -> None: ...


@dataclass(slots=True)
class _Progress:
    """What the attempts at one payload have come to so far."""

    partial: int = 0  # events known to have arrived before a failure: a retry resumes after them
    resent: int = 0
    acked: int = 0
    error: str = ""  # why the last attempt failed
    started: float = 0.0  # monotonic start of the current attempt


class Retrying:
    """Sends payloads to one output: an attempt, and while the retry logic, the budget and the breaker allow,
    another after a wait, resuming after what arrived."""

    def __init__(self, output: Attempting):
        self.output = output

    def send(self, payload: Payload) -> Outcome:
        breaker = self.output.breaker
        if breaker.given_up():  # a dead destination: fail fast, counted (and spooled if asked)
            return Outcome.all_failed(payload, breaker.dead_reason)
        progress = _Progress()
        try:
            return self._attempts(payload, progress)
        except Violation as exc:  # the plugin's answer cannot be believed: the whole batch failed
            breaker.attempt_failed(progress.started)
            breaker.batch_failed(str(exc))
            return Outcome.all_failed(payload, str(exc))

    def _attempts(self, payload: Payload, progress: _Progress) -> Outcome:
        output, breaker, n = self.output, self.output.breaker, len(payload)
        last = 0 if breaker.probing() else output.policy.retries
        for attempt in range(last + 1):
            rest = payload if output.resumes else payload.tail(progress.partial)
            progress.started = time.monotonic()
            try:
                result, nbytes = output.attempt(rest)
            except Violation:
                raise
            except BaseException as exc:  # anything plugin code raises is this output's failure
                failure = self._failed(exc, rest, n, progress)
                if not failure.retryable or attempt == last or breaker.over_budget() or self._pause(attempt):
                    break
                continue
            breaker.succeeded()
            return self._succeeded(payload, result, nbytes, progress)
        breaker.batch_failed(progress.error)
        failed = range(progress.partial, n)
        error = breaker.dead_reason or progress.error
        return Outcome(payload, failed, 0, error, progress.resent, min(progress.acked, progress.partial))

    def _failed(self, exc: BaseException, rest: Payload, n: int, progress: _Progress) -> Failure:
        """Read a failed attempt (its counts checked), note what arrived, and close for the next attempt."""
        output = self.output
        failure = output.retry_logic.failure(exc)
        label = output.label
        sent = count_in(f"output {label}: OutputError.sent", failure.sent, 0, len(rest))
        progress.resent += count_in(f"output {label}: resent", failure.resent, 0, None)
        progress.acked += count_in(f"output {label}: acked", failure.acked, 0, n)
        progress.partial = min(n, sent if output.resumes else progress.partial + sent)
        progress.error = failure.reason
        output.reset()
        output.breaker.attempt_failed(progress.started)
        return failure

    def _succeeded(self, payload: Payload, result: WriteResult, nbytes: int, progress: _Progress) -> Outcome:
        """The outcome of an attempt that wrote: every event sent but the items `write` says failed."""
        resent, acked = progress.resent + result.resent, progress.acked + result.acked
        if result.failed_indices is None:
            failed: range | list[int] = range(len(payload) - result.failed, len(payload))
            return Outcome(payload, failed, nbytes, progress.error, resent, acked, spool=False)
        base = 0 if self.output.resumes else progress.partial  # indices of what `write` was given
        failed = [base + i for i in result.failed_indices]
        error = progress.error
        if failed:
            error = f"{len(failed)} item(s) rejected" + (f": {result.item_error}" if result.item_error else "")
        return Outcome(payload, failed, nbytes, error, resent, acked)

    def _pause(self, attempt: int) -> bool:
        """Wait before retry `attempt` + 1, never past the give-up bound (the last attempt is made at it); True when
        the run is stopping (Ctrl-C/SIGTERM ends the wait)."""
        wait = min(self.output.policy.wait(attempt), self.output.breaker.left())
        stop = self.output.stop_event
        if stop is not None:
            return stop.wait(wait)
        time.sleep(wait)
        return False
