"""The server's operations, written once: the REST API, the Splunk-compatible routes, the MCP tools and the
Prometheus exporter all call these. Each takes and returns typed values (`models.py`); errors are `EventgenError`s
the callers map to their own answers (`NotFound` 404, `Conflict` 409, `OutsideWorkspace` 403, `ConfigErrors` 422).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time

from eventgen import __version__
from eventgen.core.errors import ConfigErrors, EventgenError
from eventgen.rpc.sockets import CurveServer
from eventgen.run.preview import preview_events
from eventgen.run.report import to_json
from eventgen.web.controller import CurveFor, controller_for
from eventgen.web.loading import load_spec, overrides_of
from eventgen.web.models import (
    GeneratorStatus,
    Health,
    Preview,
    PreviewSample,
    RateAnswer,
    SampleCheck,
    Summary,
    Validation,
)
from eventgen.web.runner import GeneratorRun
from eventgen.web.secrets import Scrubber
from eventgen.web.specs import GeneratorSpec, StartupFile, checked_shape
from eventgen.web.status import state_of, status_of
from eventgen.web.workspace import Workspace

log = logging.getLogger("eventgen.server")
SAMPLE_EVERY = 0.5  # seconds between the rate meters' samples
MAX_PREVIEW = 1000  # events per sample a preview may ask for


def local_curve(bind: str) -> CurveServer:
    """This user's local Curve keys (made on first use), as `eventgen controller` uses them on loopback."""
    from eventgen.cluster.local_keys import keys_dir, local_secret
    from eventgen.rpc.sockets import is_loopback

    if not is_loopback(bind):
        raise EventgenError(f"bind {bind}: beyond loopback the server needs --curve-secret-key and --authorized-keys")

    return CurveServer(local_secret(), keys_dir())


def checked_shape_of(text: str):
    """A shape's text parsed, or one line (400) naming what is wrong."""
    try:
        return checked_shape(text)
    except ValueError as exc:
        raise EventgenError(f"shape: {exc}") from None


class NotFound(EventgenError):
    """No generator of that id (404)."""


class Conflict(EventgenError):
    """The generator exists already, or is running where it must not be (409)."""


