"""HTTP routes of the catalog: tracks, sheets, lineage, presets, search, store, import."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from starlette.datastructures import UploadFile

from backbeat.catalog import service as catalog
from backbeat.catalog.identifiers import uuid_or_none
from backbeat.catalog.schemas import (
    CreatorStoreOut,
    CreditsIn,
    CreditsOut,
    EdgeOut,
    HistoryOut,
    ImportReport,
    LineageOut,
    ParentIn,
    PresetIn,
    PresetOut,
    SheetHistoryOut,
    SheetIn,
    SheetOut,
    SheetsOut,
    TrackIn,
    TrackOut,
    TrackPage,
    TrackPatch,
)
from backbeat.catalog.vocabulary import SheetKind, normalise_key, normalise_sample_type
from backbeat.edge import AppSettings, DbRead, DbSession, json_text
from backbeat.errors import Unprocessable
from backbeat.identity.auth import CurrentUser

router = APIRouter(prefix="/v1", tags=["catalog"])


@router.post("/tracks", status_code=status.HTTP_201_CREATED, response_model=TrackOut)
async def create_track(
    body: TrackIn, session: DbSession, user: CurrentUser, settings: AppSettings
) -> TrackOut:
    """Create a track; `splits`, `parents` and `credits` may come in the same call."""
    return await catalog.create_track(
        session, body, actor=user.user_id, consent_required=settings.split_consent_required
    )


@router.get("/tracks", response_model=TrackPage)
async def search_tracks(
    read: DbRead,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sample_type: str | None = None,
    loop_category: str | None = None,
    bpm_min: Annotated[float | None, Query(gt=0)] = None,
    bpm_max: Annotated[float | None, Query(gt=0)] = None,
    key: str | None = None,
    tag: Annotated[list[str] | None, Query()] = None,
    creator: str | None = None,
    derivatives: bool | None = None,
    has_stems: bool | None = None,
    sort: Literal["relevance", "newest", "title", "bpm"] = "relevance",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """Public tracks: full-text (prefix) search, filters, four sorts, keyset pages."""
    try:
        query = catalog.SearchQuery(
            q=q,
            sample_type=normalise_sample_type(sample_type).value if sample_type else None,
            loop_category=loop_category,
            bpm_min=bpm_min,
            bpm_max=bpm_max,
            key=normalise_key(key) if key else None,
            tags=[t.strip().lower() for t in tag or []],
            creator=_creator(creator),
            derivatives=derivatives,
            has_stems=has_stems,
            sort=sort,
            cursor=cursor,
            limit=limit,
        )
    except ValueError as exc:
        raise Unprocessable(str(exc)) from None
    return json_text(await catalog.search_tracks(read, query))


def _creator(creator: str | None) -> uuid.UUID | str | None:
    """A creator filter is a user id or a username."""
    if not creator:
        return None
    return uuid_or_none(creator) or creator


@router.get("/tracks/{track_id}", response_model=TrackOut)
async def get_track(track_id: uuid.UUID, read: DbRead) -> Response:
    """A public or unlisted track, or your own private one."""
    return json_text(await catalog.read_track(read, track_id))


@router.patch("/tracks/{track_id}", response_model=TrackOut)
async def patch_track(
    track_id: uuid.UUID, body: TrackPatch, session: DbSession, user: CurrentUser
) -> TrackOut:
    """Change some fields of your track."""
    return await catalog.patch_track(session, track_id, body, actor=user.user_id)


@router.delete("/tracks/{track_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_track(track_id: uuid.UUID, session: DbSession, user: CurrentUser) -> None:
    """Soft-delete your track (its history, sheets and edges stay)."""
    await catalog.delete_track(session, track_id, actor=user.user_id)


@router.put("/tracks/{track_id}/credits", response_model=CreditsOut)
async def put_credits(
    track_id: uuid.UUID, body: CreditsIn, session: DbSession, user: CurrentUser
) -> CreditsOut:
    """Replace your track's credits (the change is audited in its history)."""
    credits = await catalog.replace_credits(session, track_id, body.credits, actor=user.user_id)
    return CreditsOut(credits=credits)


@router.put("/tracks/{track_id}/splits/{sheet}", response_model=SheetOut)
async def put_sheet(
    track_id: uuid.UUID,
    sheet: SheetKind,
    body: SheetIn,
    session: DbSession,
    user: CurrentUser,
    settings: AppSettings,
) -> SheetOut:
    """A new version of a sheet: entries, `"split": "equal"`, or a preset."""
    return await catalog.put_sheet(
        session,
        track_id,
        sheet,
        body,
        actor=user.user_id,
        consent_required=settings.split_consent_required,
    )


