"""The output plugin contract: a frozen config per instance, a formatter run in the worker, and `deliver`,
which adds locking, retries with full jitter, giving up on a dead destination, spooling and counting."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from eventgen.conf.files import read_text
from eventgen.conf.settings import SettingError
from eventgen.format.payload import Payload
from eventgen.format.text import EventText
from eventgen.plugin.base import Plugin
from eventgen.render.batch import EventBatch

log = logging.getLogger(__name__)

MAX_BACKOFF = 5.0  # seconds: the largest retry wait
PROBE_EVERY = 10.0  # seconds between attempts at a destination given up on


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


# core keys every output reads: spooling, giving up, and what each event's text is
SHARED_OUTPUT_KEYS = (
    "spoolFailedTo",
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
    moves bytes. `deliver` adds locking, retries with full-jitter backoff, giving up and counting.

    `write` raises OutputError (or OSError) when nothing more was delivered (`sent` says how many
    events at the start did arrive: a retry resumes after them), or returns the number of events
    that failed when only some were (item-level errors), or their indices (a list), so that
    `spoolFailedTo` can keep exactly the failed events for `eventgen replay-spool`.
    """

    kind = "output"
    single_writer: ClassVar[bool] = False  # all batches must go through one writer (e.g. stdout)
    core_settings: ClassVar[tuple[str, ...]] = ()  # core keys it reads too: instances are shared only when equal
    retries: ClassVar[int] = 0  # extra attempts after a retryable failure
    backoff: ClassVar[float] = 0.2  # bound of the first wait before retrying, doubled each attempt (full jitter)
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
        self._failed_batches = 0  # consecutive batches that failed
        self._failing_since: float | None = None
        self._dead_reason = ""  # set once the destination is given up on
        self._probe_at = 0.0
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
        """The batch's payload, or the failed Delivery of every event when the formatter raised."""
        try:
            return self.format(batch)
        except Exception as exc:  # a formatter's failure is this output's, counted and named
            error = f"formatting failed: {type(exc).__name__}: {exc}"
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
            if self._given_up():  # a dead destination: fail fast, counted (and spooled if asked)
                return Delivery(0, n, 0, self._spool_failed(payload, range(n), self._dead_reason))
            probing = self._failed_batches >= self._give_up_batches() or self._failing_for() >= self._give_up_after()
            retries = (
                self.config.get(f"{self.name}Retries", self.retries) if f"{self.name}Retries" in self.config else 0
            )
            attempts = 1 if probing else 1 + max(0, int(retries))
            error = ""
            partial = 0  # events known to have arrived before a failure: a retry resumes after them
            nbytes = resent = acked = 0
            for attempt in range(attempts):
                rest = payload if self.resumes else payload.tail(partial)
                self.resent = self.acked = 0
                try:
                    if not self._opened:
                        self.open()
                        self._opened = True
                    result = self.write(rest) or 0
                    failed = result if isinstance(result, int) else len(result)
                    if failed and not isinstance(result, int):
                        detail = f"{failed} item(s) rejected" + (f": {self.item_error}" if self.item_error else "")
                        error = self._spool_failed(payload, [partial + i for i in result], detail)
                    self._failed_batches, self._failing_since, self._dead_reason = 0, None, ""
                    nbytes += self.encoded_size(rest)
                    return Delivery(n - failed, failed, nbytes, error, resent + self.resent, acked + self.acked)
                except Exception as exc:  # anything an output raises is this output's failure, with its reason
                    known = isinstance(exc, OutputError | OSError)
                    error = (str(exc) or type(exc).__name__) if known else f"{type(exc).__name__}: {exc}"
                    retryable = getattr(exc, "retryable", True) and known
                    sent = max(0, getattr(exc, "sent", 0))  # counted from the start of what `write` was given
                    partial = min(n, sent if self.resumes else partial + sent)
                    resent, acked = resent + self.resent, acked + self.acked
                    self._safe_close()
                    if self._failing_since is None:
                        self._failing_since = time.monotonic()  # the give-up clock runs from the first failure
                    if not retryable or attempt == attempts - 1 or self._failing_for() >= self._give_up_after():
                        break
                    # full jitter: a random wait up to the doubled bound, so many workers do not retry in step
                    wait = random.uniform(0, min(self.backoff * 2**attempt, MAX_BACKOFF))
                    if self.stop_event is not None and self.stop_event.wait(wait):
                        break
                    if self.stop_event is None:
                        time.sleep(wait)
            self._note_failure(error)
            error = self._spool_failed(payload, range(partial, n), self._dead_reason or error)
        return Delivery(partial, n - partial, 0, error, resent, min(acked, partial))

    # ----- giving up on a dead destination ----------------------------------------------------

    def _give_up_batches(self) -> int:
        return max(1, int(self.config.get("outputGiveUpBatches") or 5))

    def _give_up_after(self) -> float:
        return float(self.config.get("outputGiveUpSeconds") or 60.0)

    def _failing_for(self) -> float:
        return 0.0 if self._failing_since is None else time.monotonic() - self._failing_since

    def _note_failure(self, error: str) -> None:
        now = time.monotonic()
        self._failed_batches += 1
        if self._failing_since is None:
            self._failing_since = now
        if self._failed_batches >= self._give_up_batches() or self._failing_for() >= self._give_up_after():
            self._dead_reason = (
                f"given up after {self._failed_batches} failed batch(es) over "
                f"{self._failing_for():.0f}s; failing fast, trying again every {PROBE_EVERY:g}s: "
                f"{error}"
            )
            if self._probe_at == 0.0:
                log.warning("%s: %s", self.label, self._dead_reason)
            self._probe_at = now + PROBE_EVERY

    def _given_up(self) -> bool:
        """True while the destination is given up on and no probe is due."""
        return bool(self._dead_reason) and time.monotonic() < self._probe_at

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
        except OSError as exc:
            log.error("%s: cannot spool failed events to %s: %s", self.label, path, exc)
            return f"{error}; spooling to {path} failed: {exc}"
        return f"{error}; {count} event(s) spooled to {path}"

    def shutdown(self) -> None:
        with self._lock:
            self._safe_close()

    def _safe_close(self) -> None:
        if self._opened:
            self._opened = False
            try:
                self.close()
            except Exception as exc:  # closing a broken destination must not mask the real error
                log.debug("closing %s: %s", self.name, exc)


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


def event_text_of(config: Mapping[str, Any]) -> EventText:
    """The `outputFormat` of an output's config, compiled (templates from a file read once)."""
    fmt = config.get("outputFormat") or "raw"
    template = config.get("outputTemplate") or ""
    path = config.get("outputTemplateFile")
    if fmt in ("template", "jinja", "jinjabatch") and not template and path:
        text = read_text(path)  # a brace template is one line; a Jinja file loses its last newline, as Jinja's do
        template = text.rstrip("\n") if fmt == "template" else text.removesuffix("\n")
    return EventText(fmt, template, config.get("outputJsonIndent"))
