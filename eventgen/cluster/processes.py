"""Process mode's transport: local worker processes speaking the worker protocol over ZeroMQ ipc://.

The workers are forked with the run's conf already loaded (no bundle travels), render and format
batches, write to their own outputs, and hand batches for single-writer outputs (stdout, modinput,
file: one writer per file) back to this process, which writes them once, after their job is
accepted. A worker that dies is reported lost (its jobs are re-issued) and replaced. Workers ignore
SIGINT/SIGTERM (a signal to the process group is the parent's shutdown, which drains them) and die
with their parent (PR_SET_PDEATHSIG, and a watch on the parent's pid).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing as mp
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from eventgen.cluster.peers import PeerTransport
from eventgen.plugin.base import registry
from eventgen.rpc.events import Event, Lost
from eventgen.rpc.sockets import ZmqClient, ZmqServer

if TYPE_CHECKING:
    from eventgen.run.engine import Engine

log = logging.getLogger(__name__)

CAPACITY = 2  # jobs a worker process holds at once


def host_outputs(engine: Engine) -> set[str]:
    """Outputs the parent writes: single writers, or all of them with `useOutputQueue`."""
    names = {n for s in engine.config.samples for n in s.settings.get("outputMode") or []}
    if engine.config.engine.get("useOutputQueue"):
        return names
    return {n for n in names if registry.get("output", n).single_writer}


class ProcessTransport(PeerTransport):
    def __init__(self, engine: Engine):
        self.engine = engine
        self.folder = tempfile.mkdtemp(prefix="eventgen-ipc-")
        self.address = f"ipc://{self.folder}/engine"
        super().__init__(ZmqServer(self.address), engine.run_id, None, heartbeat=1.0, liveness=10, status=engine.status)
        self.names = host_outputs(engine)
        engine.keep_host_outputs(self.names)
        self.count = max(1, engine.config.engine["generatorWorkers"])
        self.ctx = mp.get_context("fork")
        self.processes: dict[int, Any] = {}
        self.restarts = 0

    def start(self) -> None:
        for index in range(self.count):
            self._spawn(index)

    def _spawn(self, index: int) -> None:
        process = self.ctx.Process(
            target=_worker_main,
            name=f"eventgen-worker-{index}",
            daemon=True,
            args=(index, self.address, self.engine.config, frozenset(self.names), os.getpid()),
        )
        process.start()
        self.processes[index] = process

    def poll(self, timeout: float) -> list[Event]:
        events = super().poll(timeout)
        for index, process in list(self.processes.items()):
            if process.exitcode is None:
                continue
            identity = _identity(index, process.pid)
            link = self.links.get(identity)
            if link is not None and link.joined:
                link.joined = False
                events.append(Lost(identity, f"exit code {process.exitcode}"))
            if not self.stopping or process.exitcode != 0:
                log.error("worker %d (pid %s) died with exit code %s", index, process.pid, process.exitcode)
            if not self.stopping:
                self.restarts += 1
                self._spawn(index)
            else:
                del self.processes[index]
        return events

    def finish(
        self, timeout: float, abort: bool = False, holds: Callable[[Hashable], bool] = lambda _: True
    ) -> list[Event]:
        events = super().finish(timeout, abort, holds)
        for index, process in self.processes.items():
            if _identity(index, process.pid) not in self.links:  # never joined (its HELLO still on the way):
                process.kill()  # it holds no job, so there is nothing to wait for
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(2)
        if self.restarts:
            self.engine.stats.note(
                f"{self.restarts} worker process(es) died and were replaced; their jobs were re-issued"
            )
        return events

    def close(self) -> None:
        super().close()
        shutil.rmtree(self.folder, ignore_errors=True)


def _identity(index: int, pid: int | None) -> bytes:
    return f"process-{index}-{pid}".encode()


def _die_with_parent(parent: int) -> None:
    """SIGKILL this process when the parent dies: the kernel's parent-death signal, and a watch as backup."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _worker_main(index: int, address: str, config, names: frozenset[str], parent: int) -> None:
    from eventgen.cluster.worker import Worker, WorkerOptions

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with_parent(parent)
    logging.getLogger("eventgen.worker").setLevel(logging.WARNING)
    transport = ZmqClient(address, _identity(index, os.getpid()))
    worker = Worker(
        transport, WorkerOptions(name=f"process-{index}", capacity=CAPACITY, patience=3600, host_outputs=names), config
    )
    code = worker.run()
    sys.stdout.flush()
    os._exit(code)
