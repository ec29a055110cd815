"""Presence rows (the seed's session_states): a device on a project's live socket, refreshed by
heartbeats so `GET …/presence` answers from any API process."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.studio.models import Presence
from backbeat.studio.service import sessions
from backbeat.studio.service.access import role_of
from backbeat.studio.service.projects import note_opened


@dataclass(frozen=True)
class DeviceState:
    """Where a device is in the project."""

    cursor: float | None = None
    view_state: dict[str, Any] | None = None
    active_tool: str | None = None


async def join(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID, device_id: str
) -> str:
    """The caller's role; their device is present from now on."""
    role = await role_of(session, project_id)
    await note_opened(session, project_id)
    await save_state(session, project_id, user_id, device_id, DeviceState())
    await sessions.join_running(session, project_id, user_id, role)
    return role


async def save_state(
    session: AsyncSession,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    device_id: str,
    state: DeviceState,
) -> None:
    """Record the device's latest state and that it is still there."""
    values = {
        "cursor_seconds": state.cursor,
        "view_state": state.view_state or {},
        "active_tool": state.active_tool,
        "last_seen_at": func.now(),
    }
    statement = insert(Presence).values(
        project_id=project_id, user_id=user_id, device_id=device_id, **values
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["project_id", "user_id", "device_id"], set_=values
        )
    )


async def leave(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID, device_id: str
) -> None:
    """The device is gone."""
    await session.execute(
        delete(Presence).where(
            Presence.project_id == project_id,
            Presence.user_id == user_id,
            Presence.device_id == device_id,
        )
    )
    still_here = await session.scalar(
        select(Presence.device_id)
        .where(Presence.project_id == project_id, Presence.user_id == user_id)
        .limit(1)
    )
    if still_here is None:
        await sessions.leave_running(session, project_id, user_id)
