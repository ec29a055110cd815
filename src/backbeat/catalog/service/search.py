"""Search and discovery: one SQL statement that returns ready JSON rows (no ORM on the hot path).

Full-text matching is on a stored, weighted tsvector (title A > artist B > tags C >
description D) with prefix matching on every word; pages are keyset pages behind an opaque cursor.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from backbeat.catalog.service.track_json import track_json
from backbeat.errors import NotFound, Unprocessable
from backbeat.reads import Read, ReadSession

Sort = Literal["relevance", "newest", "title", "bpm"]
_WORD = re.compile(r"\w+")

TRACK_JSON = track_json(contact_info="null", credits=None)

# sort → (key expression, direction, cast of the cursor value)
_SORTS: dict[str, tuple[str, str, str]] = {
    "relevance": ("ts_rank(t.search, q.query)::float8", "desc", "float8"),
    "newest": ("t.created_at", "desc", "timestamptz"),
    "title": ("t.title", "asc", "text"),
    "bpm": ("coalesce(t.bpm, 'Infinity'::float8)", "asc", "float8"),
}


@dataclass(frozen=True)
class SearchQuery:
    """What a search asks for; every filter optional."""

    q: str | None = None
    sample_type: str | None = None
    loop_category: str | None = None
    bpm_min: float | None = None
    bpm_max: float | None = None
    key: str | None = None
    tags: list[str] = field(default_factory=list)
    creator: uuid.UUID | str | None = None
    derivatives: bool | None = None
    has_stems: bool | None = None
    sort: Sort = "relevance"
    cursor: str | None = None
    limit: int = 20


def prefix_query(q: str) -> str | None:
    """'night dri' → 'night:* & dri:*'; words only, so nothing in q can break tsquery syntax."""
    words = _WORD.findall(q.lower())
    return " & ".join(f"{w}:*" for w in words) if words else None


def encode_cursor(sort: str, key: str, track_id: str) -> str:
    raw = json.dumps([sort, key, track_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[str, uuid.UUID]:
    """The key and id after which the next page starts; a cursor of another sort is refused."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, key, track_id = json.loads(raw)
        if cursor_sort != sort or not isinstance(key, str):
            raise ValueError
        return key, uuid.UUID(track_id)
    except (ValueError, TypeError):
        raise Unprocessable("cursor is not a cursor of this search") from None


def build_read(query: SearchQuery) -> tuple[Read, dict[str, Any], str]:
    """The one statement a search runs, its parameters, and the effective sort."""
    tsquery = prefix_query(query.q) if query.q else None
    sort = query.sort if (query.sort != "relevance" or tsquery) else "newest"
    key, direction, cast = _SORTS[sort]
    params: dict[str, Any] = {"limit": query.limit + 1}
    where = ["t.deleted_at is null", "t.visibility = 'public'"]
    source = "catalog_tracks t"
    if tsquery:
        # The match runs in a definer function so it can use the GIN index (see the migration
        # 20261122_catalog_search); joining on the leakproof uuid `=` keeps the pk index usable.
        source = (
            "to_tsquery('simple', %(tsquery)s) as q(query) "
            "cross join lateral catalog_public_matches(q.query) as m(id) "
            "join catalog_tracks t on t.id = m.id"
        )
        params["tsquery"] = tsquery
    where += _filters(query, params)
    if query.cursor:
        after_key, after_id = decode_cursor(query.cursor, sort)
        op = "<" if direction == "desc" else ">"
        where.append(f"({key}, t.id) {op} (cast(%(after_key)s as {cast}), %(after_id)s)")
        params |= {"after_key": after_key, "after_id": after_id}
    # Only fixed fragments from this module are interpolated; every value is a bound parameter.
    sql = (
        f"select {TRACK_JSON}::text, ({key})::text, t.id::text from {source} "  # noqa: S608
        f"where {' and '.join(where)} order by {key} {direction}, t.id {direction} limit %(limit)s"
    )
    return Read(sql), params, sort


def _filters(query: SearchQuery, params: dict[str, Any]) -> list[str]:
    where = []
    simple = {
        "sample_type": "t.sample_type = %(sample_type)s",
        "loop_category": "t.loop_category = %(loop_category)s",
        "bpm_min": "t.bpm >= %(bpm_min)s",
        "bpm_max": "t.bpm <= %(bpm_max)s",
        "key": "t.key = %(key)s",
        "derivatives": "t.license_derivatives = %(derivatives)s",
    }
    for name, condition in simple.items():
        value = getattr(query, name)
        if value is not None:
            where.append(condition)
            params[name] = value
    if query.tags:
        where.append("t.tags @> cast(%(tags)s as text[])")
        params["tags"] = query.tags
    if isinstance(query.creator, uuid.UUID):
        where.append("t.created_by = %(creator)s")
        params["creator"] = query.creator
    elif query.creator:
        where.append(
            "t.created_by = (select p.id from identity_public_profiles p "
            "where lower(p.username) = lower(%(creator)s))"
        )
        params["creator"] = query.creator
    if query.has_stems is not None:
        stems = (
            "exists (select 1 from catalog_lineage_edges e "
            "where e.parent_id = t.id and e.kind = 'stem_of')"
        )
        where.append(stems if query.has_stems else f"not {stems}")
    return where


async def search_tracks(read: ReadSession, query: SearchQuery) -> str:
    """A page as TrackPage JSON: {"items": [...], "next_cursor": …}, built without re-parsing."""
    statement, params, sort = build_read(query)
    rows = await read.rows(statement, **params)
    page = rows[: query.limit]
    more = len(rows) > query.limit
    cursor = encode_cursor(sort, page[-1][1], page[-1][2]) if more and page else None
    items = ",".join(row[0] for row in page)
    return f'{{"items":[{items}],"next_cursor":{json.dumps(cursor)}}}'


CREATOR_READ = Read("""with creator as (
  select p.id, p.username, p.display_name from identity_public_profiles p
  where lower(p.username) = lower(%(username)s)
), counts as (
  select t.sample_type, count(*) as n from catalog_tracks t join creator c on t.created_by = c.id
  where t.visibility = 'public' and t.deleted_at is null group by 1
)
select json_build_object(
  'creator', json_build_object('id', c.id, 'username', c.username, 'display_name', c.display_name),
  'total', coalesce((select sum(n) from counts), 0),
  'counts', coalesce((select json_object_agg(sample_type, n order by sample_type) from counts),
    '{}'))::text, c.id
from creator c""")
"""The store's head (creator, total, counts per sample type) and the creator's id."""


async def creator_store(read: ReadSession, username: str, *, cursor: str | None, limit: int) -> str:
    """A creator's public tracks (newest first) and how many of each sample type they offer."""
    rows = await read.rows(CREATOR_READ, username=username)
    if not rows:
        raise NotFound(f"No creator {username!r}")
    head, creator_id = rows[0]
    query = SearchQuery(
        creator=uuid.UUID(str(creator_id)), sort="newest", cursor=cursor, limit=limit
    )
    page = await search_tracks(read, query)
    return f'{head[:-1]},"tracks":{page}}}'
