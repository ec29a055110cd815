"""Media HTTP: plain and tus uploads, pipeline status and its live stream, serving, signed URLs.

Every route calls one use case; uploads' and downloads' use cases run their own short
transactions (see docs/media.md), the rest run in the request's transaction (`DbSession`).
"""

from __future__ import annotations

import uuid
from datetime import UTC
from email.utils import format_datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from backbeat.edge import AppSettings, DbRead, DbSession, RequestClaims, Slot, State, json_text
from backbeat.errors import AppError
from backbeat.media import multipart, object_json, progress, service, tus
from backbeat.media.errors import UnsupportedMediaType, UploadNotFound
from backbeat.media.models import Upload
from backbeat.media.schemas import (
    AudioFileOut,
    ObjectPage,
    SignedUrlIn,
    SignedUrlOut,
    UploadedObjectOut,
    UploadOut,
)
from backbeat.media.service import MediaContext, Variant
from backbeat.media.serving import ByteRange, etag_of, matches, parse_range
from backbeat.media.storage import Storage

router = APIRouter(prefix="/v1", tags=["media"])


STORAGE: Slot[Storage] = Slot("media.storage")


async def media_context(state: State) -> MediaContext:
    """The database, storage, broker and settings the app was built with."""
    database, broker = state.require_database(), state.require_broker()
    return MediaContext(database, state.component(STORAGE), broker, state.settings)


async def signed_in(claims: RequestClaims) -> uuid.UUID:
    """The caller's user id, or 401 before any query runs as the anonymous role."""
    return service.actor_of(claims)


Ctx = Annotated[MediaContext, Depends(media_context)]
Actor = Annotated[uuid.UUID, Depends(signed_in)]


@router.post("/storage/{bucket}/objects", status_code=201, response_model=UploadedObjectOut)
async def upload_object(
    bucket: str, request: Request, claims: RequestClaims, ctx: Ctx
) -> UploadedObjectOut:
    """Multipart `{file, path?, metadata?, preset?}`; the size limit is enforced while streaming."""
    content_type = request.headers.get("content-type", "")
    uploaded = await multipart.upload_object(ctx, claims, bucket, content_type, request.stream())
    return UploadedObjectOut.of_upload(
        uploaded.stored.object, uploaded.stored.audio_file_id, uploaded.upload
    )


@router.get("/storage/{bucket}/objects", response_model=ObjectPage)
async def list_objects(
    bucket: str,
    actor: Actor,
    read: DbRead,
    prefix: str = "",
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=service.LIST_LIMIT)] = service.LIST_LIMIT,
) -> Response:
    """The caller's own objects, by path; pass next_cursor back for the next page."""
    page = await object_json.read_object_page(
        read, bucket, owner=actor, prefix=prefix, cursor=cursor, limit=limit
    )
    return json_text(page)


@router.get("/storage/{bucket}/objects/{path:path}", response_model=None)
async def download(
    bucket: str,
    path: str,
    request: Request,
    claims: RequestClaims,
    ctx: Ctx,
    expires: int | None = None,
    signature: str | None = None,
    variant: Variant = "original",
) -> Response:
    """Public objects to anyone, private ones to their owner or a signed URL; Range and ETag."""
    content = await service.read_object(
        ctx, claims, bucket, path, variant=variant, expires=expires, signature=signature
    )
    etag = etag_of(content.sha256)
    headers = {"ETag": etag, "Accept-Ranges": "bytes", "Cache-Control": "private, max-age=0"}
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    wanted = parse_range(request.headers.get("range"), content.size)
    part = wanted or ByteRange(0, content.size)
    headers["Content-Length"] = str(part.end - part.start)
    if wanted is not None:
        headers["Content-Range"] = wanted.content_range(content.size)
    body = ctx.storage.read(content.sha256, part.start, part.end)
    status = 206 if wanted is not None else 200
    return StreamingResponse(
        body, status_code=status, media_type=content.content_type, headers=headers
    )


@router.delete("/storage/{bucket}/objects/{path:path}", status_code=204)
async def delete_object(bucket: str, path: str, actor: Actor, session: DbSession) -> None:
    """Delete an own object; shared bytes stay while another object uses them."""
    await service.delete_object(session, bucket, path, actor=actor)


@router.post("/storage/{bucket}/signed-urls", response_model=SignedUrlOut)
async def create_signed_url(
    bucket: str, body: SignedUrlIn, actor: Actor, session: DbSession, settings: AppSettings
) -> SignedUrlOut:
    """An expiring URL to one of the caller's objects."""
    signed = await service.sign_url(
        session, settings, bucket, body.path, body.expires_in, actor=actor
    )
    return SignedUrlOut(url=signed.url, expires_at=signed.expires_at)


@router.get("/uploads/{upload_id}", response_model=UploadOut)
async def get_upload(upload_id: uuid.UUID, actor: Actor, session: DbSession) -> UploadOut:
    """Where one of the caller's uploads is in the pipeline."""
    return UploadOut.of(await service.upload_status(session, upload_id, actor=actor))


@router.get("/uploads/{upload_id}/events", response_model=None)
async def upload_events(
    upload_id: uuid.UUID, actor: Actor, session: DbSession, ctx: Ctx
) -> StreamingResponse:
    """Server-sent events: the current state, then each change, until complete or failed."""
    stream = await progress.follow_upload(session, ctx, upload_id, actor=actor)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


@router.get("/audio-files/{audio_file_id}", response_model=AudioFileOut)
async def get_audio_file(
    audio_file_id: uuid.UUID,
    session: DbSession,
    points: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> AudioFileOut:
    """Analysis results; `points` merges the stored waveform down to that many buckets."""
    found = await service.read_audio_file(session, audio_file_id, points=points)
    return AudioFileOut.of(found.audio, found.waveform)


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
        upload = await tus.status(ctx, claims, _upload_id(upload_id), bucket=bucket)
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
