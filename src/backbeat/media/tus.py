"""Resumable uploads, tus 1.0 (core, creation, expiration): what tus-js-client and Uppy speak.

The bytes on disk are the truth about an upload's offset: a PATCH cut off mid-body keeps what
arrived, and HEAD reports exactly that, so the client resumes from there.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

import anyio
from sqlalchemy import select, update

from backbeat.db import Claims, session_scope
from backbeat.errors import BadRequest
from backbeat.media import pipeline, progress, service, staging
from backbeat.media.errors import (
    FileTooLarge,
    ObjectExists,
    OffsetMismatch,
    TusVersionUnsupported,
    UploadExpired,
    UploadLocked,
    UploadNotFound,
    UploadNotReceiving,
)
from backbeat.media.models import MediaObject, Upload
from backbeat.media.service import MediaContext

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,expiration"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"


def check_version(header: str | None) -> None:
    """Every tus request but OPTIONS names the protocol version."""
    if header != TUS_VERSION:
        raise TusVersionUnsupported(
            "Send Tus-Resumable: 1.0.0.", headers={"Tus-Version": TUS_VERSION}
        )


def parse_metadata(header: str | None) -> dict[str, str]:
    """`key base64value, key2 base64value2`; a key may come without a value."""
    pairs: dict[str, str] = {}
    for item in (header or "").split(","):
        parts = item.strip().split(" ")
        if not parts[0]:
            continue
        if len(parts) > 2:
            raise BadRequest("Upload-Metadata pairs are `key base64value`.")
        try:
            value = base64.b64decode(parts[1], validate=True).decode() if len(parts) == 2 else ""
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise BadRequest(f"Upload-Metadata value of {parts[0]!r} is not base64.") from exc
        pairs[parts[0]] = value
    return pairs


def parse_length(header: str | None, name: str) -> int:
    """A non-negative integer header."""
    if header is None or not header.isdigit():
        raise BadRequest(f"{name} must be a non-negative integer.")
    return int(header)


async def create(
    ctx: MediaContext, claims: Claims, bucket_name: str, length: int, metadata: dict[str, str]
) -> Upload:
    """Check everything that can be checked before a byte arrives, then open the upload."""
    owner = service.actor_of(claims)
    preset = pipeline.check_preset(metadata.get("preset") or None)
    given = metadata.get("path")
    path = service.check_path(given, owner) if given else None
    path = path or service.default_path(owner, metadata.get("filename"))
    async with service.user_scope(ctx.database, claims) as session:
        bucket = await service.get_bucket(session, bucket_name)
        if length > bucket.size_limit_bytes:
            raise FileTooLarge(
                f"Files in {bucket.name} are at most {bucket.size_limit_bytes} bytes.",
                limit_bytes=bucket.size_limit_bytes,
            )
        await service.check_quota(session, ctx.settings, owner, bucket.name, length)
        taken = await session.scalar(
            select(MediaObject.id).where(
                MediaObject.bucket == bucket.name, MediaObject.path == path
            )
        )
        if taken is not None:
            raise ObjectExists(f"An object already exists at {bucket.name}/{path}.")
        upload = Upload(
            id=uuid.uuid4(),
            bucket=bucket.name,
            path=path,
            owner_id=owner,
            protocol="tus",
            claimed_type=metadata.get("filetype") or "application/octet-stream",
            preset=preset,
            metadata_=_user_metadata(metadata),
            length=length,
            offset=0,
            state="receiving",
            progress=0,
            expires_at=_expiry(ctx),
        )
        session.add(upload)
        await session.flush()
    ctx.storage.resumable_file(str(upload.id)).touch()
    return upload


def _user_metadata(metadata: dict[str, str]) -> dict[str, str]:
    """tus metadata other than the protocol keys becomes the object's user metadata."""
    reserved = {"filename", "filetype", "path", "preset", "name", "type", "relativePath"}
    return {k: v for k, v in metadata.items() if k not in reserved}


def _expiry(ctx: MediaContext) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=ctx.settings.tus_expiry_seconds)


async def status(
    ctx: MediaContext, claims: Claims, upload_id: uuid.UUID, *, bucket: str | None = None
) -> Upload:
    """HEAD: the upload (in `bucket`, when given) with its offset as the bytes on disk say."""
    owner = service.actor_of(claims)
    async with service.user_scope(ctx.database, claims) as session:
        upload = await service.upload_status(session, upload_id, actor=owner)
    _check_alive(upload)
    if upload.state == "receiving":
        upload.offset = _size_on_disk(ctx, upload)
    if bucket is not None and upload.bucket != bucket:
        raise UploadNotFound(f"No upload {upload_id} in {bucket}.")
    return upload


def _check_alive(upload: Upload) -> None:
    if upload.failure_code == "upload_expired" or (
        upload.state == "receiving"
        and upload.expires_at is not None
        and upload.expires_at < datetime.now(UTC)
    ):
        raise UploadExpired("This upload was abandoned and has expired; start a new one.")


def _size_on_disk(ctx: MediaContext, upload: Upload) -> int:
    path = ctx.storage.resumable_file(str(upload.id))
    return path.stat().st_size if path.exists() else 0


async def append(
    ctx: MediaContext,
    claims: Claims,
    upload_id: uuid.UUID,
    offset: int,
    body: AsyncIterator[bytes],
) -> Upload:
    """PATCH: append at the exact offset; the last byte runs the pipeline."""
    upload = await status(ctx, claims, upload_id)
    if upload.state != "receiving":
        raise UploadNotReceiving(f"This upload is {upload.state}; it takes no more bytes.")
    async with service.user_scope(ctx.database, claims) as session:
        bucket = await service.get_bucket(session, upload.bucket)
    path = ctx.storage.resumable_file(str(upload.id))
    with open(path, "ab") as file:  # noqa: ASYNC230 - appends to page cache; fsync at storing
        _lock(file)
        current = file.seek(0, 2)
        if offset != current:
            raise OffsetMismatch(
                f"The upload is at offset {current}, not {offset}.",
                headers={"Upload-Offset": str(current), "Tus-Resumable": TUS_VERSION},
                offset=current,
            )
        assert upload.length is not None
        try:
            upload.offset = await _write(file, body, upload.length)
        finally:
            await _record_offset(ctx, claims, upload, file)
        if upload.offset == upload.length:
            staged = await anyio.to_thread.run_sync(staging.hash_file, path)
            await pipeline.process(ctx, claims, upload, bucket, staged)
    return upload


def _lock(file: BinaryIO) -> None:
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        raise UploadLocked("Another request is writing to this upload.") from exc


async def _write(file: BinaryIO, body: AsyncIterator[bytes], length: int) -> int:
    """Append chunks, refusing anything past Upload-Length; returns the new offset."""
    offset = file.tell()
    async for chunk in body:
        if offset + len(chunk) > length:
            raise FileTooLarge(f"The body goes past Upload-Length ({length} bytes).")
        file.write(chunk)
        offset += len(chunk)
    return offset


async def _record_offset(ctx: MediaContext, claims: Claims, upload: Upload, file: BinaryIO) -> None:
    """Whatever happened to the body, the bytes that arrived count (resume starts there)."""
    file.flush()
    upload.offset = file.tell()
    upload.expires_at = _expiry(ctx)
    async with session_scope(ctx.database) as session:
        await session.execute(
            update(Upload)
            .where(Upload.id == upload.id)
            .values(offset=upload.offset, expires_at=upload.expires_at)
        )
    await progress.publish(ctx.broker, upload)
