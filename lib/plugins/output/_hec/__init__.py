"""Splunk HTTP Event Collector, batched, over persistent connections: the sink of `outputMode = httpevent` (events)
and `metric_httpevent` (metrics), a helper package of the output folder that both plugins extend.

The worker formats each batch (`HecEvent`: one JSON envelope per event with time, host, source, sourcetype, index;
`HecRaw`: the events as lines, metadata in the query; `HecMetric`: one metric envelope per event). Here the payload
is cut into requests of at most `httpeventMaxPayloadSize` bytes (`request_builder`), each posted to the next server
or to every server (`service`), and with `httpeventUseAck` held until acknowledged (`acknowledgements`); a retried
batch resumes after the requests that were accepted (`progress`), and nothing is counted twice. Delivery is at least
once: a request whose answer was lost, or whose indexer acknowledgement did not come, is sent again, and its events
count as `resent`.

Split as Vector splits its splunk_hec sink: `config` (settings and servers), `encoder` (request bytes and
headers), `request_builder` (cutting a batch into requests), `response` (what an answer means: accepted, retry,
don't), `service` (connections, channels, round-robin), `acknowledgements`, and here the sink that drives them.
"""

from __future__ import annotations

from typing import ClassVar

from eventgen.plugin import EventBatch, OutputConfig, OutputError, OutputPlugin, Payload, Setting, WriteResult

from .._net import tls_context
from .acknowledgements import Acknowledgements
from .config import SETTINGS, Server, parse_servers, problems
from .encoder import Encoder, formatter
from .progress import Progress
from .request_builder import Requests, build_requests, chunk_bounds
from .response import HecRejected
from .service import HecService

__all__ = ["HecOutput", "HecRejected", "Server", "chunk_bounds", "formatter", "parse_servers"]


class HecOutput(OutputPlugin):
    """The HEC sink without a name (not a plugin itself): `httpevent` and `metric_httpevent` name it."""

    resumes = True  # tracks what each server accepted (and acknowledged) of a batch across retries
    retries_setting = "httpeventRetries"
    settings: ClassVar[tuple[Setting, ...]] = SETTINGS

    @classmethod
    def check(cls, config: OutputConfig) -> list[tuple[str, str]]:
        return problems(config)

    def __init__(self, settings, servers: tuple[Server, ...] | None = None, pinned: str | None = None) -> None:
        super().__init__(settings)
        cfg = self.config
        self.servers: tuple[Server, ...] = servers or cfg.httpeventServers or ()
        self.pinned = pinned  # `for_server`: the one server of a replay copy
        self.mirror = cfg.httpeventOutputMode == "mirror" and pinned is None
        self.service = HecService(self.servers, cfg.httpeventTimeout, Encoder(cfg.httpeventGzip))
        # the output's retry count (httpeventRetries, else outputRetries) bounds resends of unacknowledged requests
        self.acks = Acknowledgements(
            self.service, cfg.httpeventUseAck, cfg.httpeventAckTimeout, cfg.httpeventAckPoll, self.policy.retries
        )
        self.progress: Progress | None = None  # the batch being sent, kept so that a retry resumes it

    def open(self) -> None:
        if any(s.protocol == "https" for s in self.servers):
            self.service.tls = tls_context(self.config.httpeventVerify, self.config.httpeventCaFile)

    def close(self) -> None:
        self.service.close()

    def formatter(self):
        return formatter(self.config.httpeventEndpoint, self.event_text())

    def keys(self) -> list[int]:
        return list(range(len(self.servers))) if self.mirror else [-1]

    # -- sending ----------------------------------------------------------------------------------------------------
    def write(self, payload: Payload) -> WriteResult:
        if not self.servers:
            raise OutputError("httpeventServers lists no server", retryable=False)
        progress = self.progress
        if progress is None or progress.payload is not payload or progress.finished:
            progress = self.progress = Progress(payload, self.keys())
        return self.send(progress, build_requests(payload, self.config.httpeventMaxPayloadSize))

    def send(self, progress: Progress, requests: Requests) -> WriteResult:
        """Send the requests of the current batch; with acks on, wait until each is acknowledged or given up.
        Returns the events not held by every server as failed, or raises OutputError with `sent` = the leading events
        every server holds. A retry of the same batch resumes: accepted requests are not sent again."""
        progress.starts = requests.starts
        resent = 0
        failing: dict[int, OutputError] = {}  # mirror: servers that failed in this attempt
        for number, body in enumerate(requests.bodies):
            for key in progress.keys:
                step = (number, key)
                if step in progress.done or key in failing:
                    continue
                try:
                    target, ack_id, reposted = self.service.send(key, body, requests.path)
                except OutputError as exc:
                    if getattr(exc, "maybe_received", False):
                        progress.uncertain.add(step)
                    if not self.mirror:
                        raise self._failure(progress, exc, resent) from exc
                    failing[key] = exc
                    continue
                if step in progress.uncertain or reposted:  # an earlier copy may have arrived
                    resent += requests.events(number)
                    progress.uncertain.discard(step)
                progress.done.add(step)
                self.acks.accepted(progress, step, target, ack_id)
        if failing:
            first = next(iter(failing.values()))
            more = f" (and {len(failing) - 1} more server(s))" if len(failing) > 1 else ""
            error = OutputError(f"{first}{more}", retryable=any(e.retryable for e in failing.values()))
            raise self._failure(progress, error, resent) from first
        if progress.pending:
            resent += self.acks.await_all(progress, requests)
        progress.finished = True
        failed = progress.missing()
        lost = "; ".join(sorted(set(progress.lost.values()))) or "not held by every server"
        return WriteResult(
            failed_indices=failed,
            resent=resent,
            acked=progress.acked_events(len(requests)),
            item_error=lost if failed else "",
            bytes=requests.size,
        )

    @staticmethod
    def _failure(progress: Progress, exc: OutputError, resent: int) -> OutputError:
        """`exc` saying the events known held (a retry resumes after what was accepted), what was resent, and what
        was acknowledged before them."""
        exc.sent = progress.held_prefix()
        number = progress.starts.index(exc.sent) if exc.sent in progress.starts else 0
        exc.resent, exc.acked = resent, progress.acked_events(number)
        return exc

    # -- spooling and replay ----------------------------------------------------------------------------------------
    def spool_parts(self, batch: EventBatch, indices: list[int]) -> list[tuple[list[int], str | None]]:
        """Mirror mode: failed events go to one record per server lacking them (`server` set), so a replay sends
        each only where it is missing; events no server holds go to one record for all servers."""
        progress = self.progress
        current = progress.payload.batch if progress is not None else None
        if self.pinned or not self.mirror or progress is None or batch is not current or not progress.starts:
            return [(indices, self.pinned)]
        everyone, per_server = progress.lacking(indices)
        parts: list[tuple[list[int], str | None]] = [(everyone, None)] if everyone else []
        parts.extend((part, self.servers[k].where) for k, part in per_server.items() if part)
        return parts

    def for_server(self, server: str) -> HecOutput | None:
        for entry in self.servers:
            if entry.where == server:
                clone = type(self)(self.config, (entry,), server)
                clone.stop_event = self.stop_event
                return clone
        return None
