"""Run SQL as a given caller's claims, the way the API does, to attack row-level security."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.db import ANONYMOUS, Claims, apply_claims


@asynccontextmanager
async def acting_as(
    session: AsyncSession, user_id: object | None = None, **claims: Any
) -> AsyncIterator[AsyncSession]:
    """Within the block the session is that user (or anonymous); the owner afterwards."""
    who = Claims(sub=str(user_id), payload=claims) if user_id is not None else ANONYMOUS
    await apply_claims(session, who)
    try:
        yield session
    finally:
        await session.execute(text("reset role; select set_config('request.jwt.claims', '', true)"))
