"""Hot reads of the studio as JSON built by PostgreSQL, one round trip each, as the caller's role:
a project with its document, the project list, the history, presence."""

from __future__ import annotations

import uuid
from datetime import datetime

from backbeat.reads import Read, ReadSession
from backbeat.studio.errors import ProjectNotFound
from backbeat.studio.service.projects import decode_cursor, encode_cursor

SUMMARY = """'id', p.id, 'owner_id', p.owner_id, 'role', studio_role_of(p.id), 'name', p.name,
  'description', p.description, 'bpm', p.bpm, 'key', p.key, 'time_signature', p.time_signature,
  'sample_rate', p.sample_rate, 'bit_depth', p.bit_depth, 'target_lufs', p.target_lufs,
  'current_lufs', p.current_lufs, 'dynamic_range', p.dynamic_range, 'genre', p.genre,
  'mood', p.mood, 'tags', p.tags, 'version', p.version, 'document_bytes', p.document_bytes,
  'created_at', p.created_at, 'updated_at', p.updated_at, 'last_opened_at', p.last_opened_at,
  'last_saved_at', p.last_saved_at"""

PROJECT_READ = Read(
    f"select json_build_object({SUMMARY}, 'document', p.document)::text, p.version "  # noqa: S608
    "from studio_projects p where p.id = %(id)s"
)

PROJECTS_READ = Read(
    f"select json_build_object({SUMMARY})::text, p.updated_at, p.id "  # noqa: S608
    "from studio_projects p "
    "where (%(genre)s::text is null or p.genre = %(genre)s) "
    "and (%(tag)s::text is null or p.tags @> array[%(tag)s::text]) "
    "and (%(q)s::text is null or p.name ilike %(q)s or p.description ilike %(q)s) "
    "and (%(after_at)s::timestamptz is null "
    "  or (p.updated_at, p.id) < (%(after_at)s::timestamptz, %(after_id)s::uuid)) "
    "order by p.updated_at desc, p.id desc limit %(limit)s"
)

VERSION_FIELDS = """'version', v.version, 'author', v.author_id, 'author_username', v.username,
  'device_id', v.device_id, 'created_at', v.created_at, 'size', v.size_bytes,
  'patch_size', v.patch_bytes, 'merged', v.merged, 'restored_from', v.restored_from,
  'checkpoint', v.checkpoint is not null"""


def _versions_read(*, since: bool) -> Read:
    where = (
        "v.version > %(since)s" if since else "(%(before)s::int is null or v.version < %(before)s)"
    )
    order = "asc" if since else "desc"
    patch = "v.patch" if since else "null"
    return Read(
        f"""with page as (
  select v.*, a.username from studio_project_versions v
    left join identity_public_profiles a on a.id = v.author_id
   where v.project_id = %(id)s and {where} order by v.version {order} limit %(limit)s)
select json_build_object('head', p.version,
  'items', coalesce((select json_agg(json_build_object({VERSION_FIELDS},
     'patch', {patch}) order by v.version {order}) from page v), '[]'::json),
  'next', (select case when count(*) = %(limit)s then {"max" if since else "min"}(version) end
     from page))::text
from studio_projects p where p.id = %(id)s"""  # noqa: S608
    )


HISTORY_READ = _versions_read(since=False)
SINCE_READ = _versions_read(since=True)

PRESENCE_READ = Read(
    """select json_build_object('items', coalesce((select json_agg(json_build_object(
    'user_id', s.user_id, 'username', a.username, 'device_id', s.device_id,
    'cursor', s.cursor_seconds, 'view_state', s.view_state, 'active_tool', s.active_tool,
    'joined_at', s.joined_at, 'last_seen_at', s.last_seen_at) order by s.joined_at)
  from studio_presence s left join identity_public_profiles a on a.id = s.user_id
  where s.project_id = p.id
    and s.last_seen_at > now() - make_interval(secs => %(timeout)s)), '[]'::json))::text
from studio_projects p where p.id = %(id)s"""
)


async def read_project(read: ReadSession, project_id: uuid.UUID) -> tuple[str, int]:
    """The project with its head document, and its version (the ETag)."""
    rows = await read.rows(PROJECT_READ, id=project_id)
    if not rows:
        raise ProjectNotFound(f"No project {project_id}.")
    return str(rows[0][0]), int(rows[0][1])


def like_pattern(q: str) -> str:
    """A substring match with the user's % and _ taken literally."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def read_projects(
    read: ReadSession,
    *,
    genre: str | None,
    tag: str | None,
    q: str | None,
    cursor: str | None,
    limit: int,
) -> str:
    """My projects and those shared with me, newest first, as a ProjectPage."""
    after: tuple[datetime, uuid.UUID] | tuple[None, None] = (
        (decode_cursor(cursor) or (None, None)) if cursor else (None, None)
    )
    rows = await read.rows(
        PROJECTS_READ,
        genre=genre,
        tag=tag.strip().lower() if tag else None,
        q=like_pattern(q) if q else None,
        after_at=after[0],
        after_id=after[1],
        limit=limit,
    )
    items = ",".join(str(r[0]) for r in rows)
    following = f'"{encode_cursor(rows[-1][1], rows[-1][2])}"' if len(rows) == limit else "null"
    return f'{{"items":[{items}],"next":{following}}}'


async def read_versions(
    read: ReadSession, project_id: uuid.UUID, *, since: int | None, before: int | None, limit: int
) -> str:
    """The history newest first; with `since`, every later version oldest first with patches."""
    if since is not None:
        found = await read.one(SINCE_READ, id=project_id, since=since, limit=limit)
    else:
        found = await read.one(HISTORY_READ, id=project_id, before=before, limit=limit)
    if found is None:
        raise ProjectNotFound(f"No project {project_id}.")
    return found


async def read_presence(read: ReadSession, project_id: uuid.UUID, *, timeout_seconds: int) -> str:
    """Devices seen on the project's live socket within the timeout."""
    found = await read.one(PRESENCE_READ, id=project_id, timeout=timeout_seconds)
    if found is None:
        raise ProjectNotFound(f"No project {project_id}.")
    return found
