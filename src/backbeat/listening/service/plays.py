"""Plays per track per day (kept incrementally by a job), trending, track stats, the dashboard.

A listen is a play when it names a catalog track and was played enough: ms_played unknown (a
scrobbler only submits finished listens) or at least `listening_play_min_ms`. The job walks
listens in id order (ids are UUIDv7, so in insertion order) from a cursor, and stops `lag`
seconds short of now so that a transaction still open with older ids is not passed over.
Deleting a listen does not take its play back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.service.track_json import track_json
from backbeat.errors import NotFound
from backbeat.reads import Read, ReadSession

CURSOR = "plays"
ZERO = uuid.UUID(int=0)

COUNT_SQL = """
with batch as (
  select l.id, l.track_id, l.user_id, (l.listened_at at time zone 'UTC')::date as day
  from listening_listens l
  where l.id > :after and l.id <= :until and l.track_id is not null
    and (l.ms_played is null or l.ms_played >= :min_ms
      or (l.duration_ms > 0 and l.ms_played * 2 >= l.duration_ms))
  order by l.id limit :limit
), new_listeners as (
  insert into listening_track_listeners_daily (track_id, day, user_id)
  select distinct track_id, day, user_id from batch
  on conflict do nothing
  returning track_id, day
), fresh as (
  select track_id, day, count(*) as listeners from new_listeners group by track_id, day
), counted as (
  insert into listening_track_plays_daily as d (track_id, day, plays, listeners)
  select p.track_id, p.day, p.plays, coalesce(f.listeners, 0)
  from (select b.track_id, b.day, count(*) as plays from batch b group by b.track_id, b.day) p
  left join fresh f on f.track_id = p.track_id and f.day = p.day
  on conflict (track_id, day) do update
    set plays = d.plays + excluded.plays, listeners = d.listeners + excluded.listeners
  returning 1
)
select (select id from batch order by id desc limit 1), (select count(*) from batch),
  (select count(*) from counted)
"""
"""One chunk: new listener-days first, then the day's plays and its new unique listeners."""


def id_bound(moment: datetime) -> uuid.UUID:
    """The greatest UUIDv7 a moment can have been given (its millisecond, every random bit)."""
    millis = int(moment.timestamp() * 1000) + 1
    return uuid.UUID(int=(millis << 80) - 1)


@dataclass(frozen=True)
class CountResult:
    listens: int
    chunks: int


async def count_plays_chunk(
    session: AsyncSession, *, min_ms: int, lag_seconds: int, limit: int, now: datetime | None = None
) -> int:
    """Count one chunk of new listens (job's owner session; one runner at a time)."""
    until = id_bound((now or datetime.now(UTC)) - timedelta(seconds=lag_seconds))
    await session.execute(
        text(
            "insert into listening_plays_cursor (name, last_id) values (:name, :zero) "
            "on conflict do nothing"
        ),
        {"name": CURSOR, "zero": ZERO},
    )
    after = await session.scalar(
        text("select last_id from listening_plays_cursor where name = :name for update"),
        {"name": CURSOR},
    )
    last, seen, _ = (
        await session.execute(
            text(COUNT_SQL), {"after": after, "until": until, "min_ms": min_ms, "limit": limit}
        )
    ).one()
    mark = last if seen >= limit else max(until, after)
    await session.execute(
        text(
            "update listening_plays_cursor set last_id = :mark, updated_at = now() "
            "where name = :name"
        ),
        {"name": CURSOR, "mark": mark},
    )
    return int(seen)


TRACK = track_json(contact_info="null", credits=None)
STATS_READ = Read("""select json_build_object('track_id', t.id,
  'total_plays', coalesce((select sum(d.plays) from listening_track_plays_daily d
    where d.track_id = t.id), 0),
  'days', coalesce((select json_agg(json_build_object('day', d.day, 'plays', d.plays,
      'listeners', d.listeners) order by d.day)
    from listening_track_plays_daily d
    where d.track_id = t.id and d.day > current_date - cast(%(days)s as integer)),
    '[]'::json))::text
from catalog_tracks t where t.id = %(id)s and t.deleted_at is null""")
"""A track the caller may see (RLS); its plays and unique listeners per day."""


async def track_stats(read: ReadSession, track_id: uuid.UUID, *, days: int) -> str:
    found = await read.one(STATS_READ, id=track_id, days=days)
    if found is None:
        raise NotFound(f"No track {track_id}")
    return found


TRENDING_READ = Read(f"""with scored as (
  select d.track_id, sum(d.plays) as plays,
    sum(d.plays * power(0.5,
      (current_date - d.day)::float8 / cast(%(half_life)s as float8))) as score
  from listening_track_plays_daily d
  where d.day > current_date - cast(%(days)s as integer)
  group by d.track_id
)
select coalesce(json_agg(json_build_object('rank', r.rank, 'score', round(r.score::numeric, 3),
  'plays', r.plays, 'track', r.track) order by r.rank), '[]'::json)::text
from (
  select row_number() over (order by s.score desc, t.id) as rank, s.score, s.plays,
    {TRACK} as track
  from scored s join catalog_tracks t on t.id = s.track_id
  where t.visibility = 'public' and t.deleted_at is null
  order by s.score desc, t.id limit %(limit)s
) r""")  # noqa: S608
"""Public tracks by plays, each day's plays halving in weight every `half_life` days."""


async def trending(read: ReadSession, *, half_life_days: float, days: int, limit: int) -> str:
    found = await read.one(TRENDING_READ, half_life=half_life_days, days=days, limit=limit)
    return f'{{"items":{found or "[]"}}}'


DASHBOARD_READ = Read("""with mine as (
  select t.id from catalog_tracks t where t.created_by = (select auth.uid())
), plays as (
  select d.track_id, sum(d.plays) as plays from listening_track_plays_daily d
  where d.track_id in (select id from mine)
    and d.day > current_date - cast(%(days)s as integer)
  group by d.track_id
)
select json_build_object(
  'days', cast(%(days)s as integer),
  'plays', coalesce((select sum(plays) from plays), 0),
  'listeners', listening_my_listeners(current_date - cast(%(days)s as integer)),
  'followers', coalesce((select sum(c.followers) from library_follow_counts c
    where c.target_id = (select auth.uid())), 0),
  'top_tracks', coalesce((select json_agg(json_build_object('track_id', t.id,
      'title', t.title, 'plays', p.plays) order by p.plays desc, t.id)
    from (select * from plays order by plays desc limit 10) p
    join catalog_tracks t on t.id = p.track_id), '[]'::json),
  'earnings', coalesce((select json_agg(json_build_object('asset', e.asset,
      'lifetime', e.lifetime::text) order by e.asset) from (
    select a.asset, sum(b.balance) as lifetime from royalties_accounts a
    join royalties_balances b on b.account_id = a.id
    where a.payee_id = any(royalties_payees_of((select auth.uid())))
      and a.kind in ('payee', 'in_payout', 'paid_out')
    group by a.asset) e), '[]'::json))::text""")
"""The creator's last `days`: plays, unique listeners, top tracks, followers (library's
counts), lifetime earnings per asset (royalties' ledger, as /v1/me/balances reads it)."""


async def dashboard(read: ReadSession, *, days: int) -> str:
    return await read.one(DASHBOARD_READ, days=days) or "{}"
