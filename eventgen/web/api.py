"""The REST API (FastAPI): the service's operations over HTTP, typed by `models.py`, described at
/openapi.json. Every route but /healthcheck needs the server's token (`Authorization: Bearer TOKEN` or
`X-Eventgen-Token: TOKEN`); errors are JSON `{"detail": "one line"}` with secrets masked."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from eventgen import __version__
from eventgen.core.errors import ConfigErrors, EventgenError
from eventgen.web.metrics import RunView, registry_of
from eventgen.web.models import (
    Bulk,
    BulkAnswer,
    GeneratorStatus,
    Health,
    Preview,
    RateAnswer,
    RateChange,
    ShapeChange,
    Summary,
    Validation,
)
from eventgen.web.service import Conflict, NotFound, Service
from eventgen.web.specs import GeneratorSpec
from eventgen.web.workspace import OutsideWorkspace

HEADER = "X-Eventgen-Token"


def token_guard(token: str) -> Callable[[Request], None]:
    """A dependency that refuses a request without the token (401)."""

    def guard(request: Request) -> None:
        given = request.headers.get(HEADER) or request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not (given and hmac.compare_digest(given.strip().encode(), token.encode())):
            raise Unauthorized(f"missing or wrong token: send 'Authorization: Bearer TOKEN' or '{HEADER}: TOKEN'")

    return guard


class Unauthorized(EventgenError):
    """No token, or a wrong one (401)."""


STATUS_OF: tuple[tuple[type[Exception], int], ...] = (
    (Unauthorized, 401),
    (OutsideWorkspace, 403),
    (NotFound, 404),
    (Conflict, 409),
    (ConfigErrors, 422),
    (EventgenError, 400),
)


def views(service: Service) -> Callable[[], Iterable[RunView]]:
    def each() -> Iterable[RunView]:
        for gen_id, run in list(service.runs.items()):
            yield RunView(gen_id, run.summary(), run.target(), run.meter.rates()[0] if run.running else 0.0)

    return each


def create_app(service: Service, token: str) -> FastAPI:
    """The server's app: /api (generators), the Splunk Eventgen routes, /metrics, /healthcheck."""
    from eventgen.web.splunk_routes import splunk_router

    app = FastAPI(title="eventgen server", version=__version__, description="Run and steer many generators.")
    guarded = [Depends(token_guard(token))]

    @app.exception_handler(EventgenError)
    async def refused(request: Request, exc: EventgenError) -> JSONResponse:
        status = next(code for kind, code in STATUS_OF if isinstance(exc, kind))
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"detail": service.scrub(" ".join(str(exc).split()))}, status, headers=headers)

    @app.get("/healthcheck", tags=["health"], summary="liveness and readiness (no token needed)")
    def healthcheck() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(generators_router(service), prefix="/api", dependencies=guarded)
    app.include_router(splunk_router(service), dependencies=guarded)
    registry = registry_of(views(service))

    @app.get("/metrics", tags=["metrics"], summary="Prometheus metrics", dependencies=guarded)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return app


def generators_router(service: Service) -> APIRouter:
    api = APIRouter(tags=["generators"])

    @api.get("/health", summary="the server: version, generators defined and running")
    def health() -> Health:
        return service.health()

    @api.get("/generators", summary="every generator with its state and counts")
    def list_generators() -> list[GeneratorStatus]:
        return service.list_generators()

    @api.post("/generators", status_code=201, summary="add a generator (saved to the startup file)")
    def add(spec: GeneratorSpec) -> GeneratorStatus:
        return service.add(spec)

    @api.get("/generators/{gen_id}", summary="one generator: state, live stats per output and worker")
    def get(gen_id: str) -> GeneratorStatus:
        return service.get(gen_id)

    @api.put("/generators/{gen_id}", summary="change a generator (a running one is restarted)")
    def update(gen_id: str, spec: GeneratorSpec) -> GeneratorStatus:
        return service.update(gen_id, spec)

    @api.delete("/generators/{gen_id}", status_code=204, summary="stop and remove a generator")
    def delete(gen_id: str) -> Response:
        service.delete(gen_id)
        return Response(status_code=204)

    @api.post("/generators/{gen_id}/start", summary="start a generator")
    def start(gen_id: str) -> GeneratorStatus:
        return service.start(gen_id)

    @api.post("/generators/{gen_id}/stop", summary="stop a generator (jobs in flight drain)")
    def stop(gen_id: str) -> GeneratorStatus:
        return service.stop(gen_id)

    @api.post("/generators/{gen_id}/restart", summary="stop, then start a generator")
    def restart(gen_id: str) -> GeneratorStatus:
        return service.restart(gen_id)

    @api.put("/generators/{gen_id}/rate", summary="set the target rate, events/s (live when running)")
    def set_rate(gen_id: str, change: RateChange) -> RateAnswer:
        return service.set_rate(gen_id, change.rate)

    @api.put("/generators/{gen_id}/shape", summary="follow a load shape from now on (live when running)")
    def set_shape(gen_id: str, change: ShapeChange) -> RateAnswer:
        return service.set_shape(gen_id, change.shape)

    @api.get("/generators/{gen_id}/validate", summary="load the generator's conf and report every error")
    def validate(gen_id: str) -> Validation:
        return service.validate_id(gen_id)

    @api.post("/validate", summary="validate a generator spec without adding it")
    def validate_spec(spec: GeneratorSpec) -> Validation:
        return service.validate(spec)

    @api.get("/generators/{gen_id}/preview", summary="the first N events of each sample, not sent")
    def preview(gen_id: str, n: int = Query(5, ge=1, le=1000)) -> Preview:
        return service.preview(gen_id, n)

    @api.get("/generators/{gen_id}/summary", summary="the run summary of the generator's current or last run")
    def summary(gen_id: str) -> Summary:
        return service.summary(gen_id)

    @api.post("/bulk/start", summary="start generators (all when ids is empty)")
    def start_many(bulk: Bulk) -> BulkAnswer:
        return BulkAnswer(generators=service.start_many(bulk.ids))

    @api.post("/bulk/stop", summary="stop generators (all when ids is empty)")
    def stop_many(bulk: Bulk) -> BulkAnswer:
        return BulkAnswer(generators=service.stop_many(bulk.ids))

    @api.post("/bulk/restart", summary="restart generators (all when ids is empty)")
    def restart_many(bulk: Bulk) -> BulkAnswer:
        return BulkAnswer(generators=service.restart_many(bulk.ids))

    return api
