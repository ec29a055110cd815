"""Factories shared by taste tests: a small test model and tracks with known vectors."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import httpx
import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.models import User as IdentityUser
from backbeat.taste.models import EmbeddingModel
from backbeat.taste.service import embeddings
from tests.catalog.factories import User
from tests.identity.factories import bearer, sign_in, signup
from tests.rls import make_track


async def small_model(
    session: AsyncSession, name: str = "test-four", dimension: int = 4
) -> EmbeddingModel:
    """A registered model of a few dimensions (its HNSW index made, rolled back with the test)."""
    return await embeddings.register_model(session, name=name, version="1", dimension=dimension)


async def track_with_vector(
    session: AsyncSession,
    owner: uuid.UUID,
    model: EmbeddingModel,
    values: Sequence[float],
    *,
    visibility: str = "public",
    bpm: float | None = None,
    sample_type: str = "beats",
) -> uuid.UUID:
    """A catalog track of `owner` with its vector in `model`."""
    track = await make_track(session, owner, visibility)
    await session.execute(
        text("update catalog_tracks set bpm = :bpm, sample_type = :s where id = :t"),
        {"bpm": bpm, "s": sample_type, "t": track},
    )
    await embeddings.store_track_vector(session, track, model, embeddings.normalised(values))
    return track


def around(axis: int, dimension: int, jitter: float, rng: np.random.Generator) -> list[float]:
    """A vector near one axis."""
    values = np.full(dimension, 0.05) + rng.uniform(0, jitter, dimension)
    values[axis] = 1.0
    return [float(v) for v in values]


async def listen(
    session: AsyncSession,
    user: uuid.UUID,
    track: uuid.UUID,
    at: datetime,
    *,
    ms_played: int | None = None,
    duration_ms: int | None = None,
    skipped: bool = False,
) -> None:
    """A listen of a catalog track (the taste trigger queues it)."""
    await session.execute(
        text(
            "insert into listening_listens (id, user_id, listened_at, artist_name, track_name, "
            "recording_msid, track_id, ms_played, duration_ms, skipped) values "
            "(gen_random_uuid(), :u, :at, 'a', 't', gen_random_uuid(), :t, :ms, :d, :s)"
        ),
        {"u": user, "at": at, "t": track, "ms": ms_played, "d": duration_ms, "s": skipped},
    )


async def admin_user(client: httpx.AsyncClient, session: AsyncSession) -> User:
    """A signed-up user made admin, signed in again so the token carries the role."""
    data = await signup(client)
    user = await session.get_one(IdentityUser, data["user"]["id"])
    user.roles = ["listener", "admin"]
    await session.flush()
    signed = (await sign_in(client, data["user"]["email"])).json()
    return User(
        uuid.UUID(data["user"]["id"]), data["user"]["username"], bearer(signed["access_token"])
    )
