"""ListenBrainz-compatible reads: a user's listens, playing now, the count; whose token it is."""

from __future__ import annotations

import json
from dataclasses import dataclass

from backbeat.reads import Read, ReadSession

USER_CTE = """with u as (
  select p.id, p.username from identity_public_profiles p
  where lower(p.username) = lower(%(user_name)s)
)"""
"""The named user; ListenBrainz answers 404 "Cannot find user" when there is none."""

LB_LISTEN = """json_build_object('listened_at', extract(epoch from l.listened_at)::bigint,
  'inserted_at', extract(epoch from l.inserted_at)::bigint,
  'recording_msid', l.recording_msid, 'user_name', u.username,
  'track_metadata', jsonb_strip_nulls(jsonb_build_object('artist_name', l.artist_name,
    'track_name', l.track_name, 'release_name', l.release_name,
    'additional_info', l.additional_info || jsonb_strip_nulls(jsonb_build_object(
      'recording_msid', l.recording_msid, 'backbeat_track_id', l.track_id)))))"""

LISTENS_READ = Read(f"""{USER_CTE}, picked as (
  select l.* from listening_listens l, u
  where l.user_id = u.id
    and (cast(%(min_ts)s as bigint) is null or l.listened_at > to_timestamp(%(min_ts)s))
    and (cast(%(max_ts)s as bigint) is null or l.listened_at < to_timestamp(%(max_ts)s))
  order by case when %(ascending)s then l.listened_at end asc,
           case when not %(ascending)s then l.listened_at end desc, l.id desc
  limit %(count)s
)
select u.id = (select auth.uid()), json_build_object(
  'user_id', u.username,
  'count', (select count(*) from picked),
  'listens', coalesce((select json_agg({LB_LISTEN} order by l.listened_at desc, l.id desc)
    from picked l), '[]'::json),
  'latest_listen_ts', (select extract(epoch from max(l.listened_at))::bigint
    from listening_listens l where l.user_id = u.id),
  'oldest_listen_ts', (select extract(epoch from min(l.listened_at))::bigint
    from listening_listens l where l.user_id = u.id))::text
from u""")  # noqa: S608
"""With only min_ts, ListenBrainz returns the listens just after it (still newest first)."""

PLAYING_NOW_READ = Read(f"""{USER_CTE}
select u.id = (select auth.uid()), json_build_object(
  'count', (select count(*) from listening_playing_now p where p.user_id = u.id
    and p.expires_at > now()),
  'user_id', u.username, 'playing_now', true,
  'listens', coalesce((select json_agg(json_build_object('playing_now', true,
    'track_metadata', p.track_metadata)) from listening_playing_now p
    where p.user_id = u.id and p.expires_at > now()), '[]'::json))::text
from u""")  # noqa: S608

COUNT_READ = Read(f"""{USER_CTE}
select u.id = (select auth.uid()), json_build_object('count',
  (select count(*) from listening_listens l where l.user_id = u.id))::text
from u""")  # noqa: S608


@dataclass(frozen=True)
class UserRead:
    """What a read found: whether the user exists, is the caller, and the payload."""

    found: bool
    own: bool
    payload: str | None


async def _user_read(read: ReadSession, statement: Read, **params: object) -> UserRead:
    rows = await read.rows(statement, **params)
    if not rows:
        return UserRead(False, False, None)
    own, payload = rows[0]
    return UserRead(True, bool(own), str(payload))


async def listens_json(
    read: ReadSession, user_name: str, *, min_ts: int | None, max_ts: int | None, count: int
) -> UserRead:
    """The user's listens between the bounds (exclusive), at most `count`."""
    ascending = min_ts is not None and max_ts is None
    return await _user_read(
        read,
        LISTENS_READ,
        user_name=user_name,
        min_ts=min_ts,
        max_ts=max_ts,
        count=count,
        ascending=ascending,
    )


async def playing_now_json(read: ReadSession, user_name: str) -> UserRead:
    return await _user_read(read, PLAYING_NOW_READ, user_name=user_name)


async def listen_count_json(read: ReadSession, user_name: str) -> UserRead:
    return await _user_read(read, COUNT_READ, user_name=user_name)


TOKEN_USER_READ = Read(
    "select json_build_object('code', 200, 'message', 'Token valid.', 'valid', true, "
    "'user_name', p.username)::text from identity_public_profiles p "
    "where p.id = (select auth.uid())"
)
TOKEN_INVALID = '{"code": 200, "message": "Token invalid.", "valid": false}'  # noqa: S105


async def token_username(read: ReadSession) -> str:
    """validate-token's answer for the token the request's claims came from."""
    return await read.one(TOKEN_USER_READ) or TOKEN_INVALID


def payload_body(payload: str) -> str:
    """ListenBrainz wraps every read in {"payload": …}."""
    return f'{{"payload":{payload}}}'


def status_ok() -> str:
    return json.dumps({"status": "ok"})
