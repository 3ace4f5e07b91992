"""One generator's run inside the server: the existing engine (built by `run.wire`) on a thread of its own.

The live rate is steered through the engine's rate control (`engine.rate`: a rate or a load shape, taken within a
second, with no restart and no count lost). A rate meter samples the run's counts so that "rate now" is the rate
of the last few seconds, not the run's average.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from eventgen.cluster.controller import Controller
from eventgen.core.shapes import Shape
from eventgen.resolve.config import RunConfig
from eventgen.run.engine import Engine
from eventgen.run.summary import RunSummary
from eventgen.run.wire import RunOptions, wire

log = logging.getLogger("eventgen.server")
WINDOW = 3.0  # seconds of counts behind "rate now"
DRAIN_SECONDS = 10.0  # a stopped generator's jobs in flight get this long to finish


class Meter:
    """Recent (time, generated, sent per output) samples of a run: the rate over the last WINDOW seconds."""

    def __init__(self) -> None:
        self._points: deque[tuple[float, int, dict[str, int]]] = deque()
        self._lock = threading.Lock()

    def add(self, summary: RunSummary) -> None:
        sent: dict[str, int] = {}
        for row in summary.rows:
            sent[row.output] = sent.get(row.output, 0) + row.sent
        now = time.monotonic()
        with self._lock:
            self._points.append((now, summary.total.generated, sent))
            while len(self._points) > 2 and now - self._points[1][0] >= WINDOW:
                self._points.popleft()

    def rates(self) -> tuple[float, dict[str, float]]:
        """Events/s generated and sent per output over the window (0 before two samples)."""
        with self._lock:
            if len(self._points) < 2:
                return 0.0, {}
            (t0, g0, s0), (t1, g1, s1) = self._points[0], self._points[-1]
        span = max(t1 - t0, 1e-6)
        return (g1 - g0) / span, {out: (n - s0.get(out, 0)) / span for out, n in s1.items()}


class GeneratorRun:
    """One run of a loaded conf: `start()` returns at once; `stop()` drains and waits; counts live or final.
    With a `controller`, the run's jobs go to the workers that join it (after `workers` of them have)."""

    def __init__(
        self,
        config: RunConfig,
        seed: int | None,
        target_rate: float | None,
        controller: Controller | None = None,
        workers: int = 0,
        scrub: Callable[[str], str] = str,
        shape: Shape | None = None,
    ):
        self.target_rate = target_rate
        self.scrub = scrub  # secrets out of what is logged
        self.controller = controller
        options = RunOptions(
            seed=seed,
            status_interval=0,
            drain_seconds=DRAIN_SECONDS,
            target_rate=target_rate if shape is None else None,
            expect_workers=workers if controller else 0,
            shape=shape,
        )
        self.engine: Engine = wire(config, options, controller.transport if controller else None)
        self.meter = Meter()
        self.error = ""
        self.final: RunSummary | None = None
        self.started = time.time()
        self._thread = threading.Thread(target=self._execute, name="generator", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _execute(self) -> None:
        try:
            summary = self.engine.execute()
            self.final = self.controller.summarize(summary) if self.controller else summary
        except Exception as exc:  # the run's own failure is kept for the status, never a server crash
            self.error = " ".join(str(exc).split()) or type(exc).__name__
            log.error("generator run %s failed: %s", self.engine.run_id, self.scrub(self.error))
            log.debug("the failure's traceback", exc_info=True)
        self.meter.add(self.summary())

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, wait: float = DRAIN_SECONDS + 5) -> None:
        self.engine.stop()
        if self._thread.ident is not None:
            self._thread.join(wait)

    def summary(self) -> RunSummary:
        if self.final is not None:
            return self.final
        summary = self.engine.summary()
        return self.controller.summarize(summary) if self.controller else summary

    def sample(self) -> None:
        """Add the counts now to the rate meter (the server's sampler calls it every half second)."""
        if self.running:
            self.meter.add(self.engine.summary())

    def live_rate(self, events_per_second: float) -> None:
        """Aim the running engine at a new rate from now on."""
        self.engine.rate.set_rate(events_per_second)
        self.target_rate = events_per_second

    def live_shape(self, shape: Shape) -> None:
        """Follow `shape` from now on (the engine's rate control)."""
        self.engine.rate.set_shape(shape)
        self.target_rate = shape.rate_at(0.0)

    def target(self) -> float | None:
        """The target rate now: the shape's rate at this moment when it follows one."""
        reading = self.engine.rate.current()
        return reading.target if reading.target is not None else self.target_rate
