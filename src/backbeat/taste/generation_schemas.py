"""API shapes of generations and the daily quota."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Mode = Literal["new", "similar", "extend", "radio"]
Status = Literal["queued", "generating", "completed", "failed"]
ExternalId = Annotated[
    str, StringConstraints(min_length=1, max_length=300, pattern=r"^[^\x00-\x1f\x7f]+$")
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceIn(Strict):
    """What to start from: a Backbeat track you can see, or another service's id."""

    track_id: uuid.UUID | None = None
    external_id: ExternalId | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> SourceIn:
        if (self.track_id is None) == (self.external_id is None):
            raise ValueError("a source is a track_id or an external_id (exactly one)")
        return self


class GenerationIn(Strict):
    """POST /v1/generations."""

    mode: Mode = "new"
    source: SourceIn | None = None
    duration_seconds: Annotated[float, Field(gt=0, le=600)] = 30.0
    prompt: Annotated[str, StringConstraints(max_length=2000)] | None = None
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] | None = None
    generator: Annotated[str, StringConstraints(max_length=100)] | None = None


class GenerationAccepted(BaseModel):
    """202: the generation is queued; follow it by GET or its events."""

    id: uuid.UUID
    status: Status


class Provenance(BaseModel):
    """How a track was made: enough to make it again (the prompt only by its hash)."""

    generator: str
    generator_version: str
    parameters: dict[str, Any]
    prompt_sha256: str | None
    seed: int
    source_tracks: list[uuid.UUID]
    source_external_id: str | None
    influences: list[dict[str, Any]]


class GenerationOut(BaseModel):
    """A generation and, when completed, its track."""

    id: uuid.UUID
    status: Status
    mode: Mode
    duration_seconds: float
    track_id: uuid.UUID | None
    explanation: str | None
    match: int | None
    error: str | None
    provenance: Provenance
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class GenerationPage(BaseModel):
    """Your generations, newest first; pass `next_cursor` back for the next page."""

    items: list[GenerationOut]
    next_cursor: str | None


class QuotaOut(BaseModel):
    """Generations today: `limit` null is unlimited; the count starts again at `resets_at`."""

    plan: str
    used: int
    limit: int | None
    resets_at: datetime
