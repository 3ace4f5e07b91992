"""The typed answers of the server's operations: the REST API's OpenAPI schemas and the MCP tools' results."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from eventgen.web.specs import GeneratorSpec

State = Literal["stopped", "starting", "running", "stopping", "finished", "failed"]


class OutputStats(BaseModel):
    """One (sample, output) row of a run."""

    sample: str
    output: str
    generated: int
    sent: int
    failed: int
    bytes: int
    resent: int
    rate_now: float = Field(description="events/s sent over the last few seconds")


class WorkerStats(BaseModel):
    id: str
    name: str
    state: str
    capacity: int
    inflight: int
    generated: int
    sent: int
    failed: int


class GeneratorStatus(BaseModel):
    """A generator, its state and the counts of its current (or last) run."""

    id: str
    spec: GeneratorSpec = Field(description="the generator as defined; secret values masked")
    state: State
    run_id: str = ""
    target_rate: float | None = None
    rate_now: float = Field(default=0.0, description="events/s generated over the last few seconds")
    generated: int = 0
    sent: int = 0
    failed: int = 0
    bytes: int = 0
    resent: int = 0
    lag: float = Field(default=0.0, description="seconds the schedule runs behind its clock")
    workers: int = 0
    inflight: int = 0
    queued: int = 0
    elapsed: float = 0.0
    error: str = ""
    outputs: list[OutputStats] = Field(default_factory=list)
    worker_rows: list[WorkerStats] = Field(default_factory=list)


class SampleCheck(BaseModel):
    sample: str
    generator: str
    outputs: list[str]
    tokens: int


class Validation(BaseModel):
    ok: bool
    samples: list[SampleCheck] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)


class PreviewSample(BaseModel):
    sample: str
    events: list[str]


class Preview(BaseModel):
    id: str
    samples: list[PreviewSample]


class RateChange(BaseModel):
    rate: float = Field(gt=0, description="the new target, events/s")


class ShapeChange(BaseModel):
    shape: str = Field(description="steps RATE@DURATION and ramps FROM..TO@DURATION joined by commas")


class RateAnswer(BaseModel):
    id: str
    target_rate: float
    applied: Literal["live", "saved"] = Field(
        description="live: the running engine changed pace; saved: not running, used at the next start"
    )


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    version: str
    generators: int
    running: int


class Summary(BaseModel):
    """The run summary of a generator's last run, as `eventgen generate --stats-json` writes it."""

    id: str
    state: State
    summary: dict[str, Any]


class Bulk(BaseModel):
    ids: list[str] = Field(default_factory=list, description="the generators to act on; empty: all of them")


class BulkAnswer(BaseModel):
    generators: list[GeneratorStatus]
