"""Likes and dislikes: a user's library of tracks, and the tracks they do not want."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.service.track_json import track_json
from backbeat.errors import NotFound
from backbeat.library.service.pages import decode_cursor, page_json
from backbeat.reads import Read, ReadSession

VISIBLE = "select 1 from catalog_tracks t where t.id = :id and t.deleted_at is null"
"""A track the caller may see (RLS: public, unlisted or their own)."""


async def _require_visible(session: AsyncSession, track_id: uuid.UUID) -> None:
    if (await session.execute(text(VISIBLE), {"id": track_id})).first() is None:
        raise NotFound(f"No track {track_id}")


async def like_track(session: AsyncSession, track_id: uuid.UUID, *, actor: uuid.UUID) -> None:
    """Add a track to your library (again is a no-op); a like replaces a dislike."""
    await _require_visible(session, track_id)
    await session.execute(
        text(
            "insert into library_likes (user_id, track_id, liked_at) "
            "values (:actor, :id, clock_timestamp()) "
            "on conflict do nothing"
        ),
        {"actor": actor, "id": track_id},
    )
    await session.execute(
        text("delete from library_dislikes where user_id = :actor and track_id = :id"),
        {"actor": actor, "id": track_id},
    )


async def unlike_track(session: AsyncSession, track_id: uuid.UUID, *, actor: uuid.UUID) -> None:
    await session.execute(
        text("delete from library_likes where user_id = :actor and track_id = :id"),
        {"actor": actor, "id": track_id},
    )


async def dislike_track(session: AsyncSession, track_id: uuid.UUID, *, actor: uuid.UUID) -> None:
    """Mark a track as unwanted (recommendations skip it); a dislike replaces a like."""
    await _require_visible(session, track_id)
    await session.execute(
        text(
            "insert into library_dislikes (user_id, track_id, disliked_at) "
            "values (:actor, :id, clock_timestamp()) "
            "on conflict do nothing"
        ),
        {"actor": actor, "id": track_id},
    )
    await unlike_track(session, track_id, actor=actor)


async def undislike_track(session: AsyncSession, track_id: uuid.UUID, *, actor: uuid.UUID) -> None:
    await session.execute(
        text("delete from library_dislikes where user_id = :actor and track_id = :id"),
        {"actor": actor, "id": track_id},
    )


TRACK = track_json(contact_info="null", credits=None)
LIBRARY_READ = Read(f"""select json_build_object('track_id', l.track_id, 'liked_at', l.liked_at,
  'available', t.id is not null,
  'track', case when t.id is null then null else {TRACK} end)::text,
  l.liked_at::text, l.track_id::text
from library_likes l
left join catalog_tracks t on t.id = l.track_id and t.deleted_at is null
where l.user_id = (select auth.uid())
  and (cast(%(after_key)s as timestamptz) is null or (l.liked_at, l.track_id)
       < (cast(%(after_key)s as timestamptz), cast(%(after_id)s as uuid)))
order by l.liked_at desc, l.track_id desc limit %(limit)s""")  # noqa: S608
"""A liked track that became private or was deleted shows as unavailable, never its data."""


async def library_page(read: ReadSession, *, cursor: str | None, limit: int) -> str:
    """Your liked tracks, newest first."""
    after_key, after_id = decode_cursor(cursor)
    rows = await read.rows(LIBRARY_READ, after_key=after_key, after_id=after_id, limit=limit + 1)
    return page_json(rows, limit)
