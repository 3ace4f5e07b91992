"""Generator workers: pull a job, render it once, deliver the batch to each of its outputs."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable

from eventgen.conf.sample import Sample
from eventgen.plugin.base import GeneratorPlugin, OutputPlugin, registry
from eventgen.render.batch import EventBatch, GenerationJob
from eventgen.run.accounting import Stats

log = logging.getLogger(__name__)

STOP = None  # sentinel: one per worker ends its loop
SHARED_OUTPUT_KEYS = ("spoolFailedTo",)  # core settings an output instance also depends on


class OutputSet:
    """Output instances, shared by every sample whose settings for that output are equal."""

    def __init__(self, samples: Iterable[Sample], stop: threading.Event | None = None,
                 select: Callable[[type[OutputPlugin]], bool] | None = None):
        self._by_key: dict[tuple, OutputPlugin] = {}
        self._by_sample: dict[str, list[OutputPlugin]] = {}
        for sample in samples:
            chosen = []
            for name in sample.settings.get("outputMode") or []:
                cls = registry.get("output", name)
                if select is not None and not select(cls):  # type: ignore[arg-type]
                    continue
                names = [s.name for s in cls.settings] + list(SHARED_OUTPUT_KEYS)
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


class OutputStage:
    """`useOutputQueue`: batches go through a bounded queue to `outputWorkers` output threads."""

    def __init__(self, deliver: Callable[[EventBatch], None], workers: int, maxsize: int):
        self._queue: queue.Queue[EventBatch | None] = queue.Queue(maxsize)
        self._deliver = deliver
        self._threads = [threading.Thread(target=self._run, name=f"output-{i}", daemon=True) for i in range(workers)]
        for thread in self._threads:
            thread.start()

    def submit(self, batch: EventBatch) -> None:
        self._queue.put(batch)

    def _run(self) -> None:
        while (batch := self._queue.get()) is not None:
            try:
                self._deliver(batch)
            except Exception as exc:  # an output bug must not stop the other batches
                log.error("output worker: %s", exc)

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()


def make_generator(sample: Sample) -> GeneratorPlugin:
    return registry.get("generator", sample.settings["generator"])(sample)  # type: ignore[call-arg,return-value]


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


class Pipeline:
    """Per worker: one generator per sample (compiled on first use), shared outputs.

    Stateless generators get one instance per worker; stateful ones come from `shared`, so their
    state continues across jobs whichever thread runs them.
    """

    def __init__(self, samples: Iterable[Sample], outputs: OutputSet, stats: Stats, stage: OutputStage | None = None,
                 shared: SharedGenerators | None = None):
        self.samples = {s.label: s for s in samples}
        self.outputs = outputs
        self.stats = stats
        self.stage = stage
        self.shared = shared or SharedGenerators()
        self._generators: dict[str, tuple[GeneratorPlugin, threading.Lock | None]] = {}

    def generator(self, label: str) -> tuple[GeneratorPlugin, threading.Lock | None]:
        item = self._generators.get(label)
        if item is None:
            sample = self.samples[label]
            cls = registry.get("generator", sample.settings["generator"])
            item = self.shared.get(sample) if cls.is_stateful(sample) else (make_generator(sample), None)
            self._generators[label] = item
        return item

    def needs_parent(self, label: str, names: set[str]) -> bool:
        """Whether a sample writes to any of the outputs `names` (kept in the parent process)."""
        return any(name in names for name in self.samples[label].settings.get("outputMode") or [])

    def handle(self, job: GenerationJob) -> EventBatch:
        generator, lock = self.generator(job.sample)
        if lock is None:
            batch = generator.generate(job)
        else:
            with lock:
                batch = generator.generate(job)
        if self.stage is not None:
            self.stage.submit(batch)
        else:
            self.deliver(batch)
        self.stats.job_done()
        return batch

    def deliver(self, batch: EventBatch) -> None:
        for output in self.outputs.for_sample(batch.sample):
            result = output.deliver(batch)
            self.stats.record(batch.sample, output.name, len(batch), result.sent, result.failed, result.bytes,
                              result.error)


def work(get: Callable[[], GenerationJob | None], handle: Callable[[GenerationJob], object],
         on_error: Callable[[GenerationJob, BaseException], None]) -> None:
    """A worker loop: handle jobs until the STOP sentinel arrives."""
    while True:
        job = get()
        if job is STOP:
            return
        try:
            handle(job)
        except Exception as exc:
            on_error(job, exc)
