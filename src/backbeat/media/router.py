"""Media HTTP: plain and tus uploads, pipeline status and its live stream, serving, signed URLs."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from backbeat.db import Claims, session_scope
from backbeat.edge import DbSession, RequestClaims, Slot, State
from backbeat.errors import AppError, Unprocessable
from backbeat.media import multipart, service, signing, tus
from backbeat.media.errors import ObjectNotFound, UnsupportedMediaType, UploadNotFound
from backbeat.media.models import MediaObject, Upload
from backbeat.media.schemas import (
    AudioFileOut,
    ObjectOut,
    ObjectPage,
    SignedUrlIn,
    SignedUrlOut,
    UploadedObjectOut,
    UploadOut,
)
from backbeat.media.service import MediaContext
from backbeat.media.serving import ByteRange, etag_of, matches, parse_range
from backbeat.media.storage import Storage

router = APIRouter(prefix="/v1", tags=["media"])
TERMINAL = ("complete", "failed")
SSE_RECHECK_SECONDS = 15.0


STORAGE: Slot[Storage] = Slot("media.storage")


async def media_context(state: State) -> MediaContext:
    """The database, storage, broker and settings the app was built with."""
    database, broker = state.require_database(), state.require_broker()
    return MediaContext(database, state.component(STORAGE), broker, state.settings)


Ctx = Annotated[MediaContext, Depends(media_context)]


@router.post("/storage/{bucket}/objects", status_code=201, response_model=UploadedObjectOut)
async def upload_object(
    bucket: str, request: Request, claims: RequestClaims, ctx: Ctx
) -> UploadedObjectOut:
    """Multipart `{file, path?, metadata?, preset?}`; the size limit is enforced while streaming."""
    content_type = request.headers.get("content-type", "")
    stored, upload = await multipart.upload_multipart(
        ctx, claims, bucket, content_type, request.stream()
    )
    async with service.user_scope(ctx.database, claims) as session:
        audio_id = await service.audio_file_id_of(session, stored.id)
    out = ObjectOut.of(stored, audio_id)
    return UploadedObjectOut(**out.model_dump(), upload=UploadOut.of(upload))


@router.get("/storage/{bucket}/objects", response_model=ObjectPage)
async def list_objects(
    bucket: str,
    session: DbSession,
    claims: RequestClaims,
    prefix: str = "",
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=service.LIST_LIMIT)] = service.LIST_LIMIT,
) -> ObjectPage:
    """The caller's own objects, by path; pass next_cursor back for the next page."""
    actor = service.actor_of(claims)
    found = await service.list_objects(
        session, bucket, actor=actor, prefix=prefix, cursor=cursor, limit=limit
    )
    items = [ObjectOut.of(o, await service.audio_file_id_of(session, o.id)) for o in found]
    return ObjectPage(items=items, next_cursor=found[-1].path if len(found) == limit else None)


@router.get("/storage/{bucket}/objects/{path:path}", response_model=None)
async def download(
    bucket: str,
    path: str,
    request: Request,
    claims: RequestClaims,
    ctx: Ctx,
    expires: int | None = None,
    signature: str | None = None,
    variant: Literal["original", "thumbnail"] = "original",
) -> Response:
    """Public objects to anyone, private ones to their owner or a signed URL; Range and ETag."""
    stored = await _readable_object(ctx, claims, bucket, path, expires, signature)
    sha256 = stored.sha256 if variant == "original" else stored.thumbnail_sha256
    if sha256 is None:
        raise ObjectNotFound("This object has no thumbnail.")
    size = stored.size if variant == "original" else await ctx.storage.size(sha256)
    content_type = stored.content_type if variant == "original" else "image/webp"
    etag = etag_of(sha256)
    headers = {"ETag": etag, "Accept-Ranges": "bytes", "Cache-Control": "private, max-age=0"}
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    wanted = parse_range(request.headers.get("range"), size)
    part = wanted or ByteRange(0, size)
    headers["Content-Length"] = str(part.end - part.start)
    if wanted is not None:
        headers["Content-Range"] = wanted.content_range(size)
    body = ctx.storage.read(sha256, part.start, part.end)
    status = 206 if wanted is not None else 200
    return StreamingResponse(body, status_code=status, media_type=content_type, headers=headers)


