"""Demo taste: a backbeat-audio-v1 vector for every demo track (from its demo loop, computed
here rather than waiting for the analysis job), and a taste for every user from their demo
listens and likes; the report shows one listener's recommendations and why.

Idempotent: tracks that have a vector keep it, and a recompute gives the same taste again.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import anyio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.config import Settings
from backbeat.media.service import storage_for
from backbeat.media.storage import Storage
from backbeat.taste.audio_features import audio_embedding
from backbeat.taste.service import embeddings, vectors
from backbeat.taste.service.audio import store_on_tracks

WITHOUT_VECTOR = text(
    "select t.id, o.sha256 from catalog_tracks t join media_objects o on o.id = t.audio_object_id "
    "where t.import_key like 'demo:%' and t.deleted_at is null and not exists ("
    "  select 1 from taste_track_embeddings e join taste_embedding_models m on m.id = e.model_id "
    "  where e.track_id = t.id and m.name = :model)"
)
DEMO_PEOPLE = text(
    "select id from identity_users where email like '%@demo.backbeat.local' "
    "or id in (select created_by from catalog_tracks where import_key like 'demo:%') "
    "order by username"
)


async def embed_demo_tracks(session: AsyncSession, storage: Storage) -> None:
    """The audio model's vector for each demo track that has a loop and no vector yet."""
    rows = (await session.execute(WITHOUT_VECTOR, {"model": embeddings.AUDIO_MODEL})).all()
    for track_id, sha256 in rows:
        async with storage.local_copy(sha256) as path:
            vector = await anyio.to_thread.run_sync(audio_embedding, path)
        await store_on_tracks(session, [track_id], vector)


async def sample_line(session: AsyncSession, user: uuid.UUID, settings: Settings) -> str:
    """One listener's first recommendation and the track it is there because of."""
    taste = await embeddings.user_taste_vector(session, user)
    name = await session.scalar(
        text("select username from identity_users where id = :u"), {"u": user}
    )
    if taste is None:
        return f"{name} has no taste yet"
    since = datetime.now(UTC) - timedelta(days=settings.taste_recent_days)
    found = await embeddings.nearest_tracks(session, taste, k=10, for_user=user, heard_since=since)
    if not found:
        return f"{name}: no recommendations"
    title = await session.scalar(
        text("select title from catalog_tracks where id = :t"), {"t": found[0].track_id}
    )
    because = await session.scalar(
        text(
            "select t.title from taste_influences(:u, (select id from taste_embedding_models "
            "where name = :m), :h, 1) i join catalog_tracks t on t.id = i.track_id"
        ),
        {"u": user, "m": embeddings.AUDIO_MODEL, "h": settings.taste_half_life_days},
    )
    return (
        f"{name}: {len(found)} recommendations, first {title!r} ({found[0].match}% match), "
        f"because you played {because!r}"
    )


async def load_taste_demo(session: AsyncSession, settings: Settings) -> list[str]:
    """Vectors for the demo tracks, then every demo user's taste from scratch."""
    await embed_demo_tracks(session, storage_for(settings))
    people = list(await session.scalars(DEMO_PEOPLE))
    with_taste = 0
    for person in people:
        made = await vectors.recompute_user(
            session, person, half_life_days=settings.taste_half_life_days
        )
        with_taste += 1 if made else 0
    embedded = await session.scalar(
        text(
            "select count(*) from taste_track_embeddings e join catalog_tracks t "
            "on t.id = e.track_id where t.import_key like 'demo:%'"
        )
    )
    lines = [f"{embedded} demo tracks have vectors; {with_taste} of {len(people)} users a taste"]
    listeners = [p for p in people if await embeddings.user_taste_vector(session, p) is not None]
    if listeners:
        lines.append(await sample_line(session, listeners[0], settings))
    return lines


def taste_demo_loader(settings: Settings) -> Callable[[AsyncSession], Awaitable[list[str]]]:
    """The loader bound to the configured storage and taste settings."""

    async def load(session: AsyncSession) -> list[str]:
        return await load_taste_demo(session, settings)

    return load
