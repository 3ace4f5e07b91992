"""What a worker does with a job: render it once, deliver the batch to each of its outputs, tally."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from eventgen.conf.sample import Sample
from eventgen.core.batch import EventBatch, GenerationJob
from eventgen.core.errors import EventgenError
from eventgen.format.payload import Payload
from eventgen.plugin.base import GeneratorPlugin, registry
from eventgen.plugin.delivery_checks import Violation, checked_batch, described
from eventgen.plugin.output import Delivery, OutputConfig, OutputPlugin
from eventgen.run.accounting import Stats, Tally

log = logging.getLogger(__name__)


class OutputSet:
    """Output instances, shared by every sample whose configs for that output are equal.

    Built in the same order from the same conf in every process, so an instance's position
    (`index_of`) names it across processes.
    """

    def __init__(
        self,
        samples: Iterable[Sample],
        stop: threading.Event | None = None,
    ):
        self._by_key: dict[OutputConfig, OutputPlugin] = {}
        self._by_sample: dict[str, list[OutputPlugin]] = {}
        for sample in samples:
            chosen = []
            for name in sample.settings.get("outputMode") or []:
                cls = registry.get("output", name)
                key = cls.config_of(sample.settings, name)  # type: ignore[call-arg]  # an output: config_of takes its instance
                output = self._by_key.get(key)
                if output is None:
                    output = cls(key)  # type: ignore[call-arg]
                    output.stop_event = stop
                    self._by_key[key] = output
                chosen.append(output)
            self._by_sample[sample.label] = chosen

    def for_sample(self, label: str) -> list[OutputPlugin]:
        return self._by_sample.get(label, [])

    def all(self) -> list[OutputPlugin]:
        return list(self._by_key.values())

    def index_of(self, output: OutputPlugin) -> int:
        return next(i for i, o in enumerate(self._by_key.values()) if o is output)

    def close(self) -> dict[str, str]:
        """Close every output; {output label: why closing failed} (a failure of the run)."""
        errors = {}
        for output in self._by_key.values():
            error = output.shutdown()
            if error:
                log.error("%s: closing failed: %s", output.label, error)
                errors[output.label] = error
        return errors


def deliver(outputs: OutputSet, batch: EventBatch, tally: Tally, skip: frozenset[str] = frozenset()) -> None:
    """Send one batch to each output of its sample (but those in `skip`); every result lands in `tally`."""
    for output in outputs.for_sample(batch.sample):
        if output.label not in skip:
            deliver_to(output, batch, tally)


def deliver_to(output: OutputPlugin, item: EventBatch | Payload, tally: Tally) -> None:
    r = output.deliver(item)
    tally.delivered(item.sample, output.label, r.sent, r.failed, r.bytes, r.error, r.resent, r.acked)


class OutputStage:
    """Outputs written by a few threads of their own (`useOutputQueue`, or the single writer of process
    mode): batches wait in a bounded queue; each delivery is tallied into `stats`."""

    def __init__(self, outputs: OutputSet, stats: Stats, workers: int, maxsize: int):
        self.outputs = outputs
        self.stats = stats
        self._queue: queue.Queue[EventBatch | tuple[int, Payload] | None] = queue.Queue(max(1, maxsize))
        self._threads = [
            threading.Thread(target=self._run, name=f"output-{i}", daemon=True) for i in range(max(1, workers))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, item: EventBatch | tuple[int, Payload]) -> None:
        """A batch for every output of its sample, or (output index, payload) formatted by a worker."""
        self._queue.put(item)

    def _run(self) -> None:
        everyone = self.outputs.all()
        while (item := self._queue.get()) is not None:
            tally = Tally()
            if isinstance(item, EventBatch):
                deliver(self.outputs, item, tally)
            else:
                deliver_to(everyone[item[0]], item[1], tally)
            self.stats.merge(tally.delta(), jobs=0)

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()


def expected_rows(samples: Iterable[Sample]) -> list[tuple[str, str]]:
    """(sample, output) of every summary row of a run: each output of each sample, "" for a sample without any."""
    return [(s.label, name) for s in samples for name in (s.settings.get("outputMode") or [""])]


def make_generator(sample: Sample) -> GeneratorPlugin:
    return registry.get("generator", sample.settings["generator"])(sample)  # type: ignore[call-arg,return-value]


def is_stateful(sample: Sample) -> bool:
    name = sample.settings.get("generator")
    return bool(name) and registry.has("generator", name) and registry.get("generator", name).is_stateful(sample)


class SharedGenerators:
    """Stateful generators shared by the worker threads of one process, one lock each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, tuple[GeneratorPlugin, threading.Lock]] = {}

    def get(self, sample: Sample) -> tuple[GeneratorPlugin, threading.Lock]:
        with self._lock:
            item = self._items.get(sample.label)
            if item is None:
                item = self._items[sample.label] = (make_generator(sample), threading.Lock())
            return item


