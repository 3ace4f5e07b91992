"""The output plugin contract: a frozen config per instance, a formatter run in the worker, and `deliver`,
which adds locking, the one retry budget (`retry.py`), giving up on a dead destination, spooling, and counting
only what the plugin's answers say once they are checked (`delivery_checks.py`)."""

from __future__ import annotations

import json
import logging
import threading
import time
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from eventgen.conf.files import read_text
from eventgen.core.batch import EventBatch
from eventgen.core.settings import SettingError
from eventgen.format.payload import Payload
from eventgen.format.text import EventText
from eventgen.plugin.delivery_checks import Violation, checked_payload, count_in, described, failed_of_write
from eventgen.plugin.registry import Plugin
from eventgen.plugin.retry import Breaker, RetryPolicy

log = logging.getLogger(__name__)

CLOSE_WAIT = 5.0  # seconds `shutdown` waits for a write still under way before giving up closing


class OutputError(Exception):
    """A batch could not be delivered; `retryable` says whether trying again may help.

    `sent` is how many events at the start of the batch did arrive before the failure (outputs that
    split a batch into requests resume after them when retried).
    """

    def __init__(self, message: str, retryable: bool = True, sent: int = 0):
        super().__init__(message)
        self.retryable = retryable
        self.sent = sent


@dataclass
class Delivery:
    """What became of one batch at one output."""

    sent: int
    failed: int
    bytes: int
    error: str = ""
    resent: int = 0  # events sent again that may already have arrived
    acked: int = 0  # events the destination confirmed stored


class OutputConfig(Mapping[str, Any]):
    """The settings one output instance reads: its declared settings plus the core settings it names.

    Frozen; two samples share an output instance exactly when their configs are equal. Reading a key
    the output did not declare is a bug in the output and raises KeyError (so a setting can never be
    read from one sample and silently applied to another).
    """

    __slots__ = ("_identity", "_values", "instance", "output")

    def __init__(self, output: str, values: Mapping[str, Any], instance: str = ""):
        self.output = output
        self.instance = instance or output  # `file#archive`: a second instance of an output in one outputMode
        self._values = dict(values)
        self._identity = (self.instance, tuple(sorted((k, repr(v)) for k, v in self._values.items())))

    @classmethod
    def of(cls, plugin: type[OutputPlugin], settings: Mapping[str, Any], instance: str = "") -> OutputConfig:
        """The config of `instance` (an outputMode entry: the output's name, or `name#label`): the sample's
        settings, then its `outputFormatBy` entry (format keys; for `name#label` also the output's own settings)."""
        names = [s.name for s in plugin.settings] + list(SHARED_OUTPUT_KEYS) + list(plugin.core_settings)
        values = {name: settings.get(name) for name in names}
        instance = instance or plugin.name
        by = settings.get("outputFormatBy")
        own = by.get(instance) if isinstance(by, dict) else None
        if isinstance(own, dict):
            values.update(format_settings(own))
            if instance != plugin.name:
                values.update(instance_settings(plugin, own))
        return cls(plugin.name, values, instance)

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise KeyError(
                f"output {self.output!r} reads {key!r}, which it does not declare in settings or core_settings"
            ) from None

    def get(self, key: str, default: Any = None) -> Any:
        value = self[key]
        return default if value is None else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OutputConfig) and self._identity == other._identity

    def __hash__(self) -> int:
        return hash(self._identity)

    def with_values(self, **changes: Any) -> OutputConfig:
        return OutputConfig(self.output, {**self._values, **changes}, self.instance)


def instance_settings(plugin: type[OutputPlugin], own: Mapping[str, Any]) -> dict[str, Any]:
    """An output instance's own settings from its `outputFormatBy` entry, parsed by their declarations; a
    SettingError names the first key that is not the output's or does not parse."""
    declared = {s.name: s for s in plugin.settings}
    values: dict[str, Any] = {}
    for key, raw in own.items():
        if key in FORMAT_KEYS:
            continue
        setting = declared.get(key)
        if setting is None:
            raise SettingError(f"{key}: not a setting of output {plugin.name}")
        text = raw if isinstance(raw, str) else json.dumps(raw)
        try:
            values[key] = setting.parse(text)
        except SettingError as exc:
            raise SettingError(f"{key}: {exc}") from None
    return values


def format_settings(own: Mapping[str, Any]) -> dict[str, Any]:
    """The format keys of an `outputFormatBy` entry (those it leaves out are None), parsed by their declarations;
    a SettingError names the key that does not parse."""
    from eventgen.conf.core_settings import SAMPLE

    declared = {s.name: s for s in SAMPLE.settings if s.name in FORMAT_KEYS}
    values: dict[str, Any] = {}
    for key in FORMAT_KEYS:
        raw = own.get(key)
        try:
            values[key] = None if raw is None else declared[key].parse(raw if isinstance(raw, str) else json.dumps(raw))
        except SettingError as exc:
            raise SettingError(f"{key}: {exc}") from None
    return values


