"""Ctrl-C and SIGTERM as a request to drain: the first calls `stop`, a second quits at once."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable

log = logging.getLogger("eventgen")


class handle_signals:
    """Ctrl-C / SIGTERM call `stop` once; a second Ctrl-C exits at once."""

    def __init__(self, stop: Callable[[], None]):
        self.stop = stop
        self.hits = 0

    def _handler(self, signum, frame) -> None:
        self.hits += 1
        if self.hits > 1:
            raise KeyboardInterrupt
        log.warning("stopping (%s): draining queued work (Ctrl-C again to quit at once)", signal.Signals(signum).name)
        self.stop()

    def __enter__(self):
        self._old = {sig: signal.signal(sig, self._handler) for sig in (signal.SIGINT, signal.SIGTERM)}
        return self

    def __exit__(self, *exc) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)