async def _readable_object(
    ctx: MediaContext,
    claims: Claims,
    bucket: str,
    path: str,
    expires: int | None,
    given_signature: str | None,
) -> MediaObject:
    """A signed URL reads as the owner would; otherwise row-level security decides."""
    if given_signature is not None:
        key = signing.signing_key(ctx.settings.secret_key.get_secret_value())
        signing.verify(key, bucket, path, expires or 0, given_signature)
        async with session_scope(ctx.database) as session:
            return await service.find_object(session, bucket, path)
    async with service.user_scope(ctx.database, claims) as session:
        return await service.find_object(session, bucket, path)


@router.delete("/storage/{bucket}/objects/{path:path}", status_code=204)
async def delete_object(bucket: str, path: str, session: DbSession, claims: RequestClaims) -> None:
    """Delete an own object; shared bytes stay while another object uses them."""
    await service.delete_object(session, bucket, path, actor=service.actor_of(claims))


@router.post("/storage/{bucket}/signed-urls", response_model=SignedUrlOut)
async def create_signed_url(
    bucket: str, body: SignedUrlIn, session: DbSession, claims: RequestClaims, ctx: Ctx
) -> SignedUrlOut:
    """An expiring URL to one of the caller's objects."""
    actor = service.actor_of(claims)
    stored = await service.find_object(session, bucket, body.path)
    if stored.owner_id != actor:
        raise ObjectNotFound(f"No object at {bucket}/{body.path}.")
    ttl = body.expires_in or ctx.settings.signed_url_ttl_seconds
    if ttl > ctx.settings.signed_url_max_ttl_seconds:
        raise Unprocessable(
            f"expires_in is at most {ctx.settings.signed_url_max_ttl_seconds} seconds"
        )
    expires = int(time.time()) + ttl
    key = signing.signing_key(ctx.settings.secret_key.get_secret_value())
    url = signing.signed_url(ctx.settings.public_base_url, key, bucket, body.path, expires)
    return SignedUrlOut(url=url, expires_at=datetime.fromtimestamp(expires, UTC))


@router.get("/uploads/{upload_id}", response_model=UploadOut)
async def get_upload(upload_id: uuid.UUID, session: DbSession) -> UploadOut:
    """Where an upload is in the pipeline."""
    return UploadOut.of(await service.get_upload(session, upload_id))


@router.get("/uploads/{upload_id}/events", response_model=None)
async def upload_events(upload_id: uuid.UUID, session: DbSession, ctx: Ctx) -> StreamingResponse:
    """Server-sent events: the current state, then each change, until complete or failed."""
    upload = await service.get_upload(session, upload_id)
    stream = _events(ctx, upload_id, service.upload_event(upload), upload.state)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


async def _events(
    ctx: MediaContext, upload_id: uuid.UUID, snapshot: str, state: str
) -> AsyncIterator[str]:
    yield f"event: upload\ndata: {snapshot}\n\n"
    if state in TERMINAL:
        return
    async with ctx.broker.subscribe(service.upload_channel(upload_id)) as subscription:
        while True:
            try:
                message = await subscription.next(timeout=SSE_RECHECK_SECONDS)
            except TimeoutError:
                final = await _recheck(ctx, upload_id)
                if final is None:
                    yield ": keep-alive\n\n"
                    continue
                message = final
            yield f"event: upload\ndata: {message}\n\n"
            if json.loads(message)["state"] in TERMINAL:
                return


async def _recheck(ctx: MediaContext, upload_id: uuid.UUID) -> str | None:
    """After a quiet spell, the stored state if it is final (an event may have been missed)."""
    async with session_scope(ctx.database) as session:
        upload = await session.get(Upload, upload_id)
    if upload is None or upload.state in TERMINAL:
        return service.upload_event(upload) if upload else None
    return None


