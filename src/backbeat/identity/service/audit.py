"""Security events: an append-only trail the user (their own) and admins can query."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.errors import Forbidden
from backbeat.identity.models import SecurityEvent


@dataclass(frozen=True)
class ClientInfo:
    """Where a request came from, as recorded on sessions and events."""

    ip: str | None = None
    user_agent: str | None = None


async def record_event(
    session: AsyncSession,
    kind: str,
    *,
    user_id: uuid.UUID | None,
    client: ClientInfo,
    **detail: Any,
) -> None:
    """Append one event; detail must never hold a secret (tokens, codes, passwords)."""
    session.add(
        SecurityEvent(
            user_id=user_id,
            kind=kind,
            ip=client.ip,
            user_agent=client.user_agent,
            detail=detail,
        )
    )


async def list_events(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    limit: int = 50,
    before: uuid.UUID | None = None,
) -> Sequence[SecurityEvent]:
    """Newest first; `before` is the last id of the previous page (ids are time-ordered)."""
    query = select(SecurityEvent).where(SecurityEvent.user_id == user_id)
    if before is not None:
        query = query.where(SecurityEvent.id < before)
    rows = await session.scalars(query.order_by(SecurityEvent.id.desc()).limit(limit))
    return rows.all()


async def list_events_as_admin(
    session: AsyncSession,
    *,
    actor_role: str,
    user_id: uuid.UUID,
    limit: int = 50,
    before: uuid.UUID | None = None,
) -> Sequence[SecurityEvent]:
    """Any user's events, for an admin (row-level security checks the claim too)."""
    if actor_role != "admin":
        raise Forbidden("Only an admin can read other users' security events.")
    return await list_events(session, user_id=user_id, limit=limit, before=before)
