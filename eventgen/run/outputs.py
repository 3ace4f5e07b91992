"""Where batches meet outputs: the run's output instances, the one function that writes to one, the stage.

`write` is the only place a batch or a payload is handed to an output and what became of it tallied, whoever
calls it: a worker writing its own outputs, the output threads of `OutputStage` (`useOutputQueue`), or the
host writing the payloads workers formatted for its single-writer outputs.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable
from typing import cast

from eventgen.conf.sample import Sample
from eventgen.core.batch import EventBatch
from eventgen.core.delta import JobDelta
from eventgen.format.payload import Payload
from eventgen.plugin.base import registry
from eventgen.plugin.output import Delivery, OutputConfig, OutputPlugin
from eventgen.resolve.config import RunConfig
from eventgen.run.accounting import Stats

log = logging.getLogger(__name__)


class OutputSet:
    """Output instances, shared by every sample whose configs for that output are equal.

    Built in the same order from the same conf in every process, so an instance's position
    (`index_of`) names it across processes.
    """

    def __init__(self, samples: Iterable[Sample], stop: threading.Event | None = None):
        self._by_key: dict[OutputConfig, OutputPlugin] = {}
        self._by_sample: dict[str, list[OutputPlugin]] = {}
        for sample in samples:
            chosen = []
            for name in sample.settings.get("outputMode") or []:
                cls = cast(type[OutputPlugin], registry.get("output", name))
                key = cls.config_of(sample.settings, name)
                output = self._by_key.get(key)
                if output is None:
                    output = self._by_key[key] = cls(key)
                    output.stop_event = stop
                chosen.append(output)
            self._by_sample[sample.label] = chosen
        self._all = list(self._by_key.values())

    def for_sample(self, label: str) -> list[OutputPlugin]:
        return self._by_sample.get(label, [])

    def all(self) -> list[OutputPlugin]:
        return list(self._all)

    def index_of(self, output: OutputPlugin) -> int:
        return next(i for i, o in enumerate(self._all) if o is output)

    def at(self, index: int) -> OutputPlugin:
        return self._all[index]

    def close(self) -> dict[str, str]:
        """Close every output; {output label: why closing failed} (a failure of the run)."""
        errors = {}
        for output in self._all:
            error = output.shutdown()
            if error:
                log.error("%s: closing failed: %s", output.label, error)
                errors[output.label] = error
        return errors


def host_outputs(config: RunConfig) -> frozenset[str]:
    """The outputs process mode's host writes from payloads its workers format: the single writers (stdout,
    modinput, file), or all of them with `useOutputQueue`."""
    names = {n for s in config.samples for n in s.settings.get("outputMode") or []}
    if config.engine.useOutputQueue:
        return frozenset(names)
    return frozenset(n for n in names if cast(type[OutputPlugin], registry.get("output", n)).single_writer)


def write(output: OutputPlugin, item: EventBatch | Payload, delta: JobDelta) -> None:
    """Hand a batch (formatted here) or a payload to `output`; what became of it lands in `delta`."""
    tally(delta, item.sample, output, output.deliver(item))


def tally(delta: JobDelta, sample: str, output: OutputPlugin, result: Delivery) -> None:
    """One output's answer for one batch, counted."""
    delta.delivered(sample, output.label, result.sent, result.failed, result.bytes, result.error, result.resent,
                    result.acked)  # fmt: skip


class OutputStage:
    """Outputs written by a few threads of their own (`useOutputQueue`, or the single writer of process mode):
    (outputs, batch or payload) wait in a bounded queue, one item per batch; each write is counted in `stats`."""

    def __init__(self, stats: Stats, workers: int, maxsize: int):
        self.stats = stats
        self._queue: queue.Queue[tuple[list[OutputPlugin], EventBatch | Payload] | None] = queue.Queue(max(1, maxsize))
        self._threads = [
            threading.Thread(target=self._run, name=f"output-{i}", daemon=True) for i in range(max(1, workers))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, outputs: list[OutputPlugin], item: EventBatch | Payload) -> None:
        """Write `item` to each of `outputs` (blocks while the queue is full: backpressure)."""
        self._queue.put((outputs, item))

    def _run(self) -> None:
        while (entry := self._queue.get()) is not None:
            outputs, item = entry
            delta = JobDelta()
            for output in outputs:
                write(output, item, delta)
            self.stats.merge(delta, jobs=0)

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
