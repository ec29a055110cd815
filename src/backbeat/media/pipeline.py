"""The upload pipeline: receive into staging, then analysing → compressing → storing → finalising.

Each stage's state and progress is written (visible to GET) and published (live for SSE). The
object becomes visible in the same transaction that moves its bytes into place; any refusal
deletes the staged files, so a refused upload leaves no object and no orphan bytes.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
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
from backbeat.media import service
from backbeat.media.cid import ContentHasher
from backbeat.media.errors import (
    FileTooLarge,
    InvalidParent,
    InvalidPreset,
    ObjectExists,
    QuotaExceeded,
    from_rejection,
)
from backbeat.media.images import PRESETS, compress_image, make_thumbnail
from backbeat.media.models import AudioFile, Bucket, MediaObject, Upload
from backbeat.media.probe import Validated, validate_upload
from backbeat.media.service import MediaContext
from backbeat.media.sniff import MediaRejected
from backbeat.media.storage import Storage

HASH_CHUNK = 1024 * 1024
DEFAULT_IMAGE_PRESET = "optimized"


@dataclass
class Staged:
    """A whole file in staging with its content address."""

    path: Path
    size: int
    sha256: str
    cid: str


@dataclass
class Limit:
    """The most bytes an upload may have, and the error to raise past it."""

    max_bytes: int
    error: AppError


@dataclass
class Receiver:
    """Writes chunks to a staging file, hashing them, refusing the first byte past the limit."""

    path: Path
    limit: Limit
    hasher: ContentHasher = field(default_factory=ContentHasher)

    def __post_init__(self) -> None:
        self._file = open(self.path, "wb")  # noqa: SIM115 - closed in finish/discard

    def write(self, chunk: bytes | memoryview) -> None:
        if self.hasher.size + len(chunk) > self.limit.max_bytes:
            self.discard()
            raise self.limit.error
        self.hasher.update(chunk)
        self._file.write(chunk)

    def finish(self) -> Staged:
        self._file.close()
        return Staged(self.path, self.hasher.size, self.hasher.sha256_hex, self.hasher.cid)

    def discard(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


def size_limit(bucket: Bucket, quota_left: int) -> Limit:
    """The tighter of the bucket's file limit and what is left of the owner's quota."""
    if quota_left < bucket.size_limit_bytes:
        return Limit(
            max(quota_left, 0),
            QuotaExceeded(f"The upload would exceed your quota in {bucket.name}."),
        )
    return Limit(
        bucket.size_limit_bytes,
        FileTooLarge(
            f"Files in {bucket.name} are at most {bucket.size_limit_bytes} bytes.",
            limit_bytes=bucket.size_limit_bytes,
        ),
    )


async def receive_stream(chunks: AsyncIterator[bytes], receiver: Receiver) -> Staged:
    """Drain a body into the receiver; a dropped or refused stream leaves no staged file."""
    try:
        async for chunk in chunks:
            receiver.write(chunk)
    except BaseException:
        receiver.discard()
        raise
    return receiver.finish()


def hash_file(path: Path) -> Staged:
    """Content address of a file already on disk (a completed tus upload, a compressed image)."""
    hasher = ContentHasher()
    with open(path, "rb") as file:
        while chunk := file.read(HASH_CHUNK):
            hasher.update(chunk)
    return Staged(path, hasher.size, hasher.sha256_hex, hasher.cid)


def check_preset(preset: str | None) -> str | None:
    """None or one of the seed's presets."""
    if preset is not None and preset not in PRESETS:
        raise InvalidPreset(f"preset must be one of {', '.join(PRESETS)}")
    return preset


async def set_stage(
    ctx: MediaContext, upload: Upload, state: str, progress: int, **values: Any
) -> None:
    """Record a stage and publish it."""
    upload.state, upload.progress = state, progress
    for name, value in values.items():
        setattr(upload, name, value)
    async with session_scope(ctx.database) as session:
        await session.execute(
            update(Upload)
            .where(Upload.id == upload.id)
            .values(state=state, progress=progress, updated_at=datetime.now(UTC), **values)
        )
    await ctx.broker.publish(service.upload_channel(upload.id), service.upload_event(upload))


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
) -> MediaObject:
    """Run the stages; on any refusal mark the upload failed and leave nothing behind."""
    prepared: Prepared | None = None
    try:
        await set_stage(ctx, upload, "analysing", 0)
        validated = await analyse(ctx.settings, upload, bucket, staged)
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
    await ctx.broker.publish(service.upload_channel(upload.id), service.upload_event(upload))
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


async def analyse(settings: Settings, upload: Upload, bucket: Bucket, staged: Staged) -> Validated:
    """The validation gate: type from bytes, bucket and claim, a full decode (in a thread)."""
    try:
        return await anyio.to_thread.run_sync(
            lambda: validate_upload(
                staged.path,
                upload.claimed_type,
                bucket.allowed_types,
                max_pixels=settings.max_image_pixels,
            )
        )
    except MediaRejected as rejected:
        raise from_rejection(rejected) from rejected


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
) -> MediaObject:
    """One transaction as the caller: quota, object row, bytes into place, audio record."""
    async with service.user_scope(ctx.database, claims) as session:
        stored = await store(session, ctx.storage, ctx.settings, upload, prepared)
        upload.state, upload.progress = "finalising", 80
        await ctx.broker.publish(service.upload_channel(upload.id), service.upload_event(upload))
        await finalise(session, upload, stored, prepared)
    upload.state, upload.progress, upload.object_id = "complete", 100, stored.id
    return stored


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
        validated = await analyse(settings, upload, bucket, staged)
        prepared = await compress(storage, upload, staged, validated)
        stored = await store(session, storage, settings, upload, prepared)
        await finalise(session, upload, stored, prepared)
    finally:
        for path in _staged_paths(staged, prepared):
            path.unlink(missing_ok=True)
    return stored


async def finalise(
    session: AsyncSession, upload: Upload, stored: MediaObject, prepared: Prepared
) -> None:
    """The audio record and its analysis job, then the upload marked complete."""
    audio = prepared.validated.audio
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
            parent_file_id=await parent_file(session, upload.metadata_.get("parent_file_id")),
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
