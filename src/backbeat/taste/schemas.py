"""API shapes of taste: embedding models and vectors, profiles, taste, recommendations, radio."""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from backbeat.catalog.schemas import TrackOut

ModelName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
BassLevel = Literal["low", "medium", "high"]
SeedKind = Literal["track", "artist", "taste"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmbeddingModelIn(Strict):
    name: ModelName
    version: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    dimension: int = Field(ge=1, le=2000)
    description: Annotated[str, StringConstraints(max_length=500)] = ""


class EmbeddingModelOut(BaseModel):
    name: str
    version: str
    dimension: int
    description: str
    created_at: datetime


class TrackVectorIn(Strict):
    vector: list[float] = Field(min_length=1, max_length=2000)

    @field_validator("vector")
    @classmethod
    def _finite(cls, values: list[float]) -> list[float]:
        if not all(math.isfinite(v) for v in values):
            raise ValueError("every value must be a finite number")
        return values


class TrackVectorOut(BaseModel):
    track_id: uuid.UUID
    model: str
    dimension: int
    updated_at: datetime


class TasteProfileIn(Strict):
    """The seed's preferences_profile; every field optional (PATCH changes what it names)."""

    genres: list[Label] | None = Field(default=None, max_length=20)
    favourite_artists: list[Label] | None = Field(default=None, max_length=50)
    vibe: Label | None = None
    bass_level: BassLevel | None = None
    tempo_range: Annotated[str, StringConstraints(pattern=r"^\d{2,3}-\d{2,3}$")] | None = None
    explicit_lyrics: bool | None = None

    @field_validator("tempo_range")
    @classmethod
    def _ordered(cls, value: str | None) -> str | None:
        if value is not None:
            low, high = (int(part) for part in value.split("-"))
            if not 0 < low <= high:
                raise ValueError("tempo_range is `low-high` BPM, low above 0 and not above high")
        return value


class TasteProfileOut(BaseModel):
    genres: list[str]
    favourite_artists: list[str]
    vibe: str | None
    bass_level: BassLevel | None
    tempo_range: str | None
    explicit_lyrics: bool
    updated_at: datetime | None


class Influence(BaseModel):
    """A track that pulled the taste (or a recommendation) its way, and how hard."""

    track_id: uuid.UUID
    title: str
    weight: float


class TasteOut(BaseModel):
    model: str
    updated_at: datetime
    source: Literal["listens", "profile"]
    events: int
    influences: list[Influence]


class Recommendation(BaseModel):
    track: TrackOut
    match: int = Field(ge=0, le=100, description="Cosine similarity as a 0-100 match.")
    because: list[Influence]


class Recommendations(BaseModel):
    model: str
    items: list[Recommendation]


class StationIn(Strict):
    seed: SeedKind
    track_id: uuid.UUID | None = None
    artist: Label | None = None
    model: ModelName = "backbeat-audio-v1"


class StationOut(BaseModel):
    id: uuid.UUID
    seed: SeedKind
    seed_ref: str | None
    model: str
    played: int
    created_at: datetime


class StationNext(BaseModel):
    station_id: uuid.UUID
    items: list[Recommendation]
