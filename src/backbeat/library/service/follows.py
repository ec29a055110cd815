"""Follows of users, creators (and of what later domains register: taste's bands), follower
counts (kept by a trigger), and the feed."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.service.track_json import track_json
from backbeat.errors import NotFound
from backbeat.library.errors import CannotFollowSelf, NotACreator
from backbeat.library.service.pages import decode_cursor, page_json
from backbeat.reads import Read, ReadSession

CREATOR = """select 'artist' = any(p.roles) or exists (select 1 from catalog_tracks t
  where t.created_by = p.id and t.visibility = 'public' and t.deleted_at is null)
from identity_public_profiles p where p.id = :id"""


FollowTargetCheck = Callable[[AsyncSession, uuid.UUID, uuid.UUID], Awaitable[None]]
"""(session, target_id, actor) → None, or the domain's error (404 for a target one may not see)."""
TARGET_CHECKS: dict[str, FollowTargetCheck] = {}


def follow_target(kind: str) -> Callable[[FollowTargetCheck], FollowTargetCheck]:
    """A later domain registers the check of a kind of target it owns (taste: `band`), so the
    library follows it without knowing the domain."""

    def register(check: FollowTargetCheck) -> FollowTargetCheck:
        TARGET_CHECKS[kind] = check
        return check

    return register


async def follow(
    session: AsyncSession, kind: str, target_id: uuid.UUID, *, actor: uuid.UUID
) -> None:
    """Follow a user, a creator's releases or a registered kind (again is a no-op)."""
    check = TARGET_CHECKS.get(kind)
    if check is not None:
        await check(session, target_id, actor)
        return await _insert_follow(session, kind, target_id, actor)
    if target_id == actor:
        raise CannotFollowSelf("You cannot follow yourself.")
    creator = (await session.execute(text(CREATOR), {"id": target_id})).first()
    if creator is None:
        raise NotFound(f"No user {target_id}")
    if kind == "creator" and not creator[0]:
        raise NotACreator("Only artists and users with public tracks can be followed as creators.")
    await _insert_follow(session, kind, target_id, actor)


async def _insert_follow(
    session: AsyncSession, kind: str, target_id: uuid.UUID, actor: uuid.UUID
) -> None:
    await session.execute(
        text(
            "insert into library_follows (follower_id, kind, target_id, followed_at) "
            "values (:actor, :kind, :target, clock_timestamp()) on conflict do nothing"
        ),
        {"actor": actor, "kind": kind, "target": target_id},
    )


async def unfollow(
    session: AsyncSession, kind: str, target_id: uuid.UUID, *, actor: uuid.UUID
) -> None:
    await session.execute(
        text(
            "delete from library_follows where follower_id = :actor and kind = :kind "
            "and target_id = :target"
        ),
        {"actor": actor, "kind": kind, "target": target_id},
    )


PROFILE = "json_build_object('id', p.id, 'username', p.username, 'display_name', p.display_name)"
AFTER = """(cast(%(after_key)s as timestamptz) is null
  or (f.followed_at, f.target_id::text || ':' || f.kind)
  < (cast(%(after_key)s as timestamptz), cast(%(after_id)s as text)))"""

FOLLOWING_READ = Read(f"""select json_build_object('kind', f.kind, 'followed_at', f.followed_at,
  'user', {PROFILE})::text, f.followed_at::text, f.target_id::text || ':' || f.kind
from library_follows f join identity_public_profiles p on p.id = f.target_id
where f.follower_id = (select auth.uid()) and {AFTER}
order by f.followed_at desc, f.target_id::text || ':' || f.kind desc limit %(limit)s""")  # noqa: S608


async def following_page(read: ReadSession, *, cursor: str | None, limit: int) -> str:
    """Who you follow, newest first."""
    after_key, after_id = decode_cursor(cursor)
    rows = await read.rows(FOLLOWING_READ, after_key=after_key, after_id=after_id, limit=limit + 1)
    return page_json(rows, limit)


FOLLOWERS_HEAD = Read(f"""select json_build_object('user', {PROFILE},
  'followers', coalesce((select c.followers from library_follow_counts c
    where c.kind = 'user' and c.target_id = p.id), 0),
  'creator_followers', coalesce((select c.followers from library_follow_counts c
    where c.kind = 'creator' and c.target_id = p.id), 0))::text, p.id
from identity_public_profiles p where lower(p.username) = lower(%(username)s)""")  # noqa: S608
FOLLOWERS_READ = Read(f"""select json_build_object('kind', f.kind, 'followed_at', f.followed_at,
  'user', {PROFILE})::text, f.followed_at::text, f.follower_id::text
from library_follows f join identity_public_profiles p on p.id = f.follower_id
where f.target_id = %(target)s
  and (cast(%(after_key)s as timestamptz) is null or (f.followed_at, f.follower_id)
       < (cast(%(after_key)s as timestamptz), cast(%(after_id)s as uuid)))
order by f.followed_at desc, f.follower_id desc limit %(limit)s""")  # noqa: S608


async def followers_page(
    read: ReadSession, username: str, *, cursor: str | None, limit: int
) -> str:
    """A user's follower counts (kept by the trigger) and their followers, newest first."""
    head = await read.rows(FOLLOWERS_HEAD, username=username)
    if not head:
        raise NotFound(f"No user {username!r}")
    summary, target = head[0]
    after_key, after_id = decode_cursor(cursor)
    rows = await read.rows(
        FOLLOWERS_READ, target=target, after_key=after_key, after_id=after_id, limit=limit + 1
    )
    return page_json(rows, limit, head=f"{str(summary)[1:-1]},")


TRACK = track_json(contact_info="null", credits=None)
FEED_READ = Read(f"""select {TRACK}::text, t.created_at::text, t.id::text
from catalog_tracks t
where t.created_by in (select f.target_id from library_follows f
    where f.follower_id = (select auth.uid()))
  and t.visibility = 'public' and t.deleted_at is null
  and (cast(%(after_key)s as timestamptz) is null or (t.created_at, t.id)
       < (cast(%(after_key)s as timestamptz), cast(%(after_id)s as uuid)))
order by t.created_at desc, t.id desc limit %(limit)s""")  # noqa: S608


async def feed_page(read: ReadSession, *, cursor: str | None, limit: int) -> str:
    """New public tracks of the users and creators you follow, newest first."""
    after_key, after_id = decode_cursor(cursor)
    rows = await read.rows(FEED_READ, after_key=after_key, after_id=after_id, limit=limit + 1)
    return page_json(rows, limit)
