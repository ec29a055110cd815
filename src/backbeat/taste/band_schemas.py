"""API shapes of bands."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Name = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")
]
Bio = Annotated[str, StringConstraints(max_length=2000, pattern=r"^[^\x00\x7f]*$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BandIn(Strict):
    """POST /v1/bands: name and bio are made from the style when left out."""

    name: Name | None = None
    bio: Bio | None = None
    is_public: bool = False
    track_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)


class BandPatch(Strict):
    """PATCH /v1/bands/{id}: only the fields given change."""

    name: Name | None = None
    bio: Bio | None = None
    is_public: bool | None = None


class BandTrackIn(Strict):
    """POST /v1/bands/{id}/tracks: one of your generated tracks."""

    track_id: uuid.UUID


class BandTrackOut(BaseModel):
    track_id: uuid.UUID
    title: str
    added_at: datetime


class BandOut(BaseModel):
    """A band: its counts are kept by triggers; `style_model` names the embedding model its
    style vector is the mean of (null until a track with an embedding joins)."""

    id: uuid.UUID
    owner_id: uuid.UUID
    name: str
    bio: str
    is_public: bool
    track_count: int
    follower_count: int
    style_model: str | None
    tracks: list[BandTrackOut]
    created_at: datetime
    updated_at: datetime


class SimilarBandOut(BaseModel):
    band: BandOut
    match: int


class SimilarBands(BaseModel):
    """Public bands nearest in style, closest first, with a match percentage."""

    items: list[SimilarBandOut]
