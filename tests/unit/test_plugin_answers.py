"""Plugins are checked, not believed: what an output's `write` returns (and the counts it sets), what its formatter
makes and what a generator hands back must fit the batch or job; anything else (wrong type too) is the whole
batch's failure with a reason naming the plugin. Anything plugin code raises, BaseException included, is a failure
with its reason, never a dead worker."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from eventgen.core.batch import EventBatch, GenerationJob
from eventgen.format.payload import Payload
from eventgen.plugin.delivery_checks import Violation, checked_batch
from eventgen.plugin.output import Delivery, OutputError, OutputPlugin, WriteResult

N = 10


def batch(n: int = N, sample: str = "s", seq: int = 0) -> EventBatch:
    return EventBatch(sample, seq, [f"e{i}" for i in range(n)], np.zeros(n))


class Scripted(OutputPlugin):
    """Answers whatever the test says; counts its attempts."""

    answer: Callable[[Scripted, Payload], Any] = staticmethod(lambda self, payload: None)

    def write(self, payload: Payload) -> Any:
        self.attempts += 1
        return type(self).answer(self, payload)


def output(answer: Callable[[Any, Payload], Any], **attributes: Any) -> Scripted:
    """An output named `liar` in the summary; its class has no name, so it never enters the plugin registry."""
    cls = type("Liar", (Scripted,), {"answer": staticmethod(answer), **attributes})
    made = cls(cls.config_of({"outputRetries": 2, "outputGiveUpSeconds": 30}, "liar"))
    made.attempts = 0
    return made


def in_a_thread(fn: Callable[[], Delivery]) -> Delivery:
    """Run `fn` on a worker thread, as every run delivers (signals only ever reach the main thread)."""
    result: list[Delivery] = []
    worker = threading.Thread(target=lambda: result.append(fn()))
    worker.start()
    worker.join(10)
    assert result, "the delivery never returned"
    return result[0]


@pytest.mark.parametrize(
    "answer",
    [10**9, -7, [0, 0, 10**6, -1], [0, 0], [N], [-1], "3", 2.5, True, {1: 2}, [1.0], (0, "1"), object()],
    ids=repr,
)
def test_a_write_answer_out_of_range_or_of_the_wrong_type_fails_the_whole_batch(answer: Any) -> None:
    liar = output(lambda self, payload: answer)
    got = liar.deliver(batch())
    assert (got.sent, got.failed, got.bytes) == (0, N, 0)
    assert got.error.startswith(f"output liar: write() returned {answer!r}"[:40]), got.error
    assert "allowed: None, a count of failed events 0..10, or a list of distinct failed indices 0..9" in got.error
    assert liar.attempts == 1  # a plugin's bug is not retried


@pytest.mark.parametrize(
    ("answer", "sent", "failed"),
    [(None, 10, 0), (0, 10, 0), (3, 7, 3), (N, 0, N), ([1, 4], 8, 2), ((9,), 9, 1), (np.int64(2), 8, 2), ([], 10, 0)],
    ids=repr,
)
def test_answers_that_fit_are_counted_as_they_say(answer: Any, sent: int, failed: int) -> None:
    got = output(lambda self, payload: answer).deliver(batch())
    assert (got.sent, got.failed) == (sent, failed)
    assert got.sent + got.failed == N


@pytest.mark.parametrize(
    ("attributes", "named"),
    [
        ({"resent": -1}, "output liar: resent is -1"),
        ({"acked": N + 1}, "output liar: acked is 11, not an integer 0..10"),
        ({"acked": "all"}, "output liar: acked is 'all'"),
        ({"encoded_size": lambda self, payload: -5}, "output liar: encoded_size() is -5"),
        ({"encoded_size": lambda self, payload: 1.5}, "output liar: encoded_size() is 1.5"),
        ({"encoded_size": lambda self, payload: 1 / 0}, "output liar: encoded_size() raised ZeroDivisionError"),
    ],
    ids=["resent", "acked-high", "acked-type", "size-negative", "size-float", "size-raises"],
)
def test_every_count_an_output_reports_is_checked(attributes: dict, named: str) -> None:
    def answer(self: Scripted, payload: Payload) -> WriteResult:
        return WriteResult(**{k: v for k, v in attributes.items() if k in ("resent", "acked")})

    extra = {k: v for k, v in attributes.items() if k == "encoded_size"}
    got = output(answer, **extra).deliver(batch())
    assert (got.sent, got.failed) == (0, N)
    assert got.error.startswith(named), got.error


def test_an_output_error_claiming_more_than_the_batch_fails_the_batch() -> None:
    def answer(self: Scripted, payload: Payload) -> None:
        raise OutputError("half went", sent=10**9)

    liar = output(answer)
    got = liar.deliver(batch())
    assert (got.sent, got.failed) == (0, N)
    assert got.error == "output liar: OutputError.sent is 1000000000, not an integer 0..10"
    assert liar.attempts == 1


def test_an_output_error_that_fits_resumes_after_what_arrived() -> None:
    def answer(self: Scripted, payload: Payload) -> None:
        if self.attempts == 1:
            raise OutputError("cut", sent=4)
        assert len(payload) == N - 4  # the retry gets the rest only

    got = output(answer, resumes=False).deliver(batch())
    assert (got.sent, got.failed) == (N, 0)


@pytest.mark.parametrize("raised", [SystemExit(3), KeyboardInterrupt(), GeneratorExit(), MemoryError("big")], ids=repr)
@pytest.mark.parametrize("where", ["open", "write"])
def test_base_exceptions_from_plugin_code_are_the_batchs_failure(raised: BaseException, where: str) -> None:
    def boom(*args: Any) -> None:
        raise raised

    liar = output(boom) if where == "write" else output(lambda self, payload: None, open=boom)
    got = in_a_thread(lambda: liar.deliver(batch()))
    assert (got.sent, got.failed) == (0, N)
    assert got.error == (f"{type(raised).__name__}: {raised}" if str(raised) else type(raised).__name__)
    assert liar.attempts == (1 if where == "write" else 0)  # not an outage: not retried


def test_ctrl_c_on_the_main_thread_is_the_users_not_a_batch_failure() -> None:
    """A KeyboardInterrupt raised on the main thread (`eventgen replay-spool` delivers there) is the user's
    Ctrl-C: it ends the command instead of being counted as the batch's failure."""

    def answer(self: Scripted, payload: Payload) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        output(answer).deliver(batch())