class Service:
    """Generators defined by specs (kept in the startup file) and their runs, one engine thread each."""

    def __init__(self, workspace: Workspace, startup: StartupFile, curve_for: CurveFor | None = None):
        self.workspace = workspace
        self.startup = startup
        self.curve_for = curve_for or local_curve
        self.scrub = Scrubber()
        self.specs: dict[str, GeneratorSpec] = {}
        self.runs: dict[str, GeneratorRun] = {}
        self._lock = threading.RLock()
        self._closed = threading.Event()
        for spec in startup.load():
            self.scrub.learn(spec.model_dump())
            self.specs[spec.id] = spec
        self._sampler = threading.Thread(target=self._sample, name="rate-meter", daemon=True)
        self._sampler.start()

    # ----- definitions ----------------------------------------------------------------------------

    def list_generators(self) -> list[GeneratorStatus]:
        with self._lock:
            return [status_of(spec, self.runs.get(spec.id), self.scrub) for spec in self.specs.values()]

    def get(self, gen_id: str) -> GeneratorStatus:
        with self._lock:
            return status_of(self._spec(gen_id), self.runs.get(gen_id), self.scrub)

    def add(self, spec: GeneratorSpec) -> GeneratorStatus:
        with self._lock:
            if spec.id in self.specs:
                raise Conflict(f"generator {spec.id!r} exists already (PUT /api/generators/{spec.id} changes it)")
            self._load(spec)
            self.specs[spec.id] = spec
            self._save()
            return self.get(spec.id)

    def update(self, gen_id: str, spec: GeneratorSpec) -> GeneratorStatus:
        with self._lock:
            self._spec(gen_id)
            if spec.id != gen_id:
                raise EventgenError(f"the body's id {spec.id!r} is not the generator's {gen_id!r}")
            self._load(spec)
            running = self._running(gen_id)
            if running:
                self.stop(gen_id)
            self.specs[gen_id] = spec
            self._save()
            if running:
                self.start(gen_id)
            return self.get(gen_id)

    def delete(self, gen_id: str) -> None:
        with self._lock:
            self._spec(gen_id)
            if self._running(gen_id):
                self.stop(gen_id)
            del self.specs[gen_id]
            self.runs.pop(gen_id, None)
            self._save()

    # ----- runs -----------------------------------------------------------------------------------

    def start(self, gen_id: str) -> GeneratorStatus:
        with self._lock:
            spec = self._spec(gen_id)
            if self._running(gen_id):
                raise Conflict(f"generator {gen_id!r} is running already")
            config = self._load(spec)
            controller = controller_for(config, overrides_of(spec), spec.bind, self.curve_for) if spec.bind else None
            run = GeneratorRun(config, spec.seed, spec.rate, controller, spec.workers, self.scrub, spec.parsed_shape())
            self.runs[gen_id] = run
            run.start()
            log.info("generator %s started (run %s)", gen_id, run.engine.run_id)
            return self.get(gen_id)

    def stop(self, gen_id: str) -> GeneratorStatus:
        """Stop a running generator: its jobs in flight drain, then its summary is final (a stopped one: as is)."""
        with self._lock:
            self._spec(gen_id)
            run = self.runs.get(gen_id)
        if run is not None and run.running:
            run.stop()
            log.info("generator %s stopped", gen_id)
        return self.get(gen_id)

    def restart(self, gen_id: str) -> GeneratorStatus:
        self.stop(gen_id)
        return self.start(gen_id)

    def start_many(self, ids: list[str]) -> list[GeneratorStatus]:
        """Start each of `ids` (all when empty) that is not running."""
        chosen = ids or list(self.specs)
        for gen_id in chosen:
            self._spec(gen_id)
        return [self.get(i) if self._running(i) else self.start(i) for i in chosen]

    def stop_many(self, ids: list[str]) -> list[GeneratorStatus]:
        chosen = ids or list(self.specs)
        for gen_id in chosen:
            self._spec(gen_id)
        return [self.stop(i) for i in chosen]

    def restart_many(self, ids: list[str]) -> list[GeneratorStatus]:
        chosen = ids or list(self.specs)
        self.stop_many(chosen)
        return self.start_many(chosen)

    def autostart(self) -> None:
        for spec in list(self.specs.values()):
            if spec.autostart:
                try:
                    self.start(spec.id)
                except EventgenError as exc:
                    log.error("generator %s: not started: %s", spec.id, self.scrub(str(exc)))

    def set_rate(self, gen_id: str, rate: float) -> RateAnswer:
        """A new target rate: kept in the spec (and the startup file), and handed to the running engine's rate
        control at once (it stops following a shape)."""
        if not rate > 0:
            raise EventgenError(f"rate must be above 0 events/s, got {rate:g}")
        with self._lock:
            spec = self._spec(gen_id).model_copy(update={"rate": rate, "shape": None})
            self.specs[gen_id] = spec
            self._save()
            run = self.runs.get(gen_id)
            if run is None or not run.running:
                return RateAnswer(id=gen_id, target_rate=rate, applied="saved")
            run.live_rate(rate)
            return RateAnswer(id=gen_id, target_rate=rate, applied="live")

    def set_shape(self, gen_id: str, text: str) -> RateAnswer:
        """Follow a load shape from now on: kept in the spec (and the startup file, the rate given up for it), and
        handed to the running engine's rate control at once."""
        shape = checked_shape_of(text)
        with self._lock:
            spec = self._spec(gen_id).model_copy(update={"shape": text, "rate": None})
            self.specs[gen_id] = spec
            self._save()
            run = self.runs.get(gen_id)
            if run is None or not run.running:
                return RateAnswer(id=gen_id, target_rate=shape.rate_at(0.0), applied="saved")
            run.live_shape(shape)
            return RateAnswer(id=gen_id, target_rate=shape.rate_at(0.0), applied="live")

    def summary(self, gen_id: str) -> Summary:
        with self._lock:
            self._spec(gen_id)
            run = self.runs.get(gen_id)
        if run is None:
            raise Conflict(f"generator {gen_id!r} has not run since the server started")
        summary = run.summary()
        data = to_json(dataclasses.replace(summary, notes=tuple(self.scrub(n) for n in summary.notes)))
        return Summary(id=gen_id, state=state_of(run), summary=data)

    # ----- checks ---------------------------------------------------------------------------------

    def validate(self, spec: GeneratorSpec) -> Validation:
        """Load `spec` as a run would, and say what it holds or every error at once."""
        try:
            config = self._load(spec)
        except ConfigErrors as exc:
            return Validation(ok=False, errors=[self.scrub(str(e)) for e in exc.errors])
        except EventgenError as exc:
            return Validation(ok=False, errors=[self.scrub(str(exc))])
        return Validation(
            ok=True,
            samples=[
                SampleCheck(
                    sample=s.label,
                    generator=s.settings["generator"],
                    outputs=list(s.settings["outputMode"]),
                    tokens=len(s.tokens),
                )
                for s in config.samples
            ],
            warnings=[self.scrub(w) for w in config.warnings],
        )

    def validate_id(self, gen_id: str) -> Validation:
        return self.validate(self._spec(gen_id))

    def preview(self, gen_id: str, number: int) -> Preview:
        if not 1 <= number <= MAX_PREVIEW:
            raise EventgenError(f"preview: expected 1 to {MAX_PREVIEW} events, got {number}")
        config = self._load(self._spec(gen_id))
        spec = self.specs[gen_id]
        samples = [
            PreviewSample(sample=sample.label, events=[self.scrub(e) for e in batch.events])
            for sample, _, batch in preview_events(config, number, spec.seed, time.time())
        ]
        return Preview(id=gen_id, samples=samples)

    def health(self) -> Health:
        with self._lock:
            running = sum(1 for gen_id in self.specs if self._running(gen_id))
            return Health(version=__version__, generators=len(self.specs), running=running)

    def close(self) -> None:
        """Stop every running generator (each drains), then the meters."""
        self._closed.set()
        with self._lock:
            runs = [r for r in self.runs.values() if r.running]
        for run in runs:
            run.engine.stop()
        for run in runs:
            run.stop()

    # ----- inside ---------------------------------------------------------------------------------

    def _spec(self, gen_id: str) -> GeneratorSpec:
        spec = self.specs.get(gen_id)
        if spec is None:
            raise NotFound(f"no generator {gen_id!r}")
        return spec

    def _running(self, gen_id: str) -> bool:
        run = self.runs.get(gen_id)
        return run is not None and run.running

    def _load(self, spec: GeneratorSpec):
        self.scrub.learn(spec.model_dump())
        config = load_spec(spec, self.workspace)
        self.scrub.learn_config(config)
        return config

    def _save(self) -> None:
        self.startup.save(list(self.specs.values()))

    def _sample(self) -> None:
        while not self._closed.wait(SAMPLE_EVERY):
            with self._lock:
                runs = list(self.runs.values())
            for run in runs:
                run.sample()
