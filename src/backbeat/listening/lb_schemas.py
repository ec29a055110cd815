"""The ListenBrainz-compatible API's documented shapes (its JSON, as ListenBrainz writes it)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class LbStatus(BaseModel):
    status: str


class LbError(BaseModel):
    code: int
    error: str


class LbTokenValidity(BaseModel):
    code: int
    message: str
    valid: bool
    user_name: str | None = None


class LbTrackMetadata(BaseModel):
    artist_name: str
    track_name: str
    release_name: str | None = None
    additional_info: dict[str, Any] = {}


class LbListen(BaseModel):
    listened_at: int | None = None
    inserted_at: int | None = None
    recording_msid: str | None = None
    user_name: str | None = None
    playing_now: bool | None = None
    track_metadata: LbTrackMetadata


class LbListensPayload(BaseModel):
    user_id: str
    count: int
    listens: list[LbListen]
    latest_listen_ts: int | None
    oldest_listen_ts: int | None
    playing_now: bool | None = None


class LbListens(BaseModel):
    payload: LbListensPayload


class LbCountPayload(BaseModel):
    count: int


class LbCount(BaseModel):
    payload: LbCountPayload


class LbPlayingNowPayload(BaseModel):
    count: int
    user_id: str
    playing_now: bool
    listens: list[LbListen]


class LbPlayingNow(BaseModel):
    payload: LbPlayingNowPayload
