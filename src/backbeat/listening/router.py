"""HTTP routes of the native listens API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from backbeat.edge import DbRead, DbSession, json_text
from backbeat.identity.auth import CurrentUser
from backbeat.listening import service as listening
from backbeat.listening.schemas import ListenBatch, ListenCreate, ListenPage, ListensAccepted

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
