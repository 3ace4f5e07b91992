"""What a worker does with a job: render it once, deliver the batch to each of its outputs, tally."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from eventgen.conf.sample import Sample
from eventgen.errors import EventgenError
from eventgen.plugin.base import GeneratorPlugin, OutputPlugin, registry
from eventgen.render.batch import EventBatch, GenerationJob
from eventgen.run.accounting import Stats, Tally

log = logging.getLogger(__name__)

SHARED_OUTPUT_KEYS = ("spoolFailedTo", "outputGiveUpBatches", "outputGiveUpSeconds")  # core keys outputs read


class OutputSet:
    """Output instances, shared by every sample whose settings for that output are equal."""

    def __init__(
        self,
        samples: Iterable[Sample],
        stop: threading.Event | None = None,
        select: Callable[[type[OutputPlugin]], bool] | None = None,
    ):
        self._by_key: dict[tuple, OutputPlugin] = {}
        self._by_sample: dict[str, list[OutputPlugin]] = {}
        for sample in samples:
            chosen = []
            for name in sample.settings.get("outputMode") or []:
                cls = registry.get("output", name)
                if select is not None and not select(cls):  # type: ignore[arg-type]
                    continue
                names = [s.name for s in cls.settings] + list(SHARED_OUTPUT_KEYS) + list(cls.core_settings)
                key = (name, *(repr(sample.settings.get(n)) for n in names))
                output = self._by_key.get(key)
                if output is None:
                    output = cls(sample.settings)  # type: ignore[call-arg]
                    output.stop_event = stop
                    self._by_key[key] = output
                chosen.append(output)
            self._by_sample[sample.label] = chosen

    def for_sample(self, label: str) -> list[OutputPlugin]:
        return self._by_sample.get(label, [])

    def all(self) -> list[OutputPlugin]:
        return list(self._by_key.values())

    def close(self) -> None:
        for output in self._by_key.values():
            output.shutdown()


def deliver(outputs: OutputSet, batch: EventBatch, tally: Tally) -> None:
    """Send one batch to each output of its sample; every result lands in `tally`."""
    for output in outputs.for_sample(batch.sample):
        r = output.deliver(batch)
        tally.delivered(batch.sample, output.name, r.sent, r.failed, r.bytes, r.error, r.resent, r.acked)


class OutputStage:
    """Outputs written by a few threads of their own (`useOutputQueue`, or the single writer of process
    mode): batches wait in a bounded queue; each delivery is tallied into `stats`."""

    def __init__(self, outputs: OutputSet, stats: Stats, workers: int, maxsize: int):
        self.outputs = outputs
        self.stats = stats
        self._queue: queue.Queue[EventBatch | None] = queue.Queue(max(1, maxsize))
        self._threads = [
            threading.Thread(target=self._run, name=f"output-{i}", daemon=True) for i in range(max(1, workers))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, batch: EventBatch) -> None:
        self._queue.put(batch)

    def _run(self) -> None:
        while (batch := self._queue.get()) is not None:
            tally = Tally()
            deliver(self.outputs, batch, tally)
            self.stats.merge(tally.delta(), jobs=0)

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()


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
    """What became of one job: its key, its tally as a delta, a render error, batches for the host's outputs."""

    key: tuple[str, int]
    run: str
    delta: dict
    error: str = ""
    handback: list[EventBatch] = field(default_factory=list)


class Pipeline:
    """Per worker: one generator per sample (compiled on first use), the worker's own outputs.

    Stateless generators get one instance per worker; stateful ones come from `shared`, so their
    state continues across jobs whichever thread runs them. Samples that write to an output named in
    `host_outputs` hand their batches back to the host (the single writer), or to `stage`.
    """

    def __init__(
        self,
        samples: Iterable[Sample],
        outputs: OutputSet,
        shared: SharedGenerators | None = None,
        host_outputs: set[str] | None = None,
        stage: OutputStage | None = None,
    ):
        self.samples = {s.label: s for s in samples}
        self.outputs = outputs
        self.shared = shared or SharedGenerators()
        self.host_outputs = host_outputs or set()
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
        generator, lock = self.generator(job.sample)
        if lock is None:
            return generator.generate(job)
        with lock:
            return generator.generate(job)

    def handle(self, job: GenerationJob, run: str = "") -> JobReport:
        tally = Tally()
        report = JobReport((job.sample, job.seq), run, {})
        try:
            batch = self.render(job)
        except Exception as exc:  # counted by the dispatcher as a failed job, with its reason
            report.error = str(exc) if isinstance(exc, EventgenError) else f"{type(exc).__name__}: {exc}"
            report.delta = tally.delta()
            return report
        tally.made(batch.sample, len(batch))
        if self.stage is not None:
            self.stage.submit(batch)
        else:
            deliver(self.outputs, batch, tally)
        if (
            self.host_outputs
            and len(batch)
            and any(name in self.host_outputs for name in self.samples[job.sample].settings.get("outputMode") or [])
        ):
            report.handback.append(batch)
        report.delta = tally.delta()
        return report