@router.get("/audio-files/{audio_file_id}", response_model=AudioFileOut)
async def get_audio_file(
    audio_file_id: uuid.UUID,
    session: DbSession,
    points: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> AudioFileOut:
    """Analysis results; `points` merges the stored waveform down to that many buckets."""
    audio = await service.get_audio_file(session, audio_file_id)
    return AudioFileOut.of(audio, service.resample_waveform(audio.waveform, points))


# tus 1.0 ---------------------------------------------------------------------------------------


def _tus_headers(upload: Upload | None = None) -> dict[str, str]:
    headers = {"Tus-Resumable": tus.TUS_VERSION}
    if upload is not None:
        headers["Upload-Offset"] = str(upload.offset)
        if upload.length is not None:
            headers["Upload-Length"] = str(upload.length)
        if upload.expires_at is not None:
            headers["Upload-Expires"] = format_datetime(
                upload.expires_at.astimezone(UTC), usegmt=True
            )
    return headers


def _with_tus_header(exc: AppError) -> AppError:
    exc.headers.setdefault("Tus-Resumable", tus.TUS_VERSION)
    return exc


def _upload_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise UploadNotFound(f"No upload {raw}.") from exc


@router.options("/storage/{bucket}/uploads")
async def tus_options(bucket: str, session: DbSession) -> Response:
    """tus discovery: version, extensions, and this bucket's largest file."""
    found = await service.get_bucket(session, bucket)
    headers = _tus_headers() | {
        "Tus-Version": tus.TUS_VERSION,
        "Tus-Extension": tus.TUS_EXTENSIONS,
        "Tus-Max-Size": str(found.size_limit_bytes),
    }
    return Response(status_code=204, headers=headers)


@router.post("/storage/{bucket}/uploads", status_code=201)
async def tus_create(bucket: str, request: Request, claims: RequestClaims, ctx: Ctx) -> Response:
    """tus creation: Upload-Length and Upload-Metadata (filename, filetype, path, preset)."""
    try:
        tus.check_version(request.headers.get("tus-resumable"))
        length = tus.parse_length(request.headers.get("upload-length"), "Upload-Length")
        metadata = tus.parse_metadata(request.headers.get("upload-metadata"))
        upload = await tus.create(ctx, claims, bucket, length, metadata)
    except AppError as exc:
        raise _with_tus_header(exc) from exc
    location = str(request.url_for("tus_patch", bucket=bucket, upload_id=str(upload.id)))
    headers = _tus_headers(upload) | {"Location": location}
    return Response(status_code=201, headers=headers)


@router.head("/storage/{bucket}/uploads/{upload_id}")
async def tus_head(bucket: str, upload_id: str, claims: RequestClaims, ctx: Ctx) -> Response:
    """tus: how many bytes the server has."""
    try:
        upload = await tus.status(ctx, claims, _upload_id(upload_id))
        if upload.bucket != bucket:
            raise UploadNotFound(f"No upload {upload_id} in {bucket}.")
    except AppError as exc:
        raise _with_tus_header(exc) from exc
    return Response(status_code=200, headers=_tus_headers(upload) | {"Cache-Control": "no-store"})


@router.patch("/storage/{bucket}/uploads/{upload_id}", name="tus_patch")
async def tus_patch(
    bucket: str, upload_id: str, request: Request, claims: RequestClaims, ctx: Ctx
) -> Response:
    """tus: append bytes at Upload-Offset; the last byte runs the pipeline before answering."""
    try:
        tus.check_version(request.headers.get("tus-resumable"))
        if request.headers.get("content-type") != tus.OFFSET_CONTENT_TYPE:
            raise UnsupportedMediaType(f"PATCH bodies are {tus.OFFSET_CONTENT_TYPE}.")
        offset = tus.parse_length(request.headers.get("upload-offset"), "Upload-Offset")
        upload = await tus.append(ctx, claims, _upload_id(upload_id), offset, request.stream())
    except AppError as exc:
        raise _with_tus_header(exc) from exc
    return Response(status_code=204, headers=_tus_headers(upload))
