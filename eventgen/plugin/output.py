"""The output plugin contract: a frozen config per instance (`output_config.py`), a formatter run in the worker,
`write` reporting a typed `WriteResult`, and `deliver`, which sends a batch under the retry policy and breaker every
output shares (`retry.py`, `sending.py`), spools what failed (`spooling.py`) and counts only what the plugin's
answers say once they are checked (`delivery_checks.py`)."""

from __future__ import annotations

import logging
import threading
from abc import abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np

from eventgen.core.batch import EventBatch
from eventgen.core.config import Config
from eventgen.format.payload import Payload
from eventgen.format.text import EventText
from eventgen.plugin.delivery_checks import Violation, checked_payload, checked_write, count_in, described
from eventgen.plugin.output_config import (
    FORMAT_KEYS,
    SHARED_OUTPUT_KEYS,
    OutputConfig,
    event_text_of,
    output_config,
    output_config_type,
)
from eventgen.plugin.registry import Plugin
from eventgen.plugin.result import Delivery, Outcome, OutputError, WriteResult
from eventgen.plugin.retry import Breaker, RetryLogic, RetryPolicy
from eventgen.plugin.sending import Retrying
from eventgen.plugin.spooling import Spooling

__all__ = [
    "FORMAT_KEYS", "SHARED_OUTPUT_KEYS", "Delivery", "LineFrames", "OutputConfig", "OutputError", "OutputPlugin",
    "WriteResult", "event_text_of",
]  # fmt: skip

log = logging.getLogger(__name__)

CLOSE_WAIT = 5.0  # seconds `shutdown` waits for a write still under way before giving up closing


