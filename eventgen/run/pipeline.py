"""What a worker does with a job: render it once, then each of its sample's outputs gets the batch, where it is
written (here, through the output stage, or by the host from the payload handed back), and the job's counts go
into one `JobDelta`."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from eventgen.conf.sample import Sample
from eventgen.core.batch import EventBatch, GenerationJob
from eventgen.core.delta import JobDelta
from eventgen.core.errors import EventgenError
from eventgen.format.payload import Payload
from eventgen.plugin.base import GeneratorPlugin, generator_class, generator_of, registry
from eventgen.plugin.delivery_checks import Violation, checked_batch, described
from eventgen.plugin.output import OutputPlugin
from eventgen.plugin.result import Outcome
from eventgen.rpc.events import JobReport
from eventgen.run.outputs import OutputSet, OutputStage, tally, write


def expected_rows(samples: Iterable[Sample]) -> list[tuple[str, str]]:
    """(sample, output) of every summary row of a run: each output of each sample, "" for a sample without any."""
    return [(s.label, name) for s in samples for name in (s.settings.get("outputMode") or [""])]


def make_generator(sample: Sample) -> GeneratorPlugin:
    return generator_of(sample)


def is_stateful(sample: Sample) -> bool:
    name = sample.settings.get("generator")
    return bool(name) and registry.has("generator", name) and generator_class(name).is_stateful(sample)


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
        delta = JobDelta()
        report = JobReport((job.sample, job.seq), run, delta)
        try:
            batch = self.render(job)
        except BaseException as exc:  # plugin code (SystemExit too): counted as a failed job, with its reason
            report.error = str(exc) if isinstance(exc, EventgenError | Violation) else described(exc)
            self.failed_job(job, f"generator failed: {report.error}", delta)
            return report
        delta.made(batch.sample, len(batch), batch.dropped, batch.exhausted)
        outputs = self.outputs.for_sample(batch.sample)
        here = [o for o in outputs if o.label not in self.host_outputs] if self.host_outputs else outputs
        if self.stage is not None:
            if here:
                self.stage.submit(here, batch)
        else:
            for output in here:
                write(output, batch, delta)
        if self.host_outputs and len(batch):
            report.handback = self.hand_back(batch, [o for o in outputs if o.label in self.host_outputs], delta)
        return report

    def hand_back(self, batch: EventBatch, outputs: list[OutputPlugin], delta: JobDelta) -> list[tuple[int, Payload]]:
        """The batch formatted for each output the host writes, as (output index, payload) to hand back (a
        formatter's failure is counted here: nothing to hand back)."""
        payloads = []
        for output in outputs:
            payload = output.formatted(batch)
            if isinstance(payload, Outcome):  # the formatter failed: counted here, nothing to hand back
                tally(delta, batch.sample, output, output.counted(payload))
                continue
            if not output.config.get("spoolFailedTo"):
                payload.batch = None  # the host only writes the bytes: the events stay here
            payloads.append((self.outputs.index_of(output), payload))
        return payloads

    def failed_job(self, job: GenerationJob, error: str, delta: JobDelta) -> None:
        """A job whose generator failed: its `count` events are counted generated (asked for) and failed at every
        output of its sample, so each row keeps sent + failed == generated and the TOTAL shows them failed."""
        delta.job_failed(job.sample, job.count, [o.label for o in self.outputs.for_sample(job.sample)], error)
