"""Playlists in and out: export as JSPF or M3U, import from JSPF."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.models import uuid7
from backbeat.library import jspf
from backbeat.library.positions import spread
from backbeat.library.service.playlist_json import export_source
from backbeat.reads import ReadSession

ExportFormat = Literal["jspf", "m3u"]
MEDIA_TYPES = {"jspf": "application/jspf+json", "m3u": "audio/x-mpegurl"}


@dataclass(frozen=True)
class Export:
    body: str
    media_type: str


async def export_playlist(
    read: ReadSession, playlist_id: uuid.UUID, fmt: ExportFormat, *, base_url: str
) -> Export:
    """The playlist's available tracks, in order, in the asked format."""
    source: dict[str, Any] = json.loads(await export_source(read, playlist_id))
    if fmt == "m3u":
        return Export(jspf.to_m3u(source, base_url=base_url), MEDIA_TYPES[fmt])
    url = f"{base_url.rstrip('/')}/v1/playlists/{playlist_id}"
    document = jspf.to_jspf(source, base_url=base_url, playlist_url=url)
    return Export(jspf.dumps(document), MEDIA_TYPES[fmt])


RESOLVE = """select t.id from catalog_tracks t where t.deleted_at is null and (
  (cast(:id as uuid) is not null and t.id = cast(:id as uuid)) or
  (cast(:id as uuid) is null and t.visibility = 'public'
   and lower(regexp_replace(btrim(t.artist), '\\s+', ' ', 'g'))
       = lower(regexp_replace(btrim(cast(:creator as text)), '\\s+', ' ', 'g'))
   and lower(regexp_replace(btrim(t.title), '\\s+', ' ', 'g'))
       = lower(regexp_replace(btrim(cast(:title as text)), '\\s+', ' ', 'g'))))
order by t.created_at, t.id limit 1"""
"""A JSPF track is a track the caller can see by its id, or a public one by creator + title."""


@dataclass(frozen=True)
class Imported:
    playlist_id: uuid.UUID
    added: int
    unmatched: int


async def import_jspf(session: AsyncSession, document: Any, *, actor: uuid.UUID) -> Imported:
    """A new private playlist of the JSPF's tracks that match the catalog."""
    playlist = jspf.from_jspf(document)
    found: list[uuid.UUID] = []
    for track in playlist.tracks[:5000]:
        params = {"id": track.track_id, "creator": track.creator, "title": track.title}
        match = await session.scalar(text(RESOLVE), params)
        if match is not None:
            found.append(uuid.UUID(str(match)))
    playlist_id = uuid7()
    await session.execute(
        text(
            "insert into library_playlists (id, owner_id, name, description) "
            "values (:id, :actor, :name, :description)"
        ),
        {
            "id": playlist_id,
            "actor": actor,
            "name": playlist.name,
            "description": playlist.description,
        },
    )
    if found:
        await session.execute(
            text(
                "insert into library_playlist_items "
                "(id, playlist_id, position, track_id, added_by) "
                "select k.id, :playlist, k.position, k.track, :actor from unnest("
                "cast(:ids as uuid[]), cast(:keys as text[]), cast(:tracks as uuid[])) "
                "as k(id, position, track)"
            ),
            {
                "playlist": playlist_id,
                "actor": actor,
                "ids": [uuid7() for _ in found],
                "keys": spread(len(found)),
                "tracks": found,
            },
        )
    return Imported(playlist_id, len(found), len(playlist.tracks) - len(found))