# core keys every output reads: spooling, the retry budget, giving up, and what each event's text is
SHARED_OUTPUT_KEYS = (
    "spoolFailedTo",
    "outputRetries",
    "outputGiveUpBatches",
    "outputGiveUpSeconds",
    "outputFormat",
    "outputTemplate",
    "outputTemplateFile",
    "outputJsonIndent",
)
FORMAT_KEYS = ("outputFormat", "outputTemplate", "outputTemplateFile", "outputJsonIndent")  # outputFormatBy's


class OutputPlugin(Plugin):
    """Moves the wire bytes of whole batches. The formatter (`formatter`, built once) turns a batch
    into a `Payload` in the generator worker, outside any lock; `write` (one call per payload) only
    moves bytes. `deliver` adds locking, the retry budget every output shares (`RetryPolicy`), giving up
    (`Breaker`) and counting.

    `write` raises OutputError (or OSError) when nothing more was delivered (`sent` says how many
    events at the start did arrive: a retry resumes after them), or returns the number of events
    that failed when only some were (item-level errors), or their distinct indices (a list), so that
    `spoolFailedTo` can keep exactly the failed events for `eventgen replay-spool`. Anything else it
    returns, and anything it raises (BaseException included), is that batch's failure with its reason.
    """

    kind = "output"
    single_writer: ClassVar[bool] = False  # all batches must go through one writer (e.g. stdout)
    core_settings: ClassVar[tuple[str, ...]] = ()  # core keys it reads too: instances are shared only when equal
    item_error: str = ""  # why items were rejected (set by `write` when it returns failed indices)
    resumes: ClassVar[bool] = False  # keeps its own progress in a batch: retries get the whole payload again
    resent: int = 0  # set by `write`: events it sent again that may already have arrived
    acked: int = 0  # set by `write`: events the destination confirmed stored

    @classmethod
    def check(cls, config: OutputConfig) -> list[tuple[str, str]]:
        """Load-time checks of one instance's settings beyond what their parsers check (a setting another one
        needs, a file that must exist, a destination that must be writable): (key, what is wrong and what is
        allowed) pairs. `eventgen validate` and every run call it before anything is made. It reads local files
        only: it never connects anywhere."""
        return []

    def __init__(self, config: Mapping[str, Any]):
        self.config = config if isinstance(config, OutputConfig) else OutputConfig.of(type(self), config)
        self.label = self.config.instance  # its name in the summary and the spool (`file#archive` for a second one)
        self._lock = threading.Lock()
        self._opened = False
        self.stop_event: threading.Event | None = None
        self.policy = RetryPolicy.of(self.config, self.name)  # the core's budget (`<name>Retries` may set the count)
        self.breaker = Breaker(self.policy, self.label)
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
    def write(self, payload: Payload) -> int | list[int] | None: ...

    def encoded_size(self, payload: Payload) -> int:
        """Bytes the last `write` put on the wire (outputs that compress or re-frame override)."""
        return len(payload.data)

    def formatted(self, batch: EventBatch) -> Payload | Delivery:
        """The batch's payload, or the failed Delivery of every event when the formatter raised or made a payload
        that does not fit the batch."""
        try:
            return checked_payload(self.label, self.format(batch), batch)
        except Violation as exc:
            error = str(exc)
        except BaseException as exc:  # a formatter's failure is this output's, counted and named
            error = f"formatting failed: {described(exc)}"
        whole = Payload(batch.sample, batch.seq, b"", len(batch), batch)
        return Delivery(0, len(batch), 0, self._spool_failed(whole, range(len(batch)), error))

    def deliver(self, item: EventBatch | Payload) -> Delivery:
        payload = item if isinstance(item, Payload) else self.formatted(item)  # formatted outside the lock
        if isinstance(payload, Delivery):
            return payload
        n = len(payload)
        if not n:
            return Delivery(0, 0, 0)
        with self._lock:
            breaker = self.breaker
            if breaker.given_up():  # a dead destination: fail fast, counted (and spooled if asked)
                return Delivery(0, n, 0, self._spool_failed(payload, range(n), breaker.dead_reason))
            attempts = 1 if breaker.probing() else 1 + self.policy.retries
            error = ""
            partial = 0  # events known to have arrived before a failure: a retry resumes after them
            resent = acked = 0
            for attempt in range(attempts):
                rest = payload if self.resumes else payload.tail(partial)
                self.resent = self.acked = 0
                started = time.monotonic()
                try:
                    try:
                        if not self._opened:
                            self.open()
                            self._opened = True
                        result = self.write(rest)
                    except BaseException as exc:  # anything plugin code raises is this output's failure
                        error, retryable = failure_of(exc)
                        sent = count_in(f"output {self.label}: OutputError.sent", getattr(exc, "sent", 0), 0, len(rest))
                        resent, acked = resent + self._counted("resent", None), acked + self._counted("acked", n)
                        partial = min(n, sent if self.resumes else partial + sent)
                        self._safe_close()
                        breaker.attempt_failed(started)
                        if not retryable or attempt == attempts - 1 or breaker.over_budget() or self._pause(attempt):
                            break
                        continue
                    failed = failed_of_write(self.label, result, len(rest))
                    nbytes = count_in(f"output {self.label}: encoded_size()", self._size_of(rest), 0, None)
                    resent, acked = resent + self._counted("resent", None), acked + self._counted("acked", len(rest))
                except Violation as exc:  # the plugin's answer cannot be believed: the whole batch failed
                    breaker.attempt_failed(started)
                    breaker.batch_failed(str(exc))
                    return Delivery(0, n, 0, self._spool_failed(payload, range(n), str(exc)))
                if isinstance(failed, list):
                    base = 0 if self.resumes else partial  # indices of what `write` was given
                    if failed:
                        detail = f"{len(failed)} item(s) rejected" + (f": {self.item_error}" if self.item_error else "")
                        error = self._spool_failed(payload, [base + i for i in failed], detail)
                    failed = len(failed)
                breaker.succeeded()
                return Delivery(n - failed, failed, nbytes, error, resent, acked)
            breaker.batch_failed(error)
            error = self._spool_failed(payload, range(partial, n), breaker.dead_reason or error)
        return Delivery(partial, n - partial, 0, error, resent, min(acked, partial))

    def _size_of(self, payload: Payload) -> Any:
        try:
            return self.encoded_size(payload)
        except BaseException as exc:
            raise Violation(f"output {self.label}: encoded_size() raised {described(exc)}") from None

    def _counted(self, name: str, most: int | None) -> int:
        """`resent` or `acked` as `write` set it, checked."""
        return count_in(f"output {self.label}: {name}", getattr(self, name), 0, most)

    def _pause(self, attempt: int) -> bool:
        """Wait before retry `attempt` + 1, never past the give-up bound (the last attempt is made at it); True when
        the run is stopping (Ctrl-C/SIGTERM ends the wait)."""
        wait = min(self.policy.wait(attempt), self.breaker.left())
        if self.stop_event is not None:
            return self.stop_event.wait(wait)
        time.sleep(wait)
        return False

    def spool_parts(self, batch: EventBatch, indices: list[int]) -> list[tuple[list[int], str | None]]:
        """How failed events `indices` of `batch` are spooled: (indices, server) per record, server None meaning
        every destination of the output. Outputs copying to several servers override it so that a replay sends
        an event only to the servers that lack it."""
        return [(indices, None)]

    def for_server(self, server: str) -> OutputPlugin | None:
        """A copy of this output sending only to `server` (a spool record's `server`), or None when the output
        has no such server. Used by `eventgen replay-spool`; the caller shuts the copy down."""
        return None

    def _spool_failed(self, payload: Payload, indices: Iterable[int], error: str) -> str:
        """Append the failed events to `spoolFailedTo` (if set); return the error, noting the spool."""
        path = self.config.get("spoolFailedTo")
        if not path or payload.batch is None:
            return error
        batch, base = payload.batch, payload.offset
        from eventgen.plugin.spool import append_failed

        try:
            count = 0
            for part, server in self.spool_parts(batch, [base + i for i in indices]):
                count += append_failed(path, self.label, batch, part, error, server=server)
        except BaseException as exc:  # the spool's file, or the plugin's spool_parts
            log.error("%s: cannot spool failed events to %s: %s", self.label, path, described(exc))
            return f"{error}; spooling to {path} failed: {described(exc)}"
        return f"{error}; {count} event(s) spooled to {path}"

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

    def _safe_close(self) -> None:
        """Close after a failed attempt (the next one reopens): errors here must not mask the attempt's own."""
        if self._opened:
            self._opened = False
            try:
                self.close()
            except BaseException as exc:
                log.debug("closing %s: %s", self.label, described(exc))


Formatter = Callable[[EventBatch], Payload]


def failure_of(exc: BaseException) -> tuple[str, bool]:
    """A failed attempt's reason and whether trying again may help: OutputError says; an OSError (connection
    refused, reset, timeout) may pass; anything else is a bug or a decision of the plugin, not retried."""
    if isinstance(exc, OutputError | OSError):
        return str(exc) or type(exc).__name__, getattr(exc, "retryable", True)
    return described(exc), False


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


def event_text_of(config: Mapping[str, Any]) -> EventText:
    """The `outputFormat` of an output's config, compiled (templates from a file read once)."""
    fmt = config.get("outputFormat") or "raw"
    template = config.get("outputTemplate") or ""
    path = config.get("outputTemplateFile")
    if fmt in ("template", "jinja", "jinjabatch") and not template and path:
        text = read_text(path)  # a brace template is one line; a Jinja file loses its last newline, as Jinja's do
        template = text.rstrip("\n") if fmt == "template" else text.removesuffix("\n")
    return EventText(fmt, template, config.get("outputJsonIndent"))
