"""Run SQL as a given caller's claims, the way the API does, to attack row-level security."""

from __future__ import annotations

import uuid
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


async def make_user(session: AsyncSession, name: str) -> uuid.UUID:
    """A bare user row to act as (no credentials: these tests never sign in)."""
    user = uuid.uuid4()
    await session.execute(
        text("insert into identity_users (id, username) values (:u, :n)"), {"u": user, "n": name}
    )
    return user


async def make_track(
    session: AsyncSession, owner: uuid.UUID, visibility: str, *, artist: str = "rls"
) -> uuid.UUID:
    """A bare catalog track row of `owner` with a given visibility (titled by it)."""
    track = uuid.uuid4()
    await session.execute(
        text(
            "insert into catalog_tracks (id, title, artist, sample_type, visibility, created_by) "
            "values (:t, :v, :a, 'beats', :v, :u)"
        ),
        {"t": track, "v": visibility, "a": artist, "u": owner},
    )
    return track
