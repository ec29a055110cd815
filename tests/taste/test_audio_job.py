"""The audio model after media: analysis completing queues taste.embed_audio, which puts the
vector on every track using that audio; the catch-up finds audio whose tracks lack one."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backbeat.catalog.demo import load_catalog_demo
from backbeat.db import Database
from backbeat.identity.demo import load_demo_users
from backbeat.media.demo import load_media_demo
from backbeat.media.storage import LocalStorage
from backbeat.media.tasks import analyse_audio_file
from backbeat.taste.audio_features import audio_embedding
from backbeat.taste.service import audio, embeddings
from tests.conftest import rollback_database, settings_for_tests


async def test_analysis_queues_the_audio_vector(
    session: AsyncSession, database: Database, connection: AsyncConnection, tmp_path: Path
) -> None:
    settings = settings_for_tests(data_dir=tmp_path / "data")
    await load_demo_users(session)
    await load_catalog_demo(session)
    await load_media_demo(session, settings)
    row = (
        await session.execute(
            text(
                "select a.id, a.object_id, t.id as track_id, o.sha256 from media_audio_files a "
                "join catalog_tracks t on t.audio_object_id = a.object_id "
                "join media_objects o on o.id = a.object_id order by t.title limit 1"
            )
        )
    ).one()
    storage = LocalStorage(settings.media_dir)
    shared = rollback_database(database, connection)
    missing_before = await audio.objects_missing_vectors(session, limit=1000)

    assert await analyse_audio_file(shared, storage, row.id) == "complete"
    queued = await session.scalar(
        text(
            "select count(*) from procrastinate_jobs where task_name = 'backbeat:taste.embed_audio'"
            " and args ->> 'object_id' = :o and status = 'todo'"
        ),
        {"o": str(row.object_id)},
    )
    assert queued == 1
    assert row.object_id not in missing_before  # not analysed yet: nothing to catch up
    assert row.object_id in await audio.objects_missing_vectors(session, limit=1000)

    assert await audio.embed_object(shared, storage, row.object_id) >= 1
    stored = await embeddings.track_vector(session, row.track_id)
    assert stored is not None
    expected = audio_embedding(storage.path_of(row.sha256))
    assert np.allclose(stored, expected, atol=1e-6)
    assert row.object_id not in await audio.objects_missing_vectors(session, limit=1000)
    assert await audio.embed_object(shared, storage, uuid.uuid4()) == 0
