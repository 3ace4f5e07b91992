"""Retries as data: the retry logic reads a failed attempt (retry, retry the rest, don't), an output may bring its
own, HEC's answers are classified by a table, and spooling wraps the sending (what failed is kept, exactly)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from eventgen.core.batch import EventBatch
from eventgen.plugin import Action, OutputError, OutputPlugin, RetryLogic, WriteResult
from eventgen.plugin.base import registry
from eventgen.plugin.retry import Failure
from eventgen.plugin.spool import read_spool

registry.load()
from eventgen_plugins.output._hec.response import action  # noqa: E402

N = 10


def batch() -> EventBatch:
    return EventBatch("s", 4, [f"e{i}" for i in range(N)], np.arange(N, dtype=float))


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (ConnectionRefusedError(111, "Connection refused"), Failure(Action.RETRY, "[Errno 111] Connection refused")),
        (OutputError("cut", sent=3, resent=1), Failure(Action.RETRY_REST, "cut", 3, 1, 0)),
        (OutputError("token refused", retryable=False, acked=2), Failure(Action.DONT_RETRY, "token refused", 0, 0, 2)),
        (ValueError("bug"), Failure(Action.DONT_RETRY, "ValueError: bug")),
        (TimeoutError(), Failure(Action.RETRY, "TimeoutError")),
    ],
    ids=["refused", "partial", "refusal", "bug", "timeout"],
)
def test_the_retry_logic_reads_what_an_attempt_raised(raised: BaseException, expected: Failure) -> None:
    assert RetryLogic().failure(raised) == expected


class Flaky(OutputPlugin):
    """Refused twice, then takes everything."""

    def write(self, payload: Any) -> None:
        self.attempts += 1
        if self.attempts <= 2:
            raise ConnectionRefusedError(111, "Connection refused")


class NeverAgain(RetryLogic):
    """A destination whose refusals are final: an output's own retry logic."""

    def failure(self, exc: BaseException) -> Failure:
        return Failure(Action.DONT_RETRY, f"final: {exc}")


def made(cls: type[OutputPlugin], name: str, **settings: Any) -> Any:
    cls.name = name  # named after it was made: kept out of the registry
    output = cls(cls.config_of({"outputRetries": 5, **settings}))
    output.attempts = 0
    return output


def test_an_outputs_own_retry_logic_decides_whether_to_try_again() -> None:
    retried = made(type("Retried", (Flaky,), {}), "retried")
    got = retried.deliver(batch())
    assert (got.sent, got.failed, retried.attempts) == (N, 0, 3)
    final = made(type("Final", (Flaky,), {"retry_logic": NeverAgain()}), "final")
    got = final.deliver(batch())
    assert (got.sent, got.failed, final.attempts) == (0, N, 1)
    assert got.error == "final: [Errno 111] Connection refused"


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (200, 0, None),
        (200, None, None),
        (503, 9, Action.RETRY),
        (429, None, Action.RETRY),
        (500, 8, Action.RETRY),
        (401, 2, Action.DONT_RETRY),
        (403, 4, Action.DONT_RETRY),
        (200, 4, Action.DONT_RETRY),
        (400, 5, Action.DONT_RETRY),
        (404, None, Action.DONT_RETRY),
    ],
)
def test_hec_answers_are_accepted_retried_or_refused_by_a_table(status: int, code: Any, expected: Any) -> None:
    assert action(status, code) is expected


class Picky(OutputPlugin):
    """Refuses the events whose index is odd, saying why."""

    def write(self, payload: Any) -> WriteResult:
        return WriteResult(failed_indices=[i for i in range(len(payload)) if i % 2], item_error="odd one")


def test_spooling_wraps_the_sending_and_keeps_exactly_the_failed_events(tmp_path: Path) -> None:
    spool = tmp_path / "failed.jsonl"
    picky = made(type("Picky1", (Picky,), {}), "picky", spoolFailedTo=str(spool))
    got = picky.deliver(batch())
    assert (got.sent, got.failed) == (5, 5)
    assert got.error == f"5 item(s) rejected: odd one; 5 event(s) spooled to {spool}"
    ((_, record),) = list(read_spool(spool))
    assert (record["output"], record["seq"], record["events"]) == ("picky", 4, ["e1", "e3", "e5", "e7", "e9"])
    assert record["times"] == [1.0, 3.0, 5.0, 7.0, 9.0] and record["error"] == "5 item(s) rejected: odd one"
    plain = made(type("Picky2", (Picky,), {}), "plain")
    got = plain.deliver(batch())
    assert (got.sent, got.failed, got.error) == (5, 5, "5 item(s) rejected: odd one")
    assert [json.loads(line)["output"] for line in spool.read_text().splitlines()] == ["picky"]  # nothing more


def test_a_count_of_failures_is_counted_but_cannot_be_spooled(tmp_path: Path) -> None:
    spool = tmp_path / "failed.jsonl"
    counted = made(type("Counted", (OutputPlugin,), {"write": lambda self, payload: 3}), "counted")
    counted = type(counted)(type(counted).config_of({"spoolFailedTo": str(spool)}))
    got = counted.deliver(batch())
    assert (got.sent, got.failed) == (7, 3)
    assert not spool.exists()
