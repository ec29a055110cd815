"""Playlists: create, change, delete; items at fractional positions; collaborators."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.errors import NotFound
from backbeat.identity.models import uuid7
from backbeat.library.errors import BadNeighbours, NotAllowedOnPlaylist
from backbeat.library.positions import MAX_KEY_LENGTH, key_between, spread
from backbeat.library.service.playlist_json import SUMMARY_SQL

EDITABLE = ("name", "description", "is_public", "collaborative", "cover_object_id")


@dataclass(frozen=True)
class Access:
    """What the caller may do with a playlist they can see."""

    owner: bool
    editor: bool


async def access(session: AsyncSession, playlist_id: uuid.UUID) -> Access:
    """404 for a playlist the caller cannot see (RLS hides it), else their rights."""
    found = (
        await session.execute(
            text(
                "select library_playlist_role(p.id) = 'owner', library_can_edit_playlist(p.id) "
                "from library_playlists p where p.id = :id"
            ),
            {"id": playlist_id},
        )
    ).first()
    if found is None:
        raise NotFound(f"No playlist {playlist_id}")
    return Access(bool(found[0]), bool(found[1]))


async def _require_owner(session: AsyncSession, playlist_id: uuid.UUID) -> None:
    if not (await access(session, playlist_id)).owner:
        raise NotAllowedOnPlaylist("Only the playlist's owner may do that.")


async def create_playlist(
    session: AsyncSession, fields: dict[str, Any], *, actor: uuid.UUID
) -> uuid.UUID:
    """A new playlist owned by the caller."""
    values = {name: fields.get(name) for name in EDITABLE}
    found = await session.execute(
        text(
            "insert into library_playlists (id, owner_id, name, description, is_public, "
            "collaborative, cover_object_id, created_at, updated_at) values (:id, :actor, :name, "
            "coalesce(:description, ''), coalesce(:is_public, false), "
            "coalesce(:collaborative, false), :cover_object_id, clock_timestamp(), "
            "clock_timestamp()) returning id"
        ),
        {**values, "id": uuid7(), "actor": actor},
    )
    return uuid.UUID(str(found.scalar_one()))


async def patch_playlist(
    session: AsyncSession, playlist_id: uuid.UUID, changes: dict[str, Any]
) -> None:
    """Change the given fields of your playlist."""
    await _require_owner(session, playlist_id)
    sets = [f"{name} = :{name}" for name in EDITABLE if name in changes]
    if sets:
        # Only names from EDITABLE are interpolated; every value is a bound parameter.
        sql = f"update library_playlists set {', '.join(sets)}, updated_at = now() where id = :id"  # noqa: S608
        await session.execute(text(sql), {**changes, "id": playlist_id})


async def delete_playlist(session: AsyncSession, playlist_id: uuid.UUID) -> None:
    await _require_owner(session, playlist_id)
    await session.execute(text("delete from library_playlists where id = :id"), {"id": playlist_id})


async def add_member(session: AsyncSession, playlist_id: uuid.UUID, username: str) -> uuid.UUID:
    """Make a user a collaborator of your playlist."""
    await _require_owner(session, playlist_id)
    user = await session.scalar(
        text("select id from identity_public_profiles where lower(username) = lower(:name)"),
        {"name": username},
    )
    if user is None:
        raise NotFound(f"No user {username!r}")
    await session.execute(
        text(
            "insert into library_playlist_members (playlist_id, user_id) values (:id, :user) "
            "on conflict do nothing"
        ),
        {"id": playlist_id, "user": user},
    )
    return uuid.UUID(str(user))


async def _lock_for_edit(session: AsyncSession, playlist_id: uuid.UUID) -> None:
    """Edits of one playlist's order run one at a time (a transaction-scoped advisory lock, so
    collaborators need no UPDATE right on the playlist row)."""
    if not (await access(session, playlist_id)).editor:
        raise NotAllowedOnPlaylist("Only the owner or a collaborator may change the items.")
    await session.execute(
        text("select pg_advisory_xact_lock(hashtextextended('library_playlist:' || :id, 0))"),
        {"id": str(playlist_id)},
    )


async def _position_of(session: AsyncSession, playlist_id: uuid.UUID, item: uuid.UUID) -> str:
    found = await session.scalar(
        text("select position from library_playlist_items where id = :item and playlist_id = :id"),
        {"item": item, "id": playlist_id},
    )
    if found is None:
        raise BadNeighbours(f"Item {item} is not in this playlist.")
    return str(found)


async def _next(session: AsyncSession, playlist_id: uuid.UUID, key: str | None, up: bool) -> Any:
    """The neighbouring position after (up) or before `key`; the end or the start for None."""
    op, order = (">", "asc") if up else ("<", "desc")
    where = f"and position {op} :key" if key is not None else ""
    # Only the fixed fragments above are interpolated.
    sql = f"select position from library_playlist_items where playlist_id = :id {where} order by position {order} limit 1"  # noqa: S608, E501
    return await session.scalar(text(sql), {"id": playlist_id, "key": key})


async def _slot(
    session: AsyncSession,
    playlist_id: uuid.UUID,
    before: uuid.UUID | None,
    after: uuid.UUID | None,
) -> tuple[str | None, str | None]:
    """The positions a new key goes between: right after `after` (still before `before` when
    both are named, even if another client inserted between them meanwhile), right before
    `before`, or at the end."""
    low = await _position_of(session, playlist_id, after) if after else None
    high = await _position_of(session, playlist_id, before) if before else None
    if low is not None and high is not None and low >= high:
        raise BadNeighbours("`after` must come before `before`.")
    if after:
        high = await _next(session, playlist_id, low, up=True)
    elif before:
        low = await _next(session, playlist_id, high, up=False)
    else:
        low = await _next(session, playlist_id, None, up=False)
    return low, high


async def rebalance(session: AsyncSession, playlist_id: uuid.UUID) -> int:
    """Evenly spaced short keys for every item, in one statement (rarely needed)."""
    ids = (
        await session.scalars(
            text("select id from library_playlist_items where playlist_id = :id order by position"),
            {"id": playlist_id},
        )
    ).all()
    await session.execute(
        text(
            "update library_playlist_items i set position = k.position "
            "from unnest(cast(:ids as uuid[]), cast(:keys as text[])) as k(id, position) "
            "where i.id = k.id"
        ),
        {"ids": list(ids), "keys": spread(len(ids))},
    )
    return len(ids)


async def _new_key(
    session: AsyncSession,
    playlist_id: uuid.UUID,
    before: uuid.UUID | None,
    after: uuid.UUID | None,
) -> str:
    low, high = await _slot(session, playlist_id, before, after)
    key = key_between(low, high)
    if len(key) > MAX_KEY_LENGTH:
        await rebalance(session, playlist_id)
        low, high = await _slot(session, playlist_id, before, after)
        key = key_between(low, high)
    return key


async def add_item(
    session: AsyncSession,
    playlist_id: uuid.UUID,
    track_id: uuid.UUID,
    *,
    before: uuid.UUID | None,
    after: uuid.UUID | None,
    actor: uuid.UUID,
) -> uuid.UUID:
    """Put a track between two neighbours (or at the end); concurrent adds both land."""
    await _lock_for_edit(session, playlist_id)
    visible = await session.scalar(
        text("select 1 from catalog_tracks where id = :id and deleted_at is null"),
        {"id": track_id},
    )
    if visible is None:
        raise NotFound(f"No track {track_id}")
    key = await _new_key(session, playlist_id, before, after)
    item_id = uuid7()
    await session.execute(
        text(
            "insert into library_playlist_items "
            "(id, playlist_id, position, track_id, added_by, added_at) "
            "values (:item, :id, :position, :track, :actor, clock_timestamp())"
        ),
        {"item": item_id, "id": playlist_id, "position": key, "track": track_id, "actor": actor},
    )
    return item_id


async def move_item(
    session: AsyncSession,
    playlist_id: uuid.UUID,
    item_id: uuid.UUID,
    *,
    before: uuid.UUID | None,
    after: uuid.UUID | None,
) -> None:
    """Move one item; only its own key changes."""
    await _lock_for_edit(session, playlist_id)
    await _position_of(session, playlist_id, item_id)
    if item_id in (before, after):
        raise BadNeighbours("An item cannot move next to itself.")
    key = await _new_key(session, playlist_id, before, after)
    await session.execute(
        text("update library_playlist_items set position = :key where id = :item"),
        {"key": key, "item": item_id},
    )


async def remove_item(session: AsyncSession, playlist_id: uuid.UUID, item_id: uuid.UUID) -> None:
    await _lock_for_edit(session, playlist_id)
    found = await session.execute(
        text(
            "delete from library_playlist_items where id = :item and playlist_id = :id returning id"
        ),
        {"item": item_id, "id": playlist_id},
    )
    if found.first() is None:
        raise NotFound(f"No item {item_id} in this playlist")


async def playlist_summary(session: AsyncSession, playlist_id: uuid.UUID) -> str:
    """PlaylistSummary JSON, read in the caller's transaction (after a create or a change)."""
    found = await session.scalar(text(SUMMARY_SQL), {"id": playlist_id})
    if found is None:
        raise NotFound(f"No playlist {playlist_id}")
    return str(found)
