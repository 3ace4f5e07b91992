"""Retries as data: what a failure means (`RetryLogic`), how often and how long to try again (`RetryPolicy`), and
when to give up on a dead destination (`Breaker`, a circuit breaker).

The core applies them when it sends a batch (`sending.Retrying`); no output keeps a budget of its own. A batch that
failed for a reason that may pass is tried again after a wait (0.25 s, 0.5 s, 1 s, then 2 s each, every wait drawn
between half and all of its bound, so many workers do not retry in step, and none reaching past the bound) while
the output has been failing for less than `outputGiveUpSeconds` and at most `outputRetries` times (the setting an
output names in `retries_setting`, e.g. `tcpoutRetries`, overrides the count for it). An output failing for
`outputGiveUpSeconds`, counted from the start of the first attempt that failed, or failing `outputGiveUpBatches`
batches in a row, is given up on: later batches fail at once, and one attempt every `PROBE_EVERY` seconds sees
whether it is back.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from eventgen.conf.core_settings import SAMPLE
from eventgen.core.config import Config
from eventgen.plugin.delivery_checks import described
from eventgen.plugin.result import OutputError

log = logging.getLogger("eventgen.plugin.output")

FIRST_WAIT = 0.25  # seconds: the bound of the first wait before retrying, doubled each attempt
MAX_WAIT = 2.0  # seconds: the largest bound of a wait
PROBE_EVERY = 10.0  # seconds between attempts at a destination given up on
BUDGET_KEYS = ("outputRetries", "outputGiveUpSeconds", "outputGiveUpBatches")


class Action(Enum):
    """What to do after a failed attempt (Vector's `RetryAction`)."""

    RETRY = "retry"  # nothing arrived: try the batch again
    RETRY_REST = "retry the rest"  # the first `sent` events arrived: try again after them
    DONT_RETRY = "don't retry"  # trying again cannot help (a refusal, a plugin's bug)


@dataclass(frozen=True)
class Failure:
    """A failed attempt as the retry logic reads it: what to do, why, and what the attempt did deliver."""

    action: Action
    reason: str
    sent: int = 0  # events at the start of what was written that arrived
    resent: int = 0
    acked: int = 0

    @property
    def retryable(self) -> bool:
        return self.action is not Action.DONT_RETRY


class RetryLogic:
    """Decides from what an attempt raised whether trying again may help: an OutputError says so itself (and how
    much arrived); an OSError (refused, reset, timed out) may pass; anything else is a bug or a decision of the
    plugin and is not retried. An output whose errors say more sets `retry_logic` to a subclass."""

    def failure(self, exc: BaseException) -> Failure:
        if not isinstance(exc, OutputError | OSError):
            return Failure(Action.DONT_RETRY, described(exc))
        reason = str(exc) or type(exc).__name__
        sent, resent, acked = (getattr(exc, name, 0) for name in ("sent", "resent", "acked"))
        if not getattr(exc, "retryable", True):
            return Failure(Action.DONT_RETRY, reason, sent, resent, acked)
        return Failure(Action.RETRY_REST if sent else Action.RETRY, reason, sent, resent, acked)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long one output's failed batches are tried again, and when it is given up on."""

    retries: int  # attempts after a retryable failure, at most
    give_up_seconds: float  # failing this long: no more retries, the output is given up on
    give_up_batches: int  # this many batches in a row failed (after their retries): given up on
    first_wait: float = FIRST_WAIT
    max_wait: float = MAX_WAIT

    @classmethod
    def of(cls, config: Config | Mapping[str, Any], retries_setting: str = "") -> RetryPolicy:
        """The policy of an output's config: the core keys, its `retries_setting` (when set) overriding the count.
        Keys a mapping lacks take their declared defaults."""
        values = config.as_dict() if isinstance(config, Config) else config
        own = values.get(retries_setting) if retries_setting else None
        return cls(
            retries=max(0, int(_budget(values, "outputRetries") if own is None else own)),
            give_up_seconds=float(_budget(values, "outputGiveUpSeconds")),
            give_up_batches=max(1, int(_budget(values, "outputGiveUpBatches"))),
        )

    def wait(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` + 1: between half and all of the doubled bound."""
        bound = min(self.first_wait * 2**attempt, self.max_wait)
        return random.uniform(bound / 2, bound)


_DECLARED = {s.name: s for s in SAMPLE.settings if s.name in BUDGET_KEYS}


def _budget(values: Mapping[str, Any], key: str) -> Any:
    """A core key of the budget, or its declared default (a mapping made without it)."""
    value = values.get(key)
    return _DECLARED[key].default_value() if value is None else value


class Breaker:
    """One output's failing streak: when retrying stops, when the output is given up on, when to probe again.

    Not thread-safe: the output's lock is held around every call."""

    def __init__(self, policy: RetryPolicy, label: str):
        self.policy = policy
        self.label = label
        self.failed_batches = 0  # consecutive batches that failed
        self.failing_since: float | None = None  # monotonic start of the first failed attempt of the streak
        self.dead_reason = ""  # set once the destination is given up on
        self.probe_at = 0.0

    def failing_for(self) -> float:
        return 0.0 if self.failing_since is None else time.monotonic() - self.failing_since

    def given_up(self) -> bool:
        """True while the destination is given up on and no probe is due."""
        return bool(self.dead_reason) and time.monotonic() < self.probe_at

    def probing(self) -> bool:
        """True when the output is past its bound: a batch gets one attempt (a probe), no retries."""
        return self.failed_batches >= self.policy.give_up_batches or self.over_budget()

    def left(self) -> float:
        """Seconds of the give-up bound left to this failing streak (the whole bound when not failing)."""
        return max(0.0, self.policy.give_up_seconds - self.failing_for())

    def over_budget(self) -> bool:
        return self.failing_since is not None and self.failing_for() >= self.policy.give_up_seconds

    def attempt_failed(self, started: float) -> None:
        """An attempt begun at `started` (monotonic) failed: the failing clock runs from the first such start."""
        if self.failing_since is None:
            self.failing_since = started

    def succeeded(self) -> None:
        self.failed_batches, self.failing_since, self.dead_reason = 0, None, ""

    def batch_failed(self, error: str) -> None:
        """A batch failed for good; past the bound the output is given up on (logged once per streak)."""
        self.failed_batches += 1
        if self.failing_since is None:
            self.failing_since = time.monotonic()
        if not self.probing():
            return
        self.dead_reason = (
            f"given up after {self.failed_batches} failed batch(es) over {self.failing_for():.0f}s; "
            f"failing fast, trying again every {PROBE_EVERY:g}s: {error}"
        )
        if self.probe_at == 0.0:
            log.warning("%s: %s", self.label, self.dead_reason)
        self.probe_at = time.monotonic() + PROBE_EVERY
