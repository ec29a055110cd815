"""The upload pipeline: a staged file, then analysing → compressing → storing → finalising.

`analysing` is the validation gate (validation.py); audio analysis proper runs later, as a job.

Each stage's state and progress is written (visible to GET) and published (live for SSE). The
object becomes visible in the same transaction that moves its bytes into place; any refusal
deletes the staged files, so a refused upload leaves no object and no orphan bytes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat import jobs
from backbeat.config import Settings
from backbeat.db import Claims, session_scope
from backbeat.errors import AppError
from backbeat.media import progress, service
from backbeat.media.errors import InvalidParent, InvalidPreset, ObjectExists
from backbeat.media.images import PRESETS, compress_image, make_thumbnail
from backbeat.media.models import AudioFile, Bucket, MediaObject, Upload
from backbeat.media.probe import Validated
from backbeat.media.service import MediaContext, StoredObject
from backbeat.media.staging import Staged, hash_file
from backbeat.media.storage import Storage
from backbeat.media.validation import validate_bytes

DEFAULT_IMAGE_PRESET = "optimized"


def check_preset(preset: str | None) -> str | None:
    """None or one of the seed's presets."""
    if preset is not None and preset not in PRESETS:
        raise InvalidPreset(f"preset must be one of {', '.join(PRESETS)}")
    return preset


async def set_stage(
    ctx: MediaContext, upload: Upload, state: str, percent: int, **values: Any
) -> None:
    """Commit a stage in its own short owner transaction, then publish it: GET and SSE agree."""
    upload.state, upload.progress = state, percent
    for name, value in values.items():
        setattr(upload, name, value)
    async with session_scope(ctx.database) as session:
        await session.execute(
            update(Upload)
            .where(Upload.id == upload.id)
            .values(state=state, progress=percent, updated_at=datetime.now(UTC), **values)
        )
    await progress.publish(ctx.broker, upload)


@dataclass
class Prepared:
    """What the storing stage moves into place."""

    main: Staged
    content_type: str
    validated: Validated
    thumbnail: Staged | None = None
    leftovers: list[Path] = field(default_factory=list)


async def process(
    ctx: MediaContext, claims: Claims, upload: Upload, bucket: Bucket, staged: Staged
) -> StoredObject:
    """Run the stages, each recorded in a short transaction of its own, none held open over the
    slow work (decoding, compressing); on any refusal mark the upload failed, leave nothing."""
    prepared: Prepared | None = None
    try:
        await set_stage(ctx, upload, "analysing", 0)
        validated = await validate_bytes(ctx.settings, upload, bucket, staged.path)
        await set_stage(ctx, upload, "compressing", 20)
        prepared = await compress(ctx.storage, upload, staged, validated)
        await set_stage(ctx, upload, "storing", 50)
        stored = await store_and_finalise(ctx, claims, upload, prepared)
    except AppError as exc:
        await fail(ctx, upload, exc)
        raise
    finally:
        for path in _staged_paths(staged, prepared):
            path.unlink(missing_ok=True)
    await progress.publish(ctx.broker, upload)
    return stored


def _staged_paths(staged: Staged, prepared: Prepared | None) -> list[Path]:
    paths = [staged.path]
    if prepared is not None:
        paths += [prepared.main.path, *prepared.leftovers]
        if prepared.thumbnail is not None:
            paths.append(prepared.thumbnail.path)
    return paths


async def fail(ctx: MediaContext, upload: Upload, exc: AppError) -> None:
    """The failed state, with the problem's code and detail as the reason."""
    await set_stage(
        ctx,
        upload,
        "failed",
        upload.progress,
        failure_code=exc.code(),
        failure_reason=exc.detail,
        expires_at=None,
    )


async def compress(
    storage: Storage, upload: Upload, staged: Staged, validated: Validated
) -> Prepared:
    """Images: the preset (location metadata dropped, animation kept) and a thumbnail."""
    if validated.image is None:
        return Prepared(staged, validated.detected.mime, validated)
    preset = upload.preset or DEFAULT_IMAGE_PRESET
    compressed, thumbnail = storage.staging_file(), storage.staging_file()

    def work() -> tuple[Staged, Staged]:
        compress_image(staged.path, compressed, preset)
        make_thumbnail(staged.path, thumbnail)
        return hash_file(compressed), hash_file(thumbnail)

    try:
        main, thumb = await anyio.to_thread.run_sync(work)
    except Exception:
        compressed.unlink(missing_ok=True)
        thumbnail.unlink(missing_ok=True)
        raise
    return Prepared(main, validated.detected.mime, validated, thumb, [staged.path])


