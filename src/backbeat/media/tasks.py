"""Media background jobs: audio analysis, expiry of abandoned uploads, sweeping unused blobs."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

import anyio
import procrastinate
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat import jobs
from backbeat.db import Database, session_scope
from backbeat.media import links
from backbeat.media.analysis import AudioAnalysis, analyse_audio
from backbeat.media.models import AudioFile, Blob, MediaObject, Upload
from backbeat.media.service import storage_for
from backbeat.media.sniff import MediaRejected
from backbeat.media.storage import Storage

log = logging.getLogger(__name__)

WAVEFORM_POINTS = 1000
BLOB_GRACE = timedelta(hours=1)
"""An unused blob is kept this long, so an upload that just found it stored can still use it."""


async def analyse_audio_file(database: Database, storage: Storage, audio_file_id: uuid.UUID) -> str:
    """Analyse the file's bytes and write the results on its record; returns the new status."""
    async with session_scope(database) as session:
        record = await session.get(AudioFile, audio_file_id, with_for_update=True)
        if record is None:
            return "missing"
        sha256 = await session.scalar(
            select(MediaObject.sha256).where(MediaObject.id == record.object_id)
        )
        record.analysis_status = "running"
    if sha256 is None:
        return "missing"
    try:
        async with storage.local_copy(sha256) as path:
            result = await anyio.to_thread.run_sync(
                lambda: analyse_audio(path, waveform_points=WAVEFORM_POINTS)
            )
    except MediaRejected as exc:
        return await _record(database, audio_file_id, None, str(exc))
    return await _record(database, audio_file_id, result, None)


async def _record(
    database: Database, audio_file_id: uuid.UUID, result: AudioAnalysis | None, error: str | None
) -> str:
    """Write the analysis (or why it failed) on the audio file."""
    values: dict[str, object] = {"updated_at": datetime.now(UTC)}
    if result is None:
        values |= {"analysis_status": "failed", "analysis_error": error}
    else:
        values |= {
            "analysis_status": "complete",
            "analysis_error": None,
            "duration_seconds": result.duration_seconds,
            "sample_rate": result.sample_rate,
            "bit_depth": result.bit_depth,
            "channels": result.channels,
            "format": result.format,
            "loudness_lufs": result.loudness_lufs,
            "true_peak_dbtp": result.true_peak_dbtp,
            "bpm": result.bpm,
            "key": result.key,
            "waveform": [list(pair) for pair in result.waveform],
        }
    async with session_scope(database) as session:
        await session.execute(
            update(AudioFile).where(AudioFile.id == audio_file_id).values(**values)
        )
        record = await session.get(AudioFile, audio_file_id, populate_existing=True)
        if result is not None and record is not None:
            await links.fill_linked_tracks(session, record)
    return str(values["analysis_status"])


async def expire_uploads(session: AsyncSession, storage: Storage, *, now: datetime) -> int:
    """Abandoned resumable uploads: bytes dropped, state failed with code upload_expired."""
    expired = list(
        await session.scalars(
            select(Upload)
            .where(Upload.state == "receiving", Upload.expires_at < now)
            .with_for_update(skip_locked=True)
        )
    )
    for upload in expired:
        storage.resumable_file(str(upload.id)).unlink(missing_ok=True)
        upload.state, upload.failure_code = "failed", "upload_expired"
        upload.failure_reason = "No bytes arrived before the upload expired."
    return len(expired)


async def sweep_blobs(
    session: AsyncSession, storage: Storage, *, grace: timedelta = BLOB_GRACE
) -> int:
    """Delete bytes no object has used for `grace` (row locks keep a concurrent upload safe)."""
    unused = list(
        await session.scalars(
            select(Blob.sha256)
            .where(Blob.refcount <= 0, Blob.updated_at <= datetime.now(UTC) - grace)
            .with_for_update(skip_locked=True)
        )
    )
    for sha256 in unused:
        await storage.delete(sha256)
    if unused:
        await session.execute(delete(Blob).where(Blob.sha256.in_(unused)))
    return len(unused)


@jobs.tasks.task(name="media.analyse", pass_context=True, retry=jobs.DEFAULT_RETRY)
async def analyse_job(context: procrastinate.JobContext, audio_file_id: str) -> str:
    """After an upload: loudness, true peak, tempo, key and waveform onto the audio file."""
    storage = storage_for(jobs.settings_of(context))
    return await analyse_audio_file(jobs.database_of(context), storage, uuid.UUID(audio_file_id))


@jobs.tasks.periodic(cron="*/15 * * * *", periodic_id="media-housekeeping")
@jobs.tasks.task(name="media.housekeeping", pass_context=True, retry=jobs.DEFAULT_RETRY)
async def housekeeping_job(context: procrastinate.JobContext, timestamp: int) -> list[int]:
    """Every 15 minutes: expire abandoned uploads and sweep unused blobs."""
    storage = storage_for(jobs.settings_of(context))
    async with session_scope(jobs.database_of(context)) as session:
        expired = await expire_uploads(session, storage, now=datetime.now(UTC))
        swept = await sweep_blobs(session, storage)
    return [expired, swept]
