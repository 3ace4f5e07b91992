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
from typing import Any

from eventgen.core.batch import GenerationJob
from eventgen.resolve.config import RunConfig
from eventgen.rpc.events import Event
from eventgen.rpc.host import PeerHost
from eventgen.rpc.session import Runner, Session, WorkerOptions
from eventgen.rpc.sockets import ZmqClient, ZmqServer
from eventgen.run.jobloop import WorkerRunner
from eventgen.run.needs import Needs
from eventgen.run.report import status_reply

log = logging.getLogger(__name__)

CAPACITY = 2  # jobs a worker process holds at once


class ProcessTransport:
    """`[global] threading = process`: `generatorWorkers` forked workers, their messages through a `PeerHost`."""

    wakes = False  # new work does not interrupt `poll`: the engine loop polls briefly while feeders run

    def __init__(self, needs: Needs):
        self.config = needs.config
        self.names = needs.host_outputs
        self.note = needs.note
        self.folder = tempfile.mkdtemp(prefix="eventgen-ipc-")
        self.address = f"ipc://{self.folder}/engine"
        self.host = PeerHost(ZmqServer(self.address), needs.run_id, None, heartbeat=1.0, liveness=10,
                             status=lambda: status_reply(needs.summary()))  # fmt: skip
        self.count = max(1, needs.config.engine.generatorWorkers)
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
            args=(index, self.address, self.config, self.names, os.getpid()),
        )
        process.start()
        self.processes[index] = process

    def poll(self, timeout: float) -> list[Event]:
        events = self.host.poll(timeout)
        for index, process in list(self.processes.items()):
            if process.exitcode is None:
                continue
            lost = self.host.lose(_identity(index, process.pid), f"exit code {process.exitcode}")
            if lost is not None:
                events.append(lost)
            if not self.host.stopping or process.exitcode != 0:
                log.error("worker %d (pid %s) died with exit code %s", index, process.pid, process.exitcode)
            if not self.host.stopping:
                self.restarts += 1
                self._spawn(index)
            else:
                del self.processes[index]
        return events

    def send(self, peer: Hashable, job: GenerationJob) -> bool:
        return self.host.send(peer, job)

    def wake(self) -> None:
        pass

    def finish(
        self, timeout: float, abort: bool = False, holds: Callable[[Hashable], bool] = lambda _: True
    ) -> list[Event]:
        events = self.host.finish(timeout, abort, holds)
        for index, process in self.processes.items():
            if not self.host.knows(_identity(index, process.pid)):  # never joined (its HELLO still on the way):
                process.kill()  # it holds no job, so there is nothing to wait for
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(2)
        if self.restarts:
            self.note(f"{self.restarts} worker process(es) died and were replaced; their jobs were re-issued")
        return events

    def close(self) -> None:
        self.host.close()
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


class _Forked(Session):
    """A worker process's session: the conf it was forked with, its host's single-writer outputs handed back."""

    def __init__(self, transport: ZmqClient, options: WorkerOptions, config: RunConfig, names: frozenset[str]):
        super().__init__(transport, options)
        self.config = config
        self.names = names

    def load(self, bundle: dict[str, Any] | None) -> Runner | None:
        return WorkerRunner(self.config, "local", self.names, self.reported) if bundle is None else None


def _worker_main(index: int, address: str, config: RunConfig, names: frozenset[str], parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with_parent(parent)
    logging.getLogger("eventgen.worker").setLevel(logging.WARNING)
    transport = ZmqClient(address, _identity(index, os.getpid()))
    session = _Forked(transport, WorkerOptions(name=f"process-{index}", capacity=CAPACITY, patience=3600), config,
                      names)  # fmt: skip
    code = session.run()
    sys.stdout.flush()
    os._exit(code)