@dataclass
class JobReport:
    """What became of one job: its key, its tally as a delta, a render error, and the payloads the
    worker formatted for the host's outputs, as (output index, payload)."""

    key: tuple[str, int]
    run: str
    delta: dict
    error: str = ""
    handback: list[tuple[int, Payload]] = field(default_factory=list)


class Pipeline:
    """Per worker: one generator per sample (compiled on first use), the worker's own outputs.

    Stateless generators get one instance per worker; stateful ones come from `shared`, so their
    state continues across jobs whichever thread runs them. For an output named in `host_outputs`
    (a single writer) the worker formats the batch and hands the payload back to the host, which
    only writes it; with `stage`, batches go to the output threads instead.
    """

    def __init__(
        self,
        samples: Iterable[Sample],
        outputs: OutputSet,
        shared: SharedGenerators | None = None,
        host_outputs: set[str] | frozenset[str] | None = None,
        stage: OutputStage | None = None,
    ):
        self.samples = {s.label: s for s in samples}
        self.outputs = outputs
        self.shared = shared or SharedGenerators()
        self.host_outputs = frozenset(host_outputs or ())
        self.stage = stage
        self._generators: dict[str, tuple[GeneratorPlugin, threading.Lock | None]] = {}

    def generator(self, label: str) -> tuple[GeneratorPlugin, threading.Lock | None]:
        item = self._generators.get(label)
        if item is None:
            sample = self.samples[label]
            item = self.shared.get(sample) if is_stateful(sample) else (make_generator(sample), None)
            self._generators[label] = item
        return item

    def render(self, job: GenerationJob) -> EventBatch:
        """The job's batch, checked against the job (Violation when it does not fit)."""
        generator, lock = self.generator(job.sample)
        if lock is None:
            batch = generator.generate(job)
        else:
            with lock:
                batch = generator.generate(job)
        most = job.count if generator.exact_count(self.samples[job.sample]) else None  # else any number per time
        return checked_batch(generator.name, batch, job, most)

    def handle(self, job: GenerationJob, run: str = "") -> JobReport:
        tally = Tally()
        report = JobReport((job.sample, job.seq), run, {})
        try:
            batch = self.render(job)
        except BaseException as exc:  # plugin code (SystemExit too): counted as a failed job, with its reason
            report.error = str(exc) if isinstance(exc, EventgenError | Violation) else described(exc)
            self.failed_job(job, f"generator failed: {report.error}", tally)
            report.delta = tally.delta()
            return report
        tally.made(batch.sample, len(batch), batch.dropped, batch.exhausted)
        if self.stage is not None:
            self.stage.submit(batch)
        else:
            deliver(self.outputs, batch, tally, self.host_outputs)
        if self.host_outputs and len(batch):
            for output in self.outputs.for_sample(batch.sample):
                if output.label not in self.host_outputs:
                    continue
                payload = output.formatted(batch)
                if isinstance(payload, Delivery):  # the formatter failed: counted here, nothing to hand back
                    tally.delivered(batch.sample, output.label, 0, payload.failed, 0, payload.error)
                    continue
                if not output.config.get("spoolFailedTo"):
                    payload.batch = None  # the host only writes the bytes: the events stay here
                report.handback.append((self.outputs.index_of(output), payload))
        report.delta = tally.delta()
        return report

    def failed_job(self, job: GenerationJob, error: str, tally: Tally) -> None:
        """A job whose generator failed: its `count` events are counted generated (asked for) and failed at every
        output of its sample, so each row keeps sent + failed == generated and the TOTAL shows them failed."""
        tally.job_failed(job.sample, job.count, [o.label for o in self.outputs.for_sample(job.sample)], error)