async def store_and_finalise(
    ctx: MediaContext, claims: Claims, upload: Upload, prepared: Prepared
) -> StoredObject:
    """One transaction as the caller: quota, object row, bytes into place, audio record.

    The finalising stage is committed beside it (it only updates the upload row, which the
    object's foreign key merely key-share locks), so it is as visible as every other stage.
    """
    async with service.user_scope(ctx.database, claims) as session:
        parent = await parent_file(session, upload.metadata_.get("parent_file_id"))
        stored = await store(session, ctx.storage, ctx.settings, upload, prepared)
        await set_stage(ctx, upload, "finalising", 80)
        audio_file_id = await finalise(session, upload, stored, prepared, parent)
    upload.state, upload.progress, upload.object_id = "complete", 100, stored.id
    return StoredObject(stored, audio_file_id)


async def store(
    session: AsyncSession, storage: Storage, settings: Settings, upload: Upload, prepared: Prepared
) -> MediaObject:
    """Quota under the owner's lock, the object row, then its bytes moved into place."""
    owner = upload.owner_id
    await service.lock_owner_bucket(session, owner, upload.bucket)
    await service.check_quota(session, settings, owner, upload.bucket, prepared.main.size)
    stored = MediaObject(
        bucket=upload.bucket,
        path=upload.path,
        owner_id=owner,
        size=prepared.main.size,
        sha256=prepared.main.sha256,
        cid=prepared.main.cid,
        content_type=prepared.content_type,
        metadata_=upload.metadata_,
        thumbnail_sha256=prepared.thumbnail.sha256 if prepared.thumbnail else None,
        upload_id=upload.id,
    )
    session.add(stored)
    try:
        await session.flush()  # the blob rows are now locked by this transaction
    except IntegrityError as exc:
        raise ObjectExists(f"An object already exists at {upload.bucket}/{upload.path}.") from exc
    await storage.put(prepared.main.sha256, prepared.main.path)
    if prepared.thumbnail is not None:
        await storage.put(prepared.thumbnail.sha256, prepared.thumbnail.path)
    return stored


async def ingest(
    session: AsyncSession,
    storage: Storage,
    settings: Settings,
    upload: Upload,
    bucket: Bucket,
    staged: Staged,
) -> MediaObject:
    """The same stages inside the caller's transaction, without progress events: for server-side
    files (demo data) whose owner may not be committed yet."""
    prepared: Prepared | None = None
    try:
        validated = await validate_bytes(settings, upload, bucket, staged.path)
        prepared = await compress(storage, upload, staged, validated)
        parent = await parent_file(session, upload.metadata_.get("parent_file_id"))
        stored = await store(session, storage, settings, upload, prepared)
        await finalise(session, upload, stored, prepared, parent)
    finally:
        for path in _staged_paths(staged, prepared):
            path.unlink(missing_ok=True)
    return stored


async def finalise(
    session: AsyncSession,
    upload: Upload,
    stored: MediaObject,
    prepared: Prepared,
    parent: uuid.UUID | None,
) -> uuid.UUID | None:
    """The audio record and its analysis job, then the upload marked complete; the record's id.

    `parent` (a stem's parent file) is checked before the bytes are moved into place: a refusal
    after that point would leave stored bytes with no blob row to ever sweep them."""
    audio = prepared.validated.audio
    record: AudioFile | None = None
    if audio is not None:
        record = AudioFile(
            id=uuid.uuid4(),
            object_id=stored.id,
            owner_id=stored.owner_id,
            duration_seconds=audio.duration_seconds,
            sample_rate=audio.sample_rate,
            bit_depth=audio.bit_depth,
            channels=audio.channels,
            format=audio.format,
            parent_file_id=parent,
            stem_type=_text_or_none(upload.metadata_.get("stem_type")),
        )
        session.add(record)
        await session.flush()
        await jobs.enqueue(
            session,
            "media.analyse",
            {"audio_file_id": str(record.id)},
            idempotency_key=f"media.analyse:{record.id}",
        )
    await session.execute(
        update(Upload)
        .where(Upload.id == upload.id)
        .values(
            state="complete",
            progress=100,
            object_id=stored.id,
            expires_at=None,
            updated_at=datetime.now(UTC),
        )
    )
    return record.id if record is not None else None


async def parent_file(session: AsyncSession, value: object) -> uuid.UUID | None:
    """A stem's parent: an audio file the uploader can see (metadata key parent_file_id)."""
    if value is None:
        return None
    try:
        parent = uuid.UUID(str(value))
    except ValueError as exc:
        raise InvalidParent("parent_file_id is not a UUID") from exc
    if await session.get(AudioFile, parent) is None:
        raise InvalidParent(f"No audio file {parent} to be the parent of this stem.")
    return parent


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)[:64]
