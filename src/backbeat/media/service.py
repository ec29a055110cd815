"""Media use cases that read and delete: buckets, paths, quotas, objects, uploads, audio files."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.config import Settings
from backbeat.db import Claims, Database, apply_claims
from backbeat.errors import Unauthorized
from backbeat.media import links
from backbeat.media.errors import (
    AudioFileNotFound,
    BucketNotFound,
    ForeignFolder,
    InvalidPath,
    ObjectNotFound,
    QuotaExceeded,
    UploadNotFound,
)
from backbeat.media.models import AudioFile, Bucket, MediaObject, Upload
from backbeat.media.storage import LocalStorage, Storage
from backbeat.media.storage_s3 import S3Storage
from backbeat.realtime import Broker

MAX_PATH_LENGTH = 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
LIST_LIMIT = 100


@dataclass(frozen=True)
class MediaContext:
    """What media use cases that span several transactions need."""

    database: Database
    storage: Storage
    broker: Broker
    settings: Settings


def storage_for(settings: Settings) -> Storage:
    """The configured backend: the local data dir, or an S3-compatible store."""
    if settings.storage_backend == "s3":
        return S3Storage.from_settings(settings)
    return LocalStorage(settings.media_dir)


@asynccontextmanager
async def user_scope(database: Database, claims: Claims) -> AsyncIterator[AsyncSession]:
    """A short transaction as the caller, row-level security in force."""
    async with database.api_sessions() as session, session.begin():
        await apply_claims(session, claims)
        yield session


def actor_of(claims: Claims) -> uuid.UUID:
    """The signed-in caller's id, or 401."""
    if not claims.sub:
        raise Unauthorized("Sign in to do this.")
    return uuid.UUID(claims.sub)


def check_path(path: str, owner: uuid.UUID) -> str:
    """A relative path of clean segments, under the owner's folder."""
    if not path or len(path) > MAX_PATH_LENGTH or _CONTROL.search(path):
        raise InvalidPath("a path is 1 to 1024 characters, without control characters")
    if path.startswith("/") or "\\" in path:
        raise InvalidPath("a path is relative and uses '/' between segments")
    segments = path.split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        raise InvalidPath("a path has no empty, '.' or '..' segments")
    if len(segments) < 2 or segments[0] != str(owner):
        raise ForeignFolder(f"objects are written under your own folder, {owner}/…")
    return path


def default_path(owner: uuid.UUID, filename: str | None) -> str:
    """`{owner}/{filename}` with the filename reduced to its last clean segment."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _CONTROL.sub("", name).strip() or uuid.uuid4().hex
    return f"{owner}/{'_' + name if name in ('.', '..') else name}"


async def get_bucket(session: AsyncSession, name: str) -> Bucket:
    """A bucket by name, or 404."""
    bucket = await session.get(Bucket, name)
    if bucket is None:
        raise BucketNotFound(f"There is no bucket named {name!r}.")
    return bucket


async def used_bytes(session: AsyncSession, owner: uuid.UUID, bucket: str) -> int:
    """What the owner already stores in the bucket."""
    total = await session.scalar(
        select(func.coalesce(func.sum(MediaObject.size), 0)).where(
            MediaObject.owner_id == owner, MediaObject.bucket == bucket
        )
    )
    return int(total or 0)


async def check_quota(
    session: AsyncSession, settings: Settings, owner: uuid.UUID, bucket: str, size: int
) -> None:
    """Refuse a file that would take the owner past the per-bucket quota."""
    used = await used_bytes(session, owner, bucket)
    if used + size > settings.media_quota_bytes:
        raise QuotaExceeded(
            f"{size} more bytes would exceed your {settings.media_quota_bytes}-byte quota "
            f"in {bucket} ({used} used).",
            used_bytes=used,
            quota_bytes=settings.media_quota_bytes,
        )


async def lock_owner_bucket(session: AsyncSession, owner: uuid.UUID, bucket: str) -> None:
    """Serialise quota checks of one owner in one bucket until the transaction ends."""
    key = f"media-quota:{owner}:{bucket}"
    await session.execute(
        text("select pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key}
    )


async def find_object(session: AsyncSession, bucket: str, path: str) -> MediaObject:
    """The object at a path, as far as the session's role may see it, or 404."""
    found = await session.scalar(
        select(MediaObject).where(MediaObject.bucket == bucket, MediaObject.path == path)
    )
    if found is None:
        raise ObjectNotFound(f"No object at {bucket}/{path}.")
    return found


async def audio_file_id_of(session: AsyncSession, object_id: uuid.UUID) -> uuid.UUID | None:
    """The audio file record of an object, if it is audio."""
    found: uuid.UUID | None = await session.scalar(
        select(AudioFile.id).where(AudioFile.object_id == object_id)
    )
    return found


async def list_objects(
    session: AsyncSession,
    bucket: str,
    *,
    actor: uuid.UUID,
    prefix: str = "",
    cursor: str | None = None,
    limit: int = LIST_LIMIT,
) -> list[MediaObject]:
    """The caller's own objects in a bucket, by path, after the cursor (a path)."""
    await get_bucket(session, bucket)
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = select(MediaObject).where(
        MediaObject.bucket == bucket,
        MediaObject.owner_id == actor,
        MediaObject.path.like(escaped + "%", escape="\\"),
    )
    if cursor:
        query = query.where(MediaObject.path > cursor)
    return list(await session.scalars(query.order_by(MediaObject.path).limit(limit)))


async def delete_object(session: AsyncSession, bucket: str, path: str, *, actor: uuid.UUID) -> None:
    """Delete the caller's object; its bytes go when no object uses them (the sweep job)."""
    found = await find_object(session, bucket, path)
    if found.owner_id != actor:
        raise ForeignFolder("Only the owner can delete an object.")
    await links.unlink_object(session, found.id)
    await session.delete(found)
    await session.flush()


async def get_upload(session: AsyncSession, upload_id: uuid.UUID) -> Upload:
    """An upload the caller may see, or 404."""
    upload = await session.get(Upload, upload_id)
    if upload is None:
        raise UploadNotFound(f"No upload {upload_id}.")
    return upload


async def get_audio_file(session: AsyncSession, audio_file_id: uuid.UUID) -> AudioFile:
    """An audio file the caller may see, or 404."""
    found = await session.get(AudioFile, audio_file_id)
    if found is None:
        raise AudioFileNotFound(f"No audio file {audio_file_id}.")
    return found


def resample_waveform(
    peaks: list[list[float]] | None, points: int | None
) -> list[list[float]] | None:
    """Stored (min, max) pairs merged down to `points` buckets (never up-sampled)."""
    if peaks is None or points is None or points >= len(peaks):
        return peaks
    merged: list[list[float]] = []
    for index in range(points):
        part = peaks[index * len(peaks) // points : (index + 1) * len(peaks) // points]
        merged.append([min(p[0] for p in part), max(p[1] for p in part)])
    return merged


def upload_channel(upload_id: uuid.UUID) -> str:
    """The realtime channel an upload's progress is published on."""
    return f"media.upload:{upload_id}"


def upload_event(upload: Upload) -> str:
    """The JSON an SSE subscriber receives for a state change."""
    return json.dumps(
        {
            "id": str(upload.id),
            "state": upload.state,
            "progress": upload.progress,
            "offset": upload.offset,
            "length": upload.length,
            "object_id": str(upload.object_id) if upload.object_id else None,
            "failure_code": upload.failure_code,
            "failure_reason": upload.failure_reason,
        }
    )
