"""One retry budget and one give-up bound for every output, applied by the core (`OutputPlugin.deliver`): an outage
shorter than `outputGiveUpSeconds` loses nothing; a destination failing longer is given up on within the bound,
then fails fast with one probe every 10 s."""

from __future__ import annotations

import time

import numpy as np
import pytest

from eventgen.conf.core_settings import SAMPLE
from eventgen.core.batch import EventBatch
from eventgen.plugin.base import registry
from eventgen.plugin.configs import own_declarations
from eventgen.plugin.output import OutputPlugin
from eventgen.plugin.retry import Breaker, RetryPolicy

N = 10


def batch(seq: int = 0) -> EventBatch:
    return EventBatch("s", seq, [f"e{i}" for i in range(N)], np.zeros(N))


class Outage(OutputPlugin):
    """Refuses every write until `back` (monotonic seconds), as a stopped receiver's closed port does."""

    back = 0.0

    def write(self, payload) -> None:
        self.attempts.append(time.monotonic())
        if time.monotonic() < self.back:
            raise ConnectionRefusedError(111, "Connection refused")


Outage.name = "outage"  # a test plugin, kept out of the registry


def outage(lasting: float, **settings) -> Outage:
    made = Outage(settings)
    made.attempts = []
    made.back = time.monotonic() + lasting
    return made


def test_the_budget_is_declared_once_in_the_core_and_read_the_same_by_every_output() -> None:
    declared = {s.name: s.default for s in SAMPLE.settings}
    assert (declared["outputRetries"], declared["outputGiveUpSeconds"], declared["outputGiveUpBatches"]) == (
        "10",
        "10",
        "5",
    )
    policy = RetryPolicy.of({}, "outage")  # a config without the core keys gets the declared defaults
    assert (policy.retries, policy.give_up_seconds, policy.give_up_batches) == (10, 10.0, 5)
    for name in registry.names("output"):
        cls = registry.get("output", name)
        own = [s for s in own_declarations(cls) if s.name == cls.retries_setting]  # inherited ones too
        assert all(s.default is None for s in own), f"{name} declares a retry budget of its own"
        assert [s.name for s in own] == ([cls.retries_setting] if cls.retries_setting else []), name
        assert "retries" not in vars(cls) and "backoff" not in vars(cls), name


def test_an_outputs_own_retries_setting_overrides_the_count_only() -> None:
    policy = RetryPolicy.of({"tcpoutRetries": 1, "outputRetries": 7, "outputGiveUpSeconds": 4}, "tcpoutRetries")
    assert (policy.retries, policy.give_up_seconds) == (1, 4.0)
    assert RetryPolicy.of({"tcpoutRetries": None, "outputRetries": 7}, "tcpoutRetries").retries == 7
    tcpout = registry.get("output", "tcpout")
    assert tcpout.retries_setting == "tcpoutRetries"  # declared by the output, never built from its name
    made = tcpout(tcpout.config_of({"tcpoutRetries": 1, "outputRetries": 7}))
    assert made.policy.retries == 1


def test_waits_double_from_a_quarter_second_to_two_each_drawn_between_half_and_all() -> None:
    policy = RetryPolicy(10, 10.0, 5)
    for attempt, bound in enumerate([0.25, 0.5, 1.0, 2.0, 2.0, 2.0]):
        waits = [policy.wait(attempt) for _ in range(200)]
        assert bound / 2 <= min(waits) and max(waits) <= bound


def test_a_two_second_outage_is_ridden_through_by_one_batch() -> None:
    out = outage(2.0)
    started = time.monotonic()
    got = out.deliver(batch())
    assert (got.sent, got.failed) == (N, 0)
    assert len(out.attempts) >= 3 and out.attempts[-1] >= out.back  # it kept trying until the destination was back
    assert time.monotonic() - started < 2.0 + 2.2  # and stopped trying soon after: at most one wait (2 s) late
    assert "Connection refused" in got.error  # what happened meanwhile is still said


def test_a_dead_destination_is_given_up_on_within_the_bound_then_fails_fast() -> None:
    out = outage(3600, outputGiveUpSeconds=1.5)
    started = time.monotonic()
    first = out.deliver(batch(0))
    took = time.monotonic() - started
    assert (first.sent, first.failed) == (0, N)
    assert 1.5 <= took < 1.5 + 0.5, took  # no wait reaches past the bound: the last attempt is made at it
    assert first.error.startswith("given up after 1 failed batch(es) over ")
    tried = len(out.attempts)
    second = out.deliver(batch(1))
    assert (second.sent, second.failed) == (0, N) and len(out.attempts) == tried  # failed at once, no attempt
    assert second.error == first.error


def test_retries_stop_at_the_count_when_it_comes_first() -> None:
    out = outage(3600, outputRetries=2)
    got = out.deliver(batch())
    assert (got.sent, got.failed, len(out.attempts)) == (0, N, 3)
    assert got.error == "[Errno 111] Connection refused"  # not given up yet: 1 of outputGiveUpBatches


@pytest.mark.parametrize("batches", [1, 3])
def test_batches_failing_in_a_row_give_up_too(batches: int) -> None:
    out = outage(3600, outputRetries=0, outputGiveUpBatches=batches)
    errors = [out.deliver(batch(i)).error for i in range(batches + 1)]
    assert [e.startswith("given up") for e in errors] == [False] * (batches - 1) + [True, True]
    assert len(out.attempts) == batches


def test_the_failing_clock_starts_with_the_first_failed_attempt_not_its_end() -> None:
    """An attempt that hangs until the destination's timeout counts its own time: a dead destination whose every
    attempt times out is not given one bound more for each."""
    breaker = Breaker(RetryPolicy(10, 1.0, 5), "slow")
    breaker.attempt_failed(time.monotonic() - 1.2)  # an attempt begun 1.2 s ago failed just now
    assert breaker.over_budget() and breaker.probing()
    breaker.succeeded()
    assert not breaker.over_budget() and breaker.failing_since is None