class OutputPlugin(Plugin):
    """Moves the wire bytes of whole batches. The formatter (`formatter`, built once) turns a batch into a `Payload`
    in the generator worker, outside any lock; `write` (one call per payload) only moves bytes. `deliver` adds
    locking, what a failure means (`retry_logic`), the retry budget every output shares (`RetryPolicy`), giving up
    (`Breaker`), spooling (`Spooling`) and counting.

    `write` returns a `WriteResult` (None when every event was sent), or raises OutputError (or OSError) when
    nothing more was delivered (`sent` says how many events at the start did arrive: a retry resumes after them).
    A count of failed events, or a list of their distinct indices, is still taken as a return (the shapes before
    WriteResult). Anything else it returns, and anything it raises (BaseException included), is that batch's
    failure with its reason.
    """

    kind = "output"
    single_writer: ClassVar[bool] = False  # all batches must go through one writer (e.g. stdout)
    core_settings: ClassVar[tuple[str, ...]] = ()  # core keys it reads too: instances are shared only when equal
    resumes: ClassVar[bool] = False  # keeps its own progress in a batch: retries get the whole payload again
    retries_setting: ClassVar[str] = ""  # its declared setting that overrides outputRetries (e.g. tcpoutRetries)
    retry_logic: ClassVar[RetryLogic] = RetryLogic()  # what a failed attempt means: retry, retry the rest, or not
    config: OutputConfig

    @classmethod
    def core_keys(cls) -> tuple[str, ...]:
        return (*SHARED_OUTPUT_KEYS, *cls.core_settings)

    @classmethod
    def config_type(cls) -> type[OutputConfig]:
        return output_config_type(cls)

    @classmethod
    def config_of(cls, settings: Mapping[str, Any], instance: str = "") -> OutputConfig:
        """The config of output instance `instance` (this output's name, or `name#label`) of a sample's settings."""
        return output_config(cls, settings, instance)

    @classmethod
    def check(cls, config: OutputConfig) -> list[tuple[str, str]]:
        """Load-time checks of one instance's settings beyond what their parsers check (a setting another one
        needs, a file that must exist, a destination that must be writable): (key, what is wrong and what is
        allowed) pairs. `eventgen validate` and every run call it before anything is made. It reads local files
        only: it never connects anywhere."""
        return []

    def __init__(self, config: Config | Mapping[str, Any]):
        self.config = config if isinstance(config, self.config_type()) else self.config_of(_values(config))
        self.label = self.config.instance  # its name in the summary and the spool (`file#archive` for a second one)
        self._lock = threading.Lock()
        self._opened = False
        self.stop_event: threading.Event | None = None
        self.policy = RetryPolicy.of(self.config, self.retries_setting)
        self.breaker = Breaker(self.policy, self.label)
        self._service = Spooling(self, Retrying(self))  # send under the policy, then spool what failed
        self._formatter: Formatter | None = None

    def event_text(self) -> EventText:
        """Each event's text as `outputFormat` says (the raw event by default)."""
        return event_text_of(self.config)

    def formatter(self) -> Formatter:
        """Batch → Payload, built once per instance; the default frames each text as a line."""
        return LineFrames(self.event_text())

    def format(self, batch: EventBatch) -> Payload:
        """The batch in this output's wire bytes (run by the generator worker, outside the lock)."""
        if self._formatter is None:
            self._formatter = self.formatter()
        return self._formatter(batch)

    def open(self) -> None:
        """Acquire the destination (connections, files)."""

    def close(self) -> None:
        """Flush and release the destination."""

    @abstractmethod
    def write(self, payload: Payload) -> WriteResult | int | list[int] | None: ...

    def encoded_size(self, payload: Payload) -> int:
        """Bytes a `write` put on the wire when its WriteResult does not say (the payload's size)."""
        return len(payload.data)

    def deliver(self, item: EventBatch | Payload) -> Delivery:
        """One batch (or a payload a worker formatted): formatted outside the lock, then, under it, sent under the
        retry policy and the breaker, what failed spooled, and counted."""
        payload = item if isinstance(item, Payload) else self.formatted(item)
        if isinstance(payload, Outcome):  # the formatter failed: so did every event
            return self.counted(payload)
        if not len(payload):
            return Delivery(0, 0, 0)
        with self._lock:
            return self._service.send(payload)

    def counted(self, outcome: Outcome) -> Delivery:
        """An outcome reached without sending (a formatter's failure): its failed events spooled, and counted."""
        return self._service.kept(outcome)

    def formatted(self, batch: EventBatch) -> Payload | Outcome:
        """The batch's payload, or the failed outcome of every event when the formatter raised or made a payload
        that does not fit the batch."""
        try:
            return checked_payload(self.label, self.format(batch), batch)
        except Violation as exc:
            error = str(exc)
        except BaseException as exc:  # a formatter's failure is this output's, counted and named
            error = f"formatting failed: {described(exc)}"
        return Outcome.all_failed(Payload(batch.sample, batch.seq, b"", len(batch), batch), error)

    def attempt(self, payload: Payload) -> tuple[WriteResult, int]:
        """One attempt (the lock held): open when closed, write, and the answer checked (Violation when it cannot be
        believed), with the bytes it put on the wire."""
        if not self._opened:
            self.open()
            self._opened = True
        result = checked_write(self.label, self.write(payload), len(payload))
        if result.bytes is not None:
            return result, result.bytes
        try:
            size = self.encoded_size(payload)
        except BaseException as exc:
            raise Violation(f"output {self.label}: encoded_size() raised {described(exc)}") from None
        return result, count_in(f"output {self.label}: encoded_size()", size, 0, None)

    def spool_parts(self, batch: EventBatch, indices: list[int]) -> list[tuple[list[int], str | None]]:
        """How failed events `indices` of `batch` are spooled: (indices, server) per record, server None meaning
        every destination of the output. Outputs copying to several servers override it so that a replay sends
        an event only to the servers that lack it."""
        return [(indices, None)]

    def for_server(self, server: str) -> OutputPlugin | None:
        """A copy of this output sending only to `server` (a spool record's `server`), or None when the output
        has no such server. Used by `eventgen replay-spool`; the caller shuts the copy down."""
        return None

    def shutdown(self, wait: float = CLOSE_WAIT) -> str:
        """Close the destination at the end of a run: "" or why closing failed (a failure of the run: `close`
        may flush what was counted sent). A write still under way after `wait` seconds is left to itself."""
        if not self._lock.acquire(timeout=wait):
            return f"still writing after {wait:g}s: not closed"
        try:
            if not self._opened:
                return ""
            self._opened = False
            try:
                self.close()
            except BaseException as exc:  # plugin code: SystemExit and KeyboardInterrupt included
                return described(exc)
            return ""
        finally:
            self._lock.release()

    def reset(self) -> None:
        """Close after a failed attempt (the next one reopens): errors here must not mask the attempt's own."""
        if self._opened:
            self._opened = False
            try:
                self.close()
            except BaseException as exc:
                log.debug("closing %s: %s", self.label, described(exc))


Formatter = Callable[[EventBatch], Payload]


class LineFrames:
    """Each event's text followed by a newline: the framing of stdout, file, devnull and tcpout."""

    def __init__(self, text: EventText):
        self.text = text

    def __call__(self, batch: EventBatch) -> Payload:
        if self.text.per_batch:  # one text for the whole batch (json-batch, template-batch)
            data = (self.text(batch)[0] + "\n").encode() if len(batch) else b""
            bounds = np.array([0] + [len(data)] * len(batch), dtype=np.int64)
            return Payload(batch.sample, batch.seq, data, len(batch), batch, {}, 0, bounds, None, 0)
        if self.text.raw:
            # the batch's own text, encoded once and shared by every raw line output
            return Payload(batch.sample, batch.seq, batch.payload(), len(batch), batch, {}, 0, None, batch.events, 1)
        return Payload.of_texts(batch, self.text(batch), "\n")


def _values(config: Config | Mapping[str, Any]) -> Mapping[str, Any]:
    """Settings to build a config from: a mapping as it is, another output's config by its values."""
    return config.as_dict() if isinstance(config, Config) else config
