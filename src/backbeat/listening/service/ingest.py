"""Storing listens: one statement per batch matches catalog tracks and drops duplicates."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.models import uuid7
from backbeat.listening import listenbrainz as lb
from backbeat.listening.listens import ListenIn

NORMALISED = "lower(regexp_replace(btrim({0}), '\\s+', ' ', 'g'))"
PUBLIC = "{0}.visibility = 'public' and {0}.deleted_at is null"

SPACES = "E' \\t\\n\\r\\f\\x0b'"
COARSE = "translate(lower({0}), " + SPACES + ", '')"
"""Lower-case text without ASCII whitespace: equal whenever the normalised texts are (bar exotic
Unicode spaces), so it narrows the catalog cheaply before the exact comparison."""

INGEST_SQL = f"""
with incoming as (
  select * from jsonb_to_recordset(cast(:rows as jsonb)) as r(
    id uuid, listened_at timestamptz, artist_name text, track_name text, release_name text,
    duration_ms int, ms_played int, skipped boolean, recording_msid uuid, recording_mbid uuid,
    isrc text, spotify_id text, track_id uuid, client text, platform text, additional_info jsonb)
), candidates as materialized (
  select t.id, t.created_at, {NORMALISED.format("t.artist")} as artist,
    {NORMALISED.format("t.title")} as title
  from catalog_tracks t
  where {PUBLIC.format("t")}
    and {COARSE.format("t.title")} in (select {COARSE.format("track_name")} from incoming)
), by_name as (
  select distinct on (artist, title) artist, title, id from candidates
  order by artist, title, created_at, id
), by_isrc as (
  select distinct on (t.isrc) t.isrc, t.id from catalog_tracks t
  where {PUBLIC.format("t")} and t.isrc in (select isrc from incoming where isrc is not null)
  order by t.isrc, t.created_at, t.id
), matched as (
  select r.*, coalesce(by_id.id, by_isrc.id, by_name.id) as matched_id
  from incoming r
  left join catalog_tracks by_id on by_id.id = r.track_id and {PUBLIC.format("by_id")}
  left join by_isrc on by_isrc.isrc = r.isrc
  left join by_name on by_name.artist = {NORMALISED.format("r.artist_name")}
    and by_name.title = {NORMALISED.format("r.track_name")}
)
insert into listening_listens (id, user_id, listened_at, artist_name, track_name, release_name,
  duration_ms, ms_played, skipped, recording_msid, recording_mbid, isrc, spotify_id, track_id,
  client, platform, additional_info)
select id, :user_id, listened_at, artist_name, track_name, release_name, duration_ms, ms_played,
  coalesce(skipped, false), recording_msid, recording_mbid, isrc, spotify_id, matched_id, client,
  platform, coalesce(additional_info, '{{}}'::jsonb)
from matched
on conflict (user_id, listened_at, recording_msid) do nothing
returning id
"""  # noqa: S608
"""A listen names a public catalog track by id, by ISRC, or by exact normalised artist+title
(the oldest such track); the catalog is read once per batch, narrowed by the batch's titles."""


@dataclass(frozen=True)
class IngestResult:
    """What one batch did: stored listens (their ids) and dropped duplicates."""

    ids: list[uuid.UUID]
    duplicates: int

    @property
    def inserted(self) -> int:
        return len(self.ids)


async def ensure_partitions(session: AsyncSession, earliest: datetime, latest: datetime) -> None:
    """Monthly partitions for every month the batch touches (a no-op when they exist)."""
    await session.execute(
        text("select listening_ensure_partitions(:earliest, :latest)"),
        {"earliest": earliest, "latest": latest},
    )


async def ingest_listens(
    session: AsyncSession, user_id: uuid.UUID, listens: Sequence[ListenIn]
) -> IngestResult:
    """Store a batch for one user; a listen already stored (same instant, same track) is
    dropped, and so is a repeat inside the batch."""
    if not listens:
        return IngestResult([], 0)
    unique: dict[tuple[datetime, uuid.UUID], ListenIn] = {}
    for listen in listens:
        unique.setdefault((listen.listened_at, listen.msid), listen)
    times = [key[0] for key in unique]
    await ensure_partitions(session, min(times), max(times))
    rows: list[dict[str, Any]] = [listen.row(uuid7()) for listen in unique.values()]
    found = await session.execute(text(INGEST_SQL), {"rows": json.dumps(rows), "user_id": user_id})
    ids = [row[0] for row in found.all()]
    return IngestResult(ids, len(listens) - len(ids))


async def set_playing_now(
    session: AsyncSession, user_id: uuid.UUID, metadata: dict[str, Any], seconds: int
) -> None:
    """Replace what the user plays now; it expires after the track's duration."""
    expires = datetime.now(UTC) + timedelta(seconds=seconds)
    await session.execute(
        text(
            "insert into listening_playing_now (user_id, track_metadata, started_at, expires_at) "
            "values (:user_id, cast(:metadata as jsonb), now(), :expires) "
            "on conflict (user_id) do update set track_metadata = excluded.track_metadata, "
            "started_at = excluded.started_at, expires_at = excluded.expires_at"
        ),
        {"user_id": user_id, "metadata": json.dumps(metadata), "expires": expires},
    )


async def submit_document(session: AsyncSession, user_id: uuid.UUID, raw: bytes) -> int:
    """POST /1/submit-listens: validate the whole document first, then store it (or, for
    playing_now, remember it for its duration); returns how many listens were stored."""
    document = lb.parse_document(raw)
    submission = lb.parse_submission(raw, document)
    listens = [lb.validate_listen(item, submission.listen_type) for item in submission.listens]
    if submission.listen_type == "playing_now":
        metadata = listens[0]["track_metadata"]
        await set_playing_now(session, user_id, metadata, lb.playing_now_seconds(metadata))
        return 0
    result = await ingest_listens(session, user_id, [lb.to_listen(item) for item in listens])
    return result.inserted


async def delete_document(session: AsyncSession, user_id: uuid.UUID, raw: bytes) -> None:
    """POST /1/delete-listen: the caller's listen at that instant of that recording."""
    deletion = lb.parse_deletion(lb.parse_document(raw))
    await session.execute(
        text(
            "delete from listening_listens where user_id = :actor and listened_at = :at "
            "and recording_msid = :msid"
        ),
        {"actor": user_id, "at": deletion.listened_at, "msid": deletion.recording_msid},
    )
