"""HTTP routes of generation: queue one, read, list, follow it live; the daily quota."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import StreamingResponse

from backbeat.edge import AppSettings, DbRead, DbSession, State, json_text
from backbeat.identity.auth import CurrentUser
from backbeat.taste.generation_schemas import (
    GenerationAccepted,
    GenerationIn,
    GenerationOut,
    GenerationPage,
    QuotaOut,
)
from backbeat.taste.service import generations, quota

router = APIRouter(prefix="/v1", tags=["generation"])
Cursor = Annotated[str | None, Query(max_length=100)]
Limit = Annotated[int, Query(ge=1, le=100)]


@router.post(
    "/generations", status_code=status.HTTP_202_ACCEPTED, response_model=GenerationAccepted
)
async def create_generation(
    body: GenerationIn, session: DbSession, settings: AppSettings, user: CurrentUser
) -> GenerationAccepted:
    """Queue a generation (one of today's quota; 429 with Retry-After when it is used up)."""
    found = await generations.create_generation(session, settings, body, actor=user.user_id)
    return GenerationAccepted(id=found.id, status="queued")


@router.get("/generations", response_model=GenerationPage)
async def list_generations(
    session: DbSession, user: CurrentUser, cursor: Cursor = None, limit: Limit = 20
) -> GenerationPage:
    """Your generations, newest first."""
    items, next_cursor = await generations.list_generations(
        session, actor=user.user_id, cursor=cursor, limit=limit
    )
    return GenerationPage(items=items, next_cursor=next_cursor)


@router.get("/generations/{generation_id}", response_model=GenerationOut)
async def get_generation(generation_id: uuid.UUID, read: DbRead, user: CurrentUser) -> Response:
    """Status, provenance and (when completed) the track of one of your generations."""
    return json_text(await generations.read_generation(read, generation_id))


@router.get("/generations/{generation_id}/events", response_model=None)
async def generation_events(
    generation_id: uuid.UUID, session: DbSession, user: CurrentUser, state: State
) -> StreamingResponse:
    """Server-sent events: the status now, then each change, until completed or failed."""
    stream = await generations.follow_generation(
        session,
        state.require_database(),
        state.require_broker(),
        generation_id,
        actor=user.user_id,
    )
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


@router.get("/me/quota", response_model=QuotaOut)
async def my_quota(session: DbSession, user: CurrentUser) -> QuotaOut:
    """Your plan, generations used today, the limit (null: unlimited) and the next reset."""
    found = await quota.quota_of(session, user.user_id, now=datetime.now(UTC))
    return QuotaOut(plan=found.plan, used=found.used, limit=found.limit, resets_at=found.resets_at)
