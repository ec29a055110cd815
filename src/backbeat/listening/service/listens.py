"""The native listens API: a user's listens newest first (keyset pages), and deleting one."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.errors import NotFound, Unprocessable
from backbeat.reads import Read, ReadSession

LISTEN_JSON = """json_build_object('id', l.id, 'listened_at', l.listened_at,
  'artist_name', l.artist_name, 'track_name', l.track_name, 'release_name', l.release_name,
  'duration_ms', l.duration_ms, 'ms_played', l.ms_played, 'skipped', l.skipped,
  'track_id', l.track_id, 'recording_msid', l.recording_msid, 'recording_mbid', l.recording_mbid,
  'isrc', l.isrc, 'spotify_id', l.spotify_id, 'client', l.client, 'platform', l.platform,
  'inserted_at', l.inserted_at)"""

PAGE_SQL = f"""select {LISTEN_JSON}::text, l.listened_at::text, l.id::text
from listening_listens l
where l.user_id = (select auth.uid())
  and (cast(%(since)s as timestamptz) is null or l.listened_at >= %(since)s)
  and (cast(%(until)s as timestamptz) is null or l.listened_at < %(until)s)
  and (cast(%(track_id)s as uuid) is null or l.track_id = %(track_id)s)
  and (cast(%(after_at)s as timestamptz) is null
       or (l.listened_at, l.id) < (cast(%(after_at)s as timestamptz), cast(%(after_id)s as uuid)))
order by l.listened_at desc, l.id desc
limit %(limit)s"""  # noqa: S608
PAGE_READ = Read(PAGE_SQL)
"""The caller's own listens (RLS agrees): the (user_id, listened_at desc, id) index, keyset."""


@dataclass(frozen=True)
class ListenFilter:
    """Which of the caller's listens a page shows."""

    since: datetime | None = None
    until: datetime | None = None
    track_id: uuid.UUID | None = None
    cursor: str | None = None
    limit: int = 50


def encode_cursor(listened_at: str, listen_id: str) -> str:
    raw = json.dumps([listened_at, listen_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        listened_at, listen_id = json.loads(raw)
        return datetime.fromisoformat(listened_at), uuid.UUID(listen_id)
    except (ValueError, TypeError, AttributeError):
        raise Unprocessable("cursor is not a cursor of this list") from None


def as_utc(value: datetime | None) -> datetime | None:
    """A client's time in UTC (naive means UTC); PostgreSQL refuses offsets past ±15:59."""
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise Unprocessable(f"{value.isoformat()} is out of range") from None


async def listen_page(read: ReadSession, query: ListenFilter) -> str:
    """A ListenPage as JSON: {"items": [...], "next_cursor": …}."""
    after_at, after_id = decode_cursor(query.cursor) if query.cursor else (None, None)
    rows = await read.rows(
        PAGE_READ,
        since=as_utc(query.since),
        until=as_utc(query.until),
        track_id=query.track_id,
        after_at=after_at,
        after_id=after_id,
        limit=query.limit + 1,
    )
    page = rows[: query.limit]
    more = len(rows) > query.limit and page
    cursor = encode_cursor(page[-1][1], page[-1][2]) if more else None
    return f'{{"items":[{",".join(row[0] for row in page)}],"next_cursor":{json.dumps(cursor)}}}'


async def delete_listen(session: AsyncSession, listen_id: uuid.UUID, *, actor: uuid.UUID) -> None:
    """Delete one of your listens (404 for anyone else's, which RLS hides anyway)."""
    found = await session.execute(
        text("delete from listening_listens where id = :id and user_id = :actor returning id"),
        {"id": listen_id, "actor": actor},
    )
    if found.first() is None:
        raise NotFound(f"No listen {listen_id}")
