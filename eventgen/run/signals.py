"""Ctrl-C and SIGTERM: the first asks the run to drain, a second ends the process at once.

The signals are watched from a thread of their own (the interpreter writes each one to a pipe as it arrives,
`signal.set_wakeup_fd`), so a second signal ends the process even while the main thread is stuck: in a
plugin that never returns, in a C library, waiting on a lock. It prints one line saying how much was made
and exits with status 130 (`EXIT_INTERRUPTED`) without running any cleanup; worker processes die with
their parent.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable

from eventgen.core.errors import EXIT_INTERRUPTED

log = logging.getLogger("eventgen")

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_QUIT_WATCHER = 0  # a byte no signal has: tells the watcher to end


class handle_signals:
    """Within the block, Ctrl-C / SIGTERM call `stop` once; a second one quits at once, printing `made()`
    (how much was made, one line) first. Used from the main thread only."""

    def __init__(self, stop: Callable[[], None], made: Callable[[], str] | None = None):
        self.stop = stop
        self.made = made
        self.hits = 0

    def __enter__(self) -> handle_signals:
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        self._old_fd = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        # the Python-level handler only keeps the default action away: the watcher thread does the work
        self._old = {sig: signal.signal(sig, _ignore) for sig in SIGNALS}
        self._watcher = threading.Thread(target=self._watch, name="signals", daemon=True)
        self._watcher.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)
        signal.set_wakeup_fd(self._old_fd)
        with contextlib.suppress(OSError):
            os.write(self._write, bytes([_QUIT_WATCHER]))
        self._watcher.join(2)
        os.close(self._write)
        os.close(self._read)

    def _watch(self) -> None:
        while True:
            try:
                data = os.read(self._read, 64)
            except OSError:
                return
            for number in data:
                if number == _QUIT_WATCHER:
                    return
                if number in SIGNALS:
                    self._hit(signal.Signals(number).name)

    def _hit(self, name: str) -> None:
        self.hits += 1
        if self.hits == 1:
            log.warning("stopping (%s): draining queued work (Ctrl-C or SIGTERM again to quit at once)", name)
            self.stop()
            return
        made = ""
        if self.made is not None:
            try:
                made = f": {self.made()}"
            except Exception as exc:  # the line must go out whatever the counts do
                made = f" (counts unavailable: {exc})"
        try:  # straight to the descriptor: the main thread may hold sys.stderr's lock
            os.write(2, f"\neventgen: quit at once on a second {name}{made}; no summary written\n".encode())
        finally:
            os._exit(EXIT_INTERRUPTED)


def _ignore(signum: int, frame: object) -> None:
    """The signal is handled by the watcher thread (it arrived through the wakeup pipe)."""