@pytest.mark.parametrize(
    ("made", "named"),
    [
        (lambda b: None, "output liar: its formatter returned None, not a Payload"),
        (
            lambda b: Payload(b.sample, b.seq, b"x\n" * 3, 3, b),
            "output liar: its formatter made a payload of 3 event(s) for a batch of 10",
        ),
        (
            lambda b: Payload(b.sample, b.seq, "text", len(b), b),
            "output liar: its formatter's payload data is str, not bytes",
        ),
        (lambda b: exec("raise SystemExit('formatter quit')"), "formatting failed: SystemExit: formatter quit"),
    ],
    ids=["none", "short", "str", "systemexit"],
)
def test_a_formatters_payload_must_fit_its_batch(made: Callable, named: str) -> None:
    liar = output(lambda self, payload: None, formatter=lambda self: made)
    got = in_a_thread(lambda: liar.deliver(batch()))
    assert (got.sent, got.failed, got.error) == (0, N, named)
    assert liar.attempts == 0


def test_close_errors_and_base_exceptions_are_reported_by_shutdown() -> None:
    def close(self: Scripted) -> None:
        raise SystemExit("closing quit")

    liar = output(lambda self, payload: None, close=close)
    assert liar.deliver(batch()).sent == N
    assert in_a_thread(lambda: liar.shutdown()) == "SystemExit: closing quit"
    assert liar.shutdown() == ""  # closed once


def test_shutdown_does_not_wait_forever_for_a_write_that_never_returns() -> None:
    release = threading.Event()

    def answer(self: Scripted, payload: Payload) -> None:
        release.wait(30)

    liar = output(answer)
    writer = threading.Thread(target=liar.deliver, args=(batch(),), daemon=True)
    writer.start()
    while liar.attempts == 0:
        writer.join(0.01)
    assert liar.shutdown(wait=0.2) == "still writing after 0.2s: not closed"
    release.set()
    writer.join(10)


JOB = GenerationJob("s", 3, N, 0.0, 1.0)


@pytest.mark.parametrize(
    ("made", "most", "named"),
    [
        (batch(N + 1, seq=3), N, "generator g (sample s, job 3) made 11 event(s) for a job of 10"),
        (["e"] * N, N, "generator g (sample s, job 3) returned ['e', 'e'"),
        (batch(N, sample="other", seq=3), N, "generator g (sample s, job 3) returned the batch of sample 'other'"),
        (batch(N, seq=4), N, "generator g (sample s, job 3) returned the batch of sample 's', job 4"),
        (EventBatch("s", 3, ["a"] * N, np.zeros(N - 1)), N, "generator g (sample s, job 3) made 10 event(s) with 9"),
        (
            EventBatch("s", 3, ["a"] * N, np.zeros(N), columns={"host": ["h"] * 2}),
            N,
            "generator g (sample s, job 3) made 10 event(s) with 2 value(s) of column 'host'",
        ),
        (EventBatch("s", 3, ["a"], np.zeros(1), dropped=-2), N, "generator g (sample s, job 3): dropped is -2"),
    ],
    ids=["too-many", "not-a-batch", "other-sample", "other-job", "times", "column", "dropped"],
)
def test_a_generators_batch_must_fit_its_job(made: Any, most: int, named: str) -> None:
    with pytest.raises(Violation) as caught:
        checked_batch("g", made, JOB, most)
    assert str(caught.value).startswith(named), str(caught.value)


def test_a_generator_that_declares_no_bound_may_make_more_events_than_timestamps() -> None:
    assert len(checked_batch("script", batch(3 * N, seq=3), JOB, None)) == 3 * N
