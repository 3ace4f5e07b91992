"""Splunk Eventgen's server routes, mapped onto the service so that existing automation keeps working.

Splunk Eventgen (7.x) drives one conf per server; here a server holds many generators, so each route acts on
all of them (or on the ids given): /status lists every generator, /conf reads or upserts specs, /start /stop
/restart act in bulk, /volume sets a total GB/day shared evenly by the generators, turned into events/s with each
generator's measured bytes per event (or, before anything was sent, its previewed events' size).
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from eventgen.web.models import Bulk, BulkAnswer, GeneratorStatus, RateAnswer
from eventgen.web.service import Service
from eventgen.web.specs import GeneratorSpec

GIB = 2**30
DAY = 86400.0


class ServerStatus(BaseModel):
    """Splunk's /status: is anything running, and every generator's counts."""

    EVENTGEN_STATUS: int = Field(description="1 when some generator runs, else 0 (Splunk's convention)")
    generators: list[GeneratorStatus]


class Volume(BaseModel):
    perDayVolume: float = Field(gt=0, description="GB (2^30 bytes) per day for the whole server")
    ids: list[str] = Field(default_factory=list, description="the generators sharing it; empty: all")


class VolumeAnswer(BaseModel):
    perDayVolume: float | None = Field(description="the GB/day the target rates amount to (None: no rate set)")
    rates: list[RateAnswer] = Field(default_factory=list)


def event_bytes(service: Service, gen_id: str) -> float:
    """Bytes per event: measured from the run when it sent something, else the size of previewed events."""
    status = service.get(gen_id)
    if status.sent:
        return status.bytes / status.sent
    events = [e for s in service.preview(gen_id, 20).samples for e in s.events]
    return sum(len(e.encode()) + 1 for e in events) / max(len(events), 1)


def splunk_router(service: Service) -> APIRouter:
    api = APIRouter(tags=["splunk eventgen"])

    @api.get("/status", summary="Splunk Eventgen's /status: every generator's state and counts")
    def status() -> ServerStatus:
        generators = service.list_generators()
        return ServerStatus(
            EVENTGEN_STATUS=int(any(g.state in ("starting", "running") for g in generators)), generators=generators
        )

    @api.get("/conf", summary="Splunk Eventgen's /conf: the generator specs (secrets masked)")
    def conf() -> list[GeneratorSpec]:
        return [g.spec for g in service.list_generators()]

    @api.put("/conf", summary="Splunk Eventgen's /conf: add or replace generator specs")
    def put_conf(specs: list[GeneratorSpec]) -> list[GeneratorStatus]:
        known = {g.id for g in service.list_generators()}
        return [service.update(s.id, s) if s.id in known else service.add(s) for s in specs]

    @api.post("/start", summary="Splunk Eventgen's /start: start generators (all when ids is empty)")
    def start(bulk: Bulk | None = None) -> BulkAnswer:
        return BulkAnswer(generators=service.start_many(bulk.ids if bulk else []))

    @api.post("/stop", summary="Splunk Eventgen's /stop: stop generators (all when ids is empty)")
    def stop(bulk: Bulk | None = None) -> BulkAnswer:
        return BulkAnswer(generators=service.stop_many(bulk.ids if bulk else []))

    @api.post("/restart", summary="Splunk Eventgen's /restart: restart generators (all when ids is empty)")
    def restart(bulk: Bulk | None = None) -> BulkAnswer:
        return BulkAnswer(generators=service.restart_many(bulk.ids if bulk else []))

    @api.get("/volume", summary="Splunk Eventgen's /volume: the GB/day the target rates amount to")
    def volume() -> VolumeAnswer:
        rated = [g for g in service.list_generators() if g.target_rate]
        if not rated:
            return VolumeAnswer(perDayVolume=None)
        total = sum((g.target_rate or 0.0) * event_bytes(service, g.id) for g in rated) * DAY / GIB
        return VolumeAnswer(perDayVolume=round(total, 6))

    @api.post("/volume", summary="Splunk Eventgen's /volume: set GB/day, shared evenly, as events/s")
    def set_volume(volume: Volume) -> VolumeAnswer:
        ids = volume.ids or [g.id for g in service.list_generators()]
        share = volume.perDayVolume * GIB / DAY / max(len(ids), 1)  # bytes/s per generator
        rates = [service.set_rate(i, share / event_bytes(service, i)) for i in ids]
        return VolumeAnswer(perDayVolume=volume.perDayVolume, rates=rates)

    return api
