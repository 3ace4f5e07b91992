"""`wire()`: the one function that builds a run: its outputs, the host's output stage, the dispatcher, the
transport, and the engine loop over them, each handed what it needs.

Which outputs this process writes depends on the mode:
- threads (`threading = thread`): every output, from the worker threads (or the output stage, with
  `useOutputQueue`);
- processes (`threading = process` or `queueing = zeromq`): the single writers (all of them with
  `useOutputQueue`), from the payloads the worker processes format and hand back, through the output stage;
- a cluster (`remote`, the controller's transport): none; each remote worker writes its own.
A transport is handed `Needs`, never the engine: the run's id and conf, the outputs the host writes, a way to
the run's summary (for STATUS) and to its notes.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
from collections.abc import Callable

from eventgen.resolve.config import RunConfig
from eventgen.rpc.events import Transport
from eventgen.run.accounting import Stats
from eventgen.run.admission import shapes_of
from eventgen.run.dispatcher import Dispatcher
from eventgen.run.engine import Engine, RunOptions
from eventgen.run.needs import Needs
from eventgen.run.outputs import OutputSet, OutputStage, host_outputs
from eventgen.run.pipeline import Pipeline, SharedGenerators, expected_rows, is_stateful, state_lanes
from eventgen.run.record import RunRecord
from eventgen.run.summary import Notes
from eventgen.run.threads import ThreadTransport

__all__ = ["Needs", "RunOptions", "wire"]


def wire(
    config: RunConfig, options: RunOptions | None = None, remote: Callable[[Needs], Transport] | None = None
) -> Engine:
    """The run of `config`: over threads or local worker processes as its `[global]` settings say, or over
    the transport `remote` makes (a controller's)."""
    options = options or RunOptions()
    settings, samples = config.engine, config.samples
    run_id = options.run_id or secrets.token_hex(8)
    stop = threading.Event()
    processes = remote is None and (settings.threading == "process" or settings.queueing == "zeromq")
    threads = remote is None and not processes

    stats, notes = Stats(), Notes()
    hosted = host_outputs(config) if processes else frozenset()
    outputs = OutputSet(samples, stop) if threads or hosted else None
    stage = None
    if hosted or (threads and settings.useOutputQueue):
        stage = OutputStage(stats, settings.outputWorkers, settings.generatorQueueSize)
    pinned = {s.label: state_lanes(s) for s in samples if is_stateful(s)}
    if processes and any(lanes > 1 for lanes in pinned.values()):
        # a sample's state lanes are pinned to workers as their first jobs go out: wait for every local worker,
        # or the lanes all land on the first one to join and the state is back on one core
        options = dataclasses.replace(options, expect_workers=max(options.expect_workers, settings.generatorWorkers))
    dispatcher = Dispatcher(
        run_id, stats, settings.generatorQueueSize, pinned, stop, options.catchup, shapes_of(samples), notes
    )
    record = RunRecord(run_id, stats, notes, dispatcher, expected_rows(samples), hosted)

    needs = Needs(config, run_id, hosted, record.summary, notes.add)
    transport: Transport
    if remote is not None:
        transport = remote(needs)
    elif processes:
        from eventgen.run.processes import ProcessTransport  # ZeroMQ: loaded only for process mode

        transport = ProcessTransport(needs)
    else:
        assert outputs is not None
        shared = SharedGenerators()
        pipelines = [Pipeline(samples, outputs, shared, stage=stage) for _ in range(settings.generatorWorkers)]
        transport = ThreadTransport(pipelines, run_id)
    return Engine(config, options, record, transport, stop, outputs, stage)
