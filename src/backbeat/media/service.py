"""Media use cases that read, sign and delete: buckets, paths, quotas, objects, uploads, audio."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, NamedTuple

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing import entitlements
from backbeat.config import Settings
from backbeat.db import Claims, Database, begin_as_caller, session_scope
from backbeat.errors import Unauthorized, Unprocessable
from backbeat.media import links, object_json, signing
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
from backbeat.reads import ReadSession
from backbeat.realtime import Broker

MAX_PATH_LENGTH = 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
LIST_LIMIT = 100
Variant = Literal["original", "thumbnail"]


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
        await begin_as_caller(session, claims)
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


async def quota_bytes(session: AsyncSession, settings: Settings, owner: uuid.UUID) -> int | None:
    """Bytes the owner may store per bucket: their plan's `storage.bytes` when it sets one
    (None: unlimited), else the deployment's media_quota_bytes (docs/billing.md)."""
    return (await entitlements(session, owner)).storage_quota(settings.media_quota_bytes)


async def quota_left(
    session: AsyncSession, settings: Settings, owner: uuid.UUID, bucket: str
) -> int | None:
    """What the owner may still store in the bucket (None: unlimited)."""
    quota = await quota_bytes(session, settings, owner)
    return None if quota is None else quota - await used_bytes(session, owner, bucket)


async def check_quota(
    session: AsyncSession, settings: Settings, owner: uuid.UUID, bucket: str, size: int
) -> None:
    """Refuse a file that would take the owner past their per-bucket quota."""
    quota = await quota_bytes(session, settings, owner)
    if quota is None:
        return
    used = await used_bytes(session, owner, bucket)
    if used + size > quota:
        raise QuotaExceeded(
            f"{size} more bytes would exceed your {quota}-byte quota in {bucket} ({used} used).",
            used_bytes=used,
            quota_bytes=quota,
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


@dataclass(frozen=True)
class StoredObject:
    """An object with the id of its audio file record (None unless it is audio)."""

    object: MediaObject
    audio_file_id: uuid.UUID | None


@dataclass(frozen=True)
class ObjectContent:
    """What a download serves: the object's bytes, or its thumbnail's."""

    sha256: str
    size: int
    content_type: str


async def read_object(
    ctx: MediaContext,
    claims: Claims,
    bucket: str,
    path: str,
    *,
    variant: Variant = "original",
    expires: int | None = None,
    signature: str | None = None,
) -> ObjectContent:
    """Public objects to anyone, private ones to their owner or to a signed URL's holder."""
    stored = await _readable_object(ctx, claims, bucket, path, expires, signature)
    if variant == "original":
        return ObjectContent(stored.sha256, stored.size, stored.content_type)
    if stored.thumbnail_sha256 is None:
        raise ObjectNotFound("This object has no thumbnail.")
    size = await ctx.storage.size(stored.thumbnail_sha256)
    return ObjectContent(stored.thumbnail_sha256, size, "image/webp")


class ObjectFacts(NamedTuple):
    """What serving an object needs to know about it."""

    sha256: str
    size: int
    content_type: str
    thumbnail_sha256: str | None


async def _readable_object(
    ctx: MediaContext,
    claims: Claims,
    bucket: str,
    path: str,
    expires: int | None,
    signature: str | None,
) -> ObjectFacts:
    """A signed URL reads as the owner would; otherwise row-level security decides (one lean
    read as the caller: the hot path of serving public files)."""
    if signature is not None:
        key = signing.signing_key(ctx.settings.secret_key.get_secret_value())
        signing.verify(key, bucket, path, expires or 0, signature)
        async with session_scope(ctx.database) as session:
            found = await find_object(session, bucket, path)
            return ObjectFacts(found.sha256, found.size, found.content_type, found.thumbnail_sha256)
    read = ReadSession(ctx.database.reader, claims)
    return ObjectFacts(*await object_json.read_object_content(read, bucket, path))


@dataclass(frozen=True)
class SignedUrl:
    """A URL anyone holding it can download with until it expires."""

    url: str
    expires_at: datetime


async def sign_url(
    session: AsyncSession,
    settings: Settings,
    bucket: str,
    path: str,
    expires_in: int | None,
    *,
    actor: uuid.UUID,
) -> SignedUrl:
    """An expiring URL to one of the caller's objects (default and longest life: settings)."""
    stored = await find_object(session, bucket, path)
    if stored.owner_id != actor:
        raise ObjectNotFound(f"No object at {bucket}/{path}.")
    ttl = expires_in or settings.signed_url_ttl_seconds
    if ttl > settings.signed_url_max_ttl_seconds:
        raise Unprocessable(f"expires_in is at most {settings.signed_url_max_ttl_seconds} seconds")
    expires = int(time.time()) + ttl
    key = signing.signing_key(settings.secret_key.get_secret_value())
    url = signing.signed_url(settings.public_base_url, key, bucket, path, expires)
    return SignedUrl(url, datetime.fromtimestamp(expires, UTC))


async def delete_object(session: AsyncSession, bucket: str, path: str, *, actor: uuid.UUID) -> None:
    """Delete the caller's object; its bytes go when no object uses them (the sweep job)."""
    found = await find_object(session, bucket, path)
    if found.owner_id != actor:
        raise ForeignFolder("Only the owner can delete an object.")
    await links.unlink_object(session, found.id)
    await session.delete(found)
    await session.flush()


async def upload_status(session: AsyncSession, upload_id: uuid.UUID, *, actor: uuid.UUID) -> Upload:
    """Where one of the caller's uploads is, or 404 (row-level security hides others' too)."""
    upload = await session.get(Upload, upload_id)
    if upload is None or upload.owner_id != actor:
        raise UploadNotFound(f"No upload {upload_id}.")
    return upload


async def get_audio_file(session: AsyncSession, audio_file_id: uuid.UUID) -> AudioFile:
    """An audio file the caller may see, or 404."""
    found = await session.get(AudioFile, audio_file_id)
    if found is None:
        raise AudioFileNotFound(f"No audio file {audio_file_id}.")
    return found


@dataclass(frozen=True)
class AudioFileView:
    """An audio file's record and its waveform at the resolution asked for."""

    audio: AudioFile
    waveform: list[list[float]] | None


async def read_audio_file(
    session: AsyncSession, audio_file_id: uuid.UUID, *, points: int | None = None
) -> AudioFileView:
    """Analysis results; `points` merges the stored waveform down to that many buckets."""
    audio = await get_audio_file(session, audio_file_id)
    return AudioFileView(audio, resample_waveform(audio.waveform, points))


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