@router.get("/tracks/{track_id}/splits", response_model=SheetsOut | SheetHistoryOut)
async def get_sheets(
    track_id: uuid.UUID,
    session: DbSession,
    at: datetime | None = None,
    history: bool = False,
) -> SheetsOut | SheetHistoryOut:
    """Both sheets in force now (or `at`), or every version with `history=true`."""
    if history:
        return await catalog.sheet_history(session, track_id)
    if at is not None and at.tzinfo is None:
        raise Unprocessable("at needs a time zone")
    return SheetsOut.model_validate(await catalog.get_sheets(session, track_id, at=at))


@router.post(
    "/tracks/{track_id}/splits/{sheet}/versions/{version}/approve", response_model=SheetOut
)
async def approve_sheet(
    track_id: uuid.UUID, sheet: SheetKind, version: int, session: DbSession, user: CurrentUser
) -> SheetOut:
    """A payee consents to a pending version (when the platform requires consent)."""
    return await catalog.approve_version(session, track_id, sheet, version, actor=user.user_id)


@router.get("/tracks/{track_id}/parents", response_model=list[EdgeOut])
async def list_parents(track_id: uuid.UUID, session: DbSession) -> list[EdgeOut]:
    """A track's direct parents."""
    return await catalog.parent_edges(session, track_id)


@router.post(
    "/tracks/{track_id}/parents", status_code=status.HTTP_201_CREATED, response_model=EdgeOut
)
async def add_parent(
    track_id: uuid.UUID, body: ParentIn, session: DbSession, user: CurrentUser
) -> EdgeOut:
    """Link a parent (remix, sample, interpolation, stem_of); a cycle is a 409 with its path."""
    return await catalog.add_parent(session, track_id, body, actor=user.user_id)


@router.delete("/tracks/{track_id}/parents/{parent_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_parent(
    track_id: uuid.UUID, parent_id: uuid.UUID, session: DbSession, user: CurrentUser
) -> None:
    """Unlink a parent."""
    await catalog.remove_parent(session, track_id, parent_id, actor=user.user_id)


@router.get("/tracks/{track_id}/lineage", response_model=LineageOut)
async def lineage(
    track_id: uuid.UUID,
    read: DbRead,
    settings: AppSettings,
    direction: Literal["ancestors", "descendants"] = "ancestors",
    depth: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """Every path up or down to `depth` (capped by the platform), with cumulative shares."""
    capped = min(depth or settings.max_lineage_depth, settings.max_lineage_depth)
    return json_text(await catalog.lineage(read, track_id, direction, capped))


@router.get("/tracks/{track_id}/history", response_model=list[HistoryOut])
async def history(track_id: uuid.UUID, session: DbSession) -> list[HistoryOut]:
    """Every audited change of the track's rights, sheets and edges, oldest first."""
    return await catalog.list_history(session, track_id)


@router.get("/creators/{username}/store", response_model=CreatorStoreOut)
async def creator_store(
    username: str,
    read: DbRead,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """A creator's public tracks, newest first, and counts per sample type."""
    return json_text(await catalog.creator_store(read, username, cursor=cursor, limit=limit))


@router.get("/me/split-presets", response_model=list[PresetOut])
async def list_presets(session: DbSession, user: CurrentUser) -> list[PresetOut]:
    """Your split presets."""
    return await catalog.list_presets(session, actor=user.user_id)


@router.post("/me/split-presets", status_code=status.HTTP_201_CREATED, response_model=PresetOut)
async def create_preset(
    body: PresetIn, session: DbSession, user: CurrentUser, settings: AppSettings
) -> PresetOut:
    """Save a split preset (at most `max_split_presets`, 3 by default)."""
    return await catalog.create_preset(
        session, body, actor=user.user_id, limit=settings.max_split_presets
    )


@router.delete("/me/split-presets/{preset_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_preset(preset_id: uuid.UUID, session: DbSession, user: CurrentUser) -> None:
    """Delete one of your split presets."""
    await catalog.delete_preset(session, preset_id, actor=user.user_id)


@router.post("/imports/tracks", response_model=ImportReport)
async def import_tracks(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    settings: AppSettings,
    dry_run: bool = False,
) -> ImportReport:
    """A CSV in the seed's layout, as the body (text/csv) or a multipart `file` field."""
    return await catalog.import_tracks(
        session,
        await _csv_text(request),
        actor=user.user_id,
        dry_run=dry_run,
        max_rows=settings.import_max_rows,
    )


async def _csv_text(request: Request) -> str:
    """The CSV, from a raw body or the first file of a multipart form, as UTF-8."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Unprocessable("send the CSV as the multipart field `file`")
        raw = await upload.read()
    else:
        raw = await request.body()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Unprocessable("the CSV is not UTF-8") from None
