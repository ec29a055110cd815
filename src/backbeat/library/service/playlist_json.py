"""Playlists as JSON built by PostgreSQL: one statement per page (head, items, next cursor)."""

from __future__ import annotations

import uuid

from backbeat.catalog.service.track_json import track_json
from backbeat.errors import NotFound
from backbeat.library.service.pages import decode_cursor, page_json
from backbeat.reads import Read, ReadSession

TRACK = track_json(contact_info="null", credits=None)
PROFILE = "json_build_object('id', o.id, 'username', o.username, 'display_name', o.display_name)"
HEAD = f"""'id', p.id, 'owner', {PROFILE}, 'name', p.name, 'description', p.description,
  'is_public', p.is_public, 'collaborative', p.collaborative,
  'cover_object_id', p.cover_object_id, 'created_at', p.created_at, 'updated_at', p.updated_at,
  'item_count', (select count(*) from library_playlist_items c where c.playlist_id = p.id)"""  # noqa: S608
ITEM = f"""json_build_object('id', i.id, 'position', i.position,
  'track_id', case when t.id is null then null else i.track_id end,
  'available', t.id is not null, 'added_by', i.added_by, 'added_at', i.added_at,
  'track', case when t.id is null then null else {TRACK} end)"""
"""A track that is private to someone else or deleted shows as unavailable: no id, no data."""

PLAYLIST_READ = Read(f"""with items as (
  select i.position, {ITEM} as item
  from library_playlist_items i
  left join catalog_tracks t on t.id = i.track_id and t.deleted_at is null
  where i.playlist_id = %(id)s
    and (cast(%(after)s as text) is null or i.position > cast(%(after)s as text) collate "C")
  order by i.position limit %(limit)s + 1
)
select json_build_object({HEAD},
  'items', coalesce((select json_agg(x.item order by x.position)
    from (select * from items order by position limit %(limit)s) x), '[]'::json),
  'next_cursor', case when (select count(*) from items) > %(limit)s then
    (select position from items order by position offset %(limit)s - 1 limit 1) end)::text
from library_playlists p join identity_public_profiles o on o.id = p.owner_id
where p.id = %(id)s""")  # noqa: S608
"""RLS shows a public playlist to all and a private one to its owner and members only."""


async def read_playlist(
    read: ReadSession, playlist_id: uuid.UUID, *, cursor: str | None, limit: int
) -> str:
    """A playlist and one page of its items, in order."""
    found = await read.one(PLAYLIST_READ, id=playlist_id, after=cursor, limit=limit)
    if found is None:
        raise NotFound(f"No playlist {playlist_id}")
    return found


USER_PLAYLISTS_READ = Read(f"""select json_build_object({HEAD})::text, p.created_at::text,
  p.id::text
from library_playlists p join identity_public_profiles o on o.id = p.owner_id
where lower(o.username) = lower(%(username)s)
  and (cast(%(after_key)s as timestamptz) is null or (p.created_at, p.id)
       < (cast(%(after_key)s as timestamptz), cast(%(after_id)s as uuid)))
order by p.created_at desc, p.id desc limit %(limit)s""")  # noqa: S608
"""A user's public playlists (and, to the user, their private ones: RLS decides)."""


async def user_playlists(
    read: ReadSession, username: str, *, cursor: str | None, limit: int
) -> str:
    after_key, after_id = decode_cursor(cursor)
    rows = await read.rows(
        USER_PLAYLISTS_READ,
        username=username,
        after_key=after_key,
        after_id=after_id,
        limit=limit + 1,
    )
    return page_json(rows, limit)


EXPORT_READ = Read("""select json_build_object('name', p.name, 'description', p.description,
  'owner', o.username, 'created_at', p.created_at,
  'tracks', coalesce((select json_agg(json_build_object('id', t.id, 'title', t.title,
      'artist', t.artist, 'duration_seconds', t.duration_seconds) order by i.position)
    from library_playlist_items i
    join catalog_tracks t on t.id = i.track_id and t.deleted_at is null
    where i.playlist_id = p.id), '[]'::json))::text
from library_playlists p join identity_public_profiles o on o.id = p.owner_id
where p.id = %(id)s""")
"""What an export needs: the playlist and its available tracks, in order."""


async def export_source(read: ReadSession, playlist_id: uuid.UUID) -> str:
    found = await read.one(EXPORT_READ, id=playlist_id)
    if found is None:
        raise NotFound(f"No playlist {playlist_id}")
    return found


SUMMARY_SQL = f"""select json_build_object({HEAD})::text
from library_playlists p join identity_public_profiles o on o.id = p.owner_id
where p.id = :id"""  # noqa: S608
"""The playlist head inside a write's own transaction (a lean read would not see it yet)."""
