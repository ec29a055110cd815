"""HTTP routes of the native listens API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from starlette.datastructures import UploadFile

from backbeat.edge import AppSettings, DbRead, DbSession, json_text
from backbeat.errors import Unprocessable
from backbeat.identity.auth import CurrentUser
from backbeat.listening import service as listening
from backbeat.listening.importers import ImportFormat
from backbeat.listening.schemas import (
    Chart,
    Dashboard,
    ImportDetail,
    ImportList,
    ListenBatch,
    ListenCreate,
    ListenPage,
    ListensAccepted,
    TrackStats,
)

router = APIRouter(prefix="/v1", tags=["listening"])


@router.post("/listens", status_code=status.HTTP_201_CREATED, response_model=ListensAccepted)
async def post_listens(
    body: ListenCreate | ListenBatch, session: DbSession, user: CurrentUser
) -> ListensAccepted:
    """One listen or a batch; a listen already stored (same instant, same track) is dropped."""
    items = body.listens if isinstance(body, ListenBatch) else [body]
    result = await listening.ingest_listens(
        session, user.user_id, [item.to_listen() for item in items]
    )
    return ListensAccepted(accepted=result.inserted, duplicates=result.duplicates, ids=result.ids)


@router.get("/me/listens", response_model=ListenPage)
async def my_listens(
    read: DbRead,
    user: CurrentUser,
    since: datetime | None = None,
    until: datetime | None = None,
    track_id: uuid.UUID | None = None,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """Your listens, newest first, in keyset pages."""
    query = listening.ListenFilter(since, until, track_id, cursor, limit)
    return json_text(await listening.listen_page(read, query))


@router.delete("/me/listens/{listen_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_my_listen(listen_id: uuid.UUID, session: DbSession, user: CurrentUser) -> None:
    """Delete one of your listens."""
    await listening.delete_listen(session, listen_id, actor=user.user_id)


IMPORT_FORMATS = ("listenbrainz", "spotify")


@router.post(
    "/me/imports",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportDetail,
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file", "format"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "format": {"type": "string", "enum": list(IMPORT_FORMATS)},
                        },
                    }
                }
            },
            "required": True,
        }
    },
)
async def create_import(request: Request, session: DbSession, user: CurrentUser) -> Response:
    """Upload a ListenBrainz export (JSON or JSON lines) or a Spotify extended streaming
    history (Streaming_History_Audio_*.json), as a zip or one file; a job imports it."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Unprocessable("send a multipart form with the fields `file` and `format`")
    form = await request.form()
    upload, fmt = form.get("file"), form.get("format")
    if not isinstance(upload, UploadFile) or fmt not in IMPORT_FORMATS:
        raise Unprocessable("send the export as `file` and `format` = listenbrainz or spotify")
    body = await upload.read()
    filename = upload.filename or "upload"
    chosen: ImportFormat = "spotify" if fmt == "spotify" else "listenbrainz"
    import_id = await listening.create_import(session, chosen, filename, body, actor=user.user_id)
    return json_text(await listening.import_json(session, import_id), status_code=202)


@router.get("/me/imports", response_model=ImportList)
async def my_imports(read: DbRead, user: CurrentUser) -> Response:
    """Your 100 newest imports."""
    return json_text(await listening.list_imports(read))


@router.get("/me/imports/{import_id}", response_model=ImportDetail)
async def my_import(import_id: uuid.UUID, read: DbRead, user: CurrentUser) -> Response:
    """One import: counts, progress (rows read so far), status, every refused row and why."""
    return json_text(await listening.read_import(read, import_id))


Days = Annotated[int, Query(ge=1, le=365)]


@router.get("/tracks/{track_id}/stats", response_model=TrackStats)
async def track_stats(track_id: uuid.UUID, read: DbRead, days: Days = 30) -> Response:
    """Plays and unique listeners per day of a track you can see (kept by the plays job)."""
    return json_text(await listening.track_stats(read, track_id, days=days))


@router.get("/charts/trending", response_model=Chart)
async def trending(
    read: DbRead,
    settings: AppSettings,
    days: Days = 28,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Response:
    """Public tracks by plays, each day's plays weighing half as much every half-life."""
    return json_text(
        await listening.trending(
            read,
            half_life_days=settings.listening_trending_half_life_days,
            days=days,
            limit=limit,
        )
    )


@router.get("/me/dashboard", response_model=Dashboard)
async def my_dashboard(read: DbRead, user: CurrentUser, days: Days = 30) -> Response:
    """Your tracks' plays and listeners, top tracks, followers and lifetime earnings."""
    return json_text(await listening.dashboard(read, days=days))
