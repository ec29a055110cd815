"""The ListenBrainz-compatible API at `/1/`: existing scrobblers work by changing the base URL."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from backbeat.edge import DbRead, DbSession, json_text
from backbeat.identity.auth import caller_of
from backbeat.listening import listenbrainz as lb
from backbeat.listening import service as listening
from backbeat.listening.lb_edge import ListenBrainzRoute, TokenReader, TokenWriter
from backbeat.listening.lb_schemas import (
    LbCount,
    LbListens,
    LbPlayingNow,
    LbStatus,
    LbTokenValidity,
)

router = APIRouter(prefix="/1", tags=["listenbrainz"], route_class=ListenBrainzRoute)
Arg = Annotated[str | None, Query(max_length=40)]


@router.post("/submit-listens", response_model=LbStatus)
async def submit_listens(request: Request, session: DbSession, user: TokenWriter) -> Response:
    """`single`, `playing_now` or `import` listens in ListenBrainz's JSON (read from the raw
    body, as ListenBrainz does, so clients that send no Content-Type work too)."""
    await listening.submit_document(session, user.user_id, await request.body())
    return json_text(listening.status_ok())


@router.get("/validate-token", response_model=LbTokenValidity)
async def validate_token(request: Request, read: DbRead) -> Response:
    """Whether `Authorization: Token <PAT>` is a live token, and whose."""
    if not request.headers.get("authorization"):
        raise lb.ListenBrainzRefusal("You need to provide an Authorization token.")
    if caller_of(request) is None:
        return json_text(listening.TOKEN_INVALID)
    return json_text(await listening.token_username(read))


def _own(found: listening.UserRead, user_name: str) -> str:
    if not found.found or found.payload is None:
        raise lb.ListenBrainzRefusal(f"Cannot find user: {user_name}", 404)
    if not found.own:
        raise lb.ListenBrainzRefusal(f"The listens of {user_name} are private.", 403)
    return listening.payload_body(found.payload)


@router.get("/user/{user_name}/listens", response_model=LbListens)
async def get_listens(
    user_name: str,
    read: DbRead,
    user: TokenReader,
    min_ts: Arg = None,
    max_ts: Arg = None,
    count: Arg = None,
) -> Response:
    """Your listens, newest first; `min_ts`/`max_ts` are exclusive bounds, `count` ≤ 1000."""
    query = lb.listens_query(min_ts, max_ts, count)
    found = await listening.listens_json(
        read, user_name, min_ts=query.min_ts, max_ts=query.max_ts, count=query.count
    )
    return json_text(_own(found, user_name))


@router.get("/user/{user_name}/playing-now", response_model=LbPlayingNow)
async def get_playing_now(user_name: str, read: DbRead, user: TokenReader) -> Response:
    """What you play right now (kept for the track's duration, 600 s without one)."""
    return json_text(_own(await listening.playing_now_json(read, user_name), user_name))


@router.get("/user/{user_name}/listen-count", response_model=LbCount)
async def get_listen_count(user_name: str, read: DbRead, user: TokenReader) -> Response:
    """How many listens you have."""
    return json_text(_own(await listening.listen_count_json(read, user_name), user_name))


@router.post("/delete-listen", response_model=LbStatus)
async def delete_listen(request: Request, session: DbSession, user: TokenWriter) -> Response:
    """Delete your listen at `listened_at` of `recording_msid` (a no-op when there is none)."""
    await listening.delete_document(session, user.user_id, await request.body())
    return json_text(listening.status_ok())
