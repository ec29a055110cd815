"""Finding a track the caller may read or manage, with the right 404 or 403."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.models import Track
from backbeat.errors import Forbidden, NotFound


async def visible_track(session: AsyncSession, track_id: uuid.UUID) -> Track:
    """A live track the caller can see (row-level security hides the rest)."""
    track = await session.scalar(
        select(Track).where(Track.id == track_id, Track.deleted_at.is_(None))
    )
    if track is None:
        raise NotFound(f"No track {track_id}")
    return track


async def owned_track(
    session: AsyncSession, track_id: uuid.UUID, actor: uuid.UUID, *, lock: bool = False
) -> Track:
    """A live track the caller created; `lock` serialises writers of its sheets."""
    track = await visible_track(session, track_id)
    if track.created_by != actor:
        raise Forbidden("Only the track's creator can change it")
    if lock:
        await session.execute(select(Track.id).where(Track.id == track_id).with_for_update())
    return track
