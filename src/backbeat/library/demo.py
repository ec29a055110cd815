"""Demo library: likes, a dislike, follows of every demo creator, two playlists per account."""

from __future__ import annotations

import random
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.models import uuid7
from backbeat.library.positions import spread

PLAYLISTS = (("Late night", True), ("Work in progress", False))


async def _ids(session: AsyncSession, sql: str) -> list[uuid.UUID]:
    return [uuid.UUID(str(r)) for r in await session.scalars(text(sql))]


async def load_library_demo(session: AsyncSession) -> list[str]:
    """Every demo account likes, follows and keeps playlists; skipped where they exist."""
    people = await _ids(
        session,
        "select id from identity_users where email like '%@demo.backbeat.local' "
        "or id in (select created_by from catalog_tracks where import_key like 'demo:%') "
        "order by username",
    )
    tracks = await _ids(
        session,
        "select id from catalog_tracks where visibility = 'public' and deleted_at is null "
        "order by created_at, id",
    )
    creators = await _ids(
        session,
        "select distinct created_by from catalog_tracks where import_key like 'demo:%' order by 1",
    )
    for seed, person in enumerate(people):
        exists = await session.scalar(
            text("select exists (select 1 from library_playlists where owner_id = :u)"),
            {"u": person},
        )
        if exists or not tracks:
            continue
        rng = random.Random(seed)
        await _likes_and_follows(session, person, rng, tracks, creators)
        for name, public in PLAYLISTS:
            await _playlist(
                session, person, name, public, rng.sample(tracks, k=min(8, len(tracks)))
            )
    playlists, likes, follows = (
        await session.execute(
            text(
                "select (select count(*) from library_playlists), "
                "(select count(*) from library_likes), (select count(*) from library_follows)"
            )
        )
    ).one()
    return [f"{playlists} playlists, {likes} likes, {follows} follows of {len(people)} accounts"]


async def _likes_and_follows(
    session: AsyncSession,
    person: uuid.UUID,
    rng: random.Random,
    tracks: list[uuid.UUID],
    creators: list[uuid.UUID],
) -> None:
    liked = rng.sample(tracks, k=min(12, len(tracks)))
    await session.execute(
        text(
            "insert into library_likes (user_id, track_id) "
            "select :u, unnest(cast(:t as uuid[])) on conflict do nothing"
        ),
        {"u": person, "t": liked[:-1]},
    )
    await session.execute(
        text(
            "insert into library_dislikes (user_id, track_id) values (:u, :t) "
            "on conflict do nothing"
        ),
        {"u": person, "t": liked[-1]},
    )
    await session.execute(
        text(
            "insert into library_follows (follower_id, kind, target_id) "
            "select :u, 'creator', c from unnest(cast(:c as uuid[])) as c where c <> :u "
            "on conflict do nothing"
        ),
        {"u": person, "c": creators},
    )


async def _playlist(
    session: AsyncSession, owner: uuid.UUID, name: str, public: bool, tracks: list[uuid.UUID]
) -> None:
    playlist = uuid7()
    await session.execute(
        text(
            "insert into library_playlists (id, owner_id, name, is_public, description) "
            "values (:id, :owner, :name, :public, 'Demo playlist')"
        ),
        {"id": playlist, "owner": owner, "name": name, "public": public},
    )
    await session.execute(
        text(
            "insert into library_playlist_items (id, playlist_id, position, track_id, added_by) "
            "select gen_random_uuid(), :id, k.position, k.track, :owner "
            "from unnest(cast(:keys as text[]), cast(:tracks as uuid[])) as k(position, track)"
        ),
        {"id": playlist, "owner": owner, "keys": spread(len(tracks)), "tracks": tracks},
    )
