"""The audit trail of a track: who changed its rights, a sheet or an edge, before and after."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.models import TrackHistory
from backbeat.catalog.schemas import HistoryOut
from backbeat.catalog.service.access import visible_track


def jsonable(value: Any) -> Any:
    """Dates, UUIDs and enums as the strings the API shows."""
    return json.loads(json.dumps(value, default=str))


async def record(
    session: AsyncSession,
    track_id: uuid.UUID,
    *,
    actor: uuid.UUID | None,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Append one history row (the table refuses updates and deletes)."""
    session.add(
        TrackHistory(
            track_id=track_id,
            actor_id=actor,
            action=action,
            before=jsonable(before),
            after=jsonable(after),
        )
    )


async def list_history(session: AsyncSession, track_id: uuid.UUID) -> list[HistoryOut]:
    """The history of a track the caller can see, oldest first (ids are time-ordered)."""
    await visible_track(session, track_id)
    rows = await session.scalars(
        select(TrackHistory).where(TrackHistory.track_id == track_id).order_by(TrackHistory.id)
    )
    return [
        HistoryOut(
            id=r.id, action=r.action, actor_id=r.actor_id, at=r.at, before=r.before, after=r.after
        )
        for r in rows
    ]
