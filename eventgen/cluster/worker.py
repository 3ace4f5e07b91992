"""The remote worker role: a worker session (rpc/session.py) that loads its controller's bundle and keeps a
ledger of the runs it worked for.

It joins any controller it is pointed at and runs the conf that controller sends. What it finished is in its
ledger (`ledger.py`) until a summary is sure to hold it: a controller that died before its summary gets its
counts handed over to the next controller the worker joins.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from eventgen.cluster.bundle import load_bundle
from eventgen.cluster.ledger import Ledger
from eventgen.core.delta import JobDelta
from eventgen.core.errors import EventgenError
from eventgen.rpc.events import JobReport
from eventgen.rpc.session import Runner, Session, WorkerOptions, default_name, make_identity
from eventgen.rpc.sockets import ClientTransport
from eventgen.run.jobloop import WorkerRunner

__all__ = ["Worker", "WorkerOptions", "default_name", "make_identity"]

log = logging.getLogger("eventgen.worker")


class Worker(Session):
    """A worker for remote controllers: `run()` returns an exit status."""

    def __init__(self, transport: ClientTransport, options: WorkerOptions):
        super().__init__(transport, options)
        self.ledger = Ledger()

    def load(self, bundle: dict[str, Any] | None) -> Runner | None:
        if not bundle:
            return None  # no conf until a controller sends one
        folder = Path(tempfile.mkdtemp(prefix="eventgen-worker-"))
        try:
            config = load_bundle(bundle, folder, self.name)
        except EventgenError:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return WorkerRunner(config, str(bundle.get("digest")), frozenset(), self.reported, folder)

    def finished(self, report: JobReport) -> None:
        self.ledger.add(report.run, report.delta)

    def taken(self, run: str) -> None:
        self.ledger.taken(run, self.run_id)

    def handovers(self) -> list[tuple[str, int, JobDelta]]:
        earlier = self.ledger.earlier(self.run_id)
        for run, counts in earlier:
            log.warning("handing run %s's counts over to this controller: %s", run, counts.describe())
        return [(run, counts.jobs, counts.delta) for run, counts in earlier]

    def ended(self) -> None:
        if self.settled:
            self.ledger.settle(self.run_id)
        self.ledger.log_unreported(self.name)
