"""The built-in audio model: every track whose audio media has analysed gets a vector.

Media knows nothing of taste. A trigger on `media_audio_files` (analysis_status becoming
`complete`) and one on `catalog_tracks` (a track pointing at already analysed audio) queue
`taste.embed_audio` for the object; the hourly catch-up finds any track still without one (a
job that failed for good, tracks from before this migration).
"""

from __future__ import annotations

import uuid

import anyio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.db import Database, session_scope
from backbeat.media.sniff import MediaRejected
from backbeat.media.storage import Storage
from backbeat.taste.audio_features import audio_embedding
from backbeat.taste.service.embeddings import AUDIO_MODEL, Vector, get_model, store_track_vector

TRACKS_OF_OBJECT = text(
    "select t.id from catalog_tracks t join media_audio_files a on a.object_id = t.audio_object_id "
    "where t.audio_object_id = :object and a.analysis_status = 'complete' and t.deleted_at is null"
)


async def embed_object(database: Database, storage: Storage, object_id: uuid.UUID) -> int:
    """Compute the audio's vector once and store it on every track using that audio; how many
    tracks got it (0 when the object is gone, unanalysed or undecodable)."""
    async with session_scope(database) as session:
        sha256 = await session.scalar(
            text("select sha256 from media_objects where id = :id"), {"id": object_id}
        )
        tracks = list(await session.scalars(TRACKS_OF_OBJECT, {"object": object_id}))
    if sha256 is None or not tracks:
        return 0
    try:
        async with storage.local_copy(sha256) as path:
            vector = await anyio.to_thread.run_sync(audio_embedding, path)
    except MediaRejected:
        return 0
    async with session_scope(database) as session:
        await store_on_tracks(session, tracks, vector)
    return len(tracks)


async def store_on_tracks(session: AsyncSession, tracks: list[uuid.UUID], vector: Vector) -> None:
    """The audio model's vector on each of these tracks."""
    model = await get_model(session, AUDIO_MODEL)
    for track in tracks:
        await store_track_vector(session, track, model, vector)


async def objects_missing_vectors(session: AsyncSession, *, limit: int = 200) -> list[uuid.UUID]:
    """Analysed audio some live track uses that has no audio-model vector yet."""
    rows = await session.scalars(
        text(
            "select distinct t.audio_object_id from catalog_tracks t "
            "join media_audio_files a on a.object_id = t.audio_object_id "
            "where a.analysis_status = 'complete' and t.deleted_at is null "
            "and not exists (select 1 from taste_track_embeddings e "
            "  join taste_embedding_models m on m.id = e.model_id "
            "  where e.track_id = t.id and m.name = :model) limit :limit"
        ),
        {"model": AUDIO_MODEL, "limit": limit},
    )
    return list(rows)
