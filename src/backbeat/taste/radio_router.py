"""HTTP routes of radio: start a station, continue it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from backbeat.edge import DbSession
from backbeat.identity.auth import CurrentUser
from backbeat.taste.schemas import StationIn, StationNext, StationOut
from backbeat.taste.service import radio

router = APIRouter(prefix="/v1", tags=["taste"])


@router.post("/radio", response_model=StationOut, status_code=status.HTTP_201_CREATED)
async def start(body: StationIn, session: DbSession, user: CurrentUser) -> StationOut:
    """A station seeded by a track, an artist, or your taste."""
    return await radio.start_station(session, body, actor=user.user_id)


@router.get("/radio/{station_id}/next", response_model=StationNext)
async def next_tracks(
    station_id: uuid.UUID,
    session: DbSession,
    user: CurrentUser,
    n: Annotated[int, Query(ge=1, le=50)] = 10,
) -> StationNext:
    """The station's next n tracks: never one it handed out before, drifting from the seed,
    steered away from what you skipped."""
    return await radio.next_tracks(session, station_id, n, actor=user.user_id)
