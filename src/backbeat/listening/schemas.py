"""API shapes of the native listens API."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from backbeat.catalog.schemas import TrackOut
from backbeat.listening.listenbrainz import ALLOWED_SKEW_SECONDS, LISTEN_MINIMUM_TS
from backbeat.listening.listens import ListenIn

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Platform = Literal["backbeat", "listenbrainz", "spotify", "apple", "youtube"]
EARLIEST = datetime.fromtimestamp(LISTEN_MINIMUM_TS, UTC)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListenCreate(Strict):
    """One listen: when, what, and how much of it was played."""

    listened_at: datetime
    artist_name: Name
    track_name: Name
    release_name: Name | None = None
    duration_ms: Annotated[int, Field(gt=0, le=2_073_600_000)] | None = None
    ms_played: Annotated[int, Field(ge=0, le=2_073_600_000)] | None = None
    skipped: bool = False
    track_id: uuid.UUID | None = None
    isrc: (
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}-?\w{3}-?\d{2}-?\d{5}$")] | None
    ) = None
    recording_mbid: uuid.UUID | None = None
    spotify_id: Short | None = None
    client: Short | None = None
    platform: Platform = "backbeat"

    @field_validator("listened_at")
    @classmethod
    def _in_range(cls, value: datetime) -> datetime:
        """ListenBrainz's range: from 2002-10-01 to one hour from now."""
        if value.tzinfo is None:
            raise ValueError("listened_at needs a time zone")
        if not EARLIEST <= value < datetime.now(UTC) + timedelta(seconds=ALLOWED_SKEW_SECONDS):
            raise ValueError("listened_at must be between 2002-10-01 and one hour from now")
        return value.astimezone(UTC)

    def to_listen(self) -> ListenIn:
        return ListenIn(
            listened_at=self.listened_at,
            artist_name=self.artist_name,
            track_name=self.track_name,
            release_name=self.release_name,
            duration_ms=self.duration_ms,
            ms_played=self.ms_played,
            skipped=self.skipped,
            track_id=self.track_id,
            isrc=self.isrc,
            recording_mbid=self.recording_mbid,
            spotify_id=self.spotify_id,
            client=self.client,
            platform=self.platform,
        )


class ListenBatch(Strict):
    """Up to 1,000 listens in one call."""

    listens: Annotated[list[ListenCreate], Field(min_length=1, max_length=1000)]


class ListensAccepted(BaseModel):
    accepted: int
    duplicates: int
    ids: list[uuid.UUID]


class ListenOut(BaseModel):
    id: uuid.UUID
    listened_at: datetime
    artist_name: str
    track_name: str
    release_name: str | None
    duration_ms: int | None
    ms_played: int | None
    skipped: bool
    track_id: uuid.UUID | None
    recording_msid: uuid.UUID
    recording_mbid: uuid.UUID | None
    isrc: str | None
    spotify_id: str | None
    client: str | None
    platform: str
    inserted_at: datetime


class ListenPage(BaseModel):
    items: list[ListenOut]
    next_cursor: str | None


class ImportRefusalOut(BaseModel):
    location: str
    reason: str


class ImportOut(BaseModel):
    id: uuid.UUID
    format: Literal["listenbrainz", "spotify"]
    filename: str
    status: Literal["queued", "running", "done", "failed"]
    rows_read: int
    imported: int
    duplicates: int
    refused: int
    skipped: dict[str, int]
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ImportDetail(ImportOut):
    refusals: list[ImportRefusalOut]


class ImportList(BaseModel):
    items: list[ImportOut]


class DayPlays(BaseModel):
    day: date
    plays: int
    listeners: int


class TrackStats(BaseModel):
    track_id: uuid.UUID
    total_plays: int
    days: list[DayPlays]


class ChartEntry(BaseModel):
    rank: int
    score: float
    plays: int
    track: TrackOut


class Chart(BaseModel):
    items: list[ChartEntry]


class TopTrack(BaseModel):
    track_id: uuid.UUID
    title: str
    plays: int


class Earning(BaseModel):
    asset: str
    lifetime: str


class Dashboard(BaseModel):
    days: int
    plays: int
    listeners: int
    followers: int
    top_tracks: list[TopTrack]
    earnings: list[Earning]
