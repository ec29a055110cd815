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

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.errors import NotFound, Unprocessable

Sort = Literal["relevance", "newest", "title", "bpm"]
_WORD = re.compile(r"\w+")

TRACK_JSON = """json_build_object(
  'id', t.id, 'title', t.title, 'artist', t.artist, 'description', t.description,
  'tags', t.tags, 'sample_type', t.sample_type, 'loop_category', t.loop_category, 'bpm', t.bpm,
  'key', t.key, 'duration_seconds', t.duration_seconds, 'isrc', t.isrc, 'iswc', t.iswc,
  'license', json_build_object('derivatives', t.license_derivatives,
    'commercial', t.license_commercial, 'attribution', t.license_attribution),
  'social_urls', t.social_urls, 'contact_info', null, 'visibility', t.visibility,
  'stem_type', t.stem_type, 'cover_object_id', t.cover_object_id,
  'audio_object_id', t.audio_object_id, 'created_by', t.created_by,
  'created_at', t.created_at, 'updated_at', t.updated_at)"""

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


def build_sql(query: SearchQuery) -> tuple[str, dict[str, Any], str]:
    """The one statement a search runs, its parameters, and the effective sort."""
    tsquery = prefix_query(query.q) if query.q else None
    sort = query.sort if (query.sort != "relevance" or tsquery) else "newest"
    key, direction, cast = _SORTS[sort]
    params: dict[str, Any] = {"limit": query.limit + 1}
    where = ["t.deleted_at is null", "t.visibility = 'public'"]
    source = "catalog_tracks t"
    if tsquery:
        source += ", to_tsquery('simple', :tsquery) as q(query)"
        where.append("t.search @@ q.query")
        params["tsquery"] = tsquery
    where += _filters(query, params)
    if query.cursor:
        after_key, after_id = decode_cursor(query.cursor, sort)
        op = "<" if direction == "desc" else ">"
        where.append(f"({key}, t.id) {op} (cast(:after_key as {cast}), :after_id)")
        params |= {"after_key": after_key, "after_id": after_id}
    # Only fixed fragments from this module are interpolated; every value is a bound parameter.
    sql = (
        f"select {TRACK_JSON}::text, ({key})::text, t.id::text from {source} "  # noqa: S608
        f"where {' and '.join(where)} order by {key} {direction}, t.id {direction} limit :limit"
    )
    return sql, params, sort


def _filters(query: SearchQuery, params: dict[str, Any]) -> list[str]:
    where = []
    simple = {
        "sample_type": "t.sample_type = :sample_type",
        "loop_category": "t.loop_category = :loop_category",
        "bpm_min": "t.bpm >= :bpm_min",
        "bpm_max": "t.bpm <= :bpm_max",
        "key": "t.key = :key",
        "derivatives": "t.license_derivatives = :derivatives",
    }
    for name, condition in simple.items():
        value = getattr(query, name)
        if value is not None:
            where.append(condition)
            params[name] = value
    if query.tags:
        where.append("t.tags @> cast(:tags as text[])")
        params["tags"] = query.tags
    if isinstance(query.creator, uuid.UUID):
        where.append("t.created_by = :creator")
        params["creator"] = query.creator
    elif query.creator:
        where.append(
            "t.created_by = (select p.id from identity_public_profiles p "
            "where lower(p.username) = lower(:creator))"
        )
        params["creator"] = query.creator
    if query.has_stems is not None:
        stems = (
            "exists (select 1 from catalog_lineage_edges e "
            "where e.parent_id = t.id and e.kind = 'stem_of')"
        )
        where.append(stems if query.has_stems else f"not {stems}")
    return where


async def search_tracks(session: AsyncSession, query: SearchQuery) -> bytes:
    """A page as JSON bytes: {"items": [...], "next_cursor": …}, built without re-parsing."""
    sql, params, sort = build_sql(query)
    rows = (await session.execute(text(sql), params)).all()
    page = rows[: query.limit]
    more = len(rows) > query.limit
    cursor = encode_cursor(sort, page[-1][1], page[-1][2]) if more and page else None
    items = ",".join(row[0] for row in page)
    return f'{{"items":[{items}],"next_cursor":{json.dumps(cursor)}}}'.encode()


async def creator_store(
    session: AsyncSession, username: str, *, cursor: str | None, limit: int
) -> bytes:
    """A creator's public tracks (newest first) and how many of each sample type they offer."""
    creator = (
        await session.execute(
            text(
                "select id, username, display_name from identity_public_profiles "
                "where lower(username) = lower(:u)"
            ),
            {"u": username},
        )
    ).one_or_none()
    if creator is None:
        raise NotFound(f"No creator {username!r}")
    rows = await session.execute(
        text(
            "select sample_type, count(*) from catalog_tracks where created_by = :c "
            "and visibility = 'public' and deleted_at is null group by 1 order by 1"
        ),
        {"c": creator.id},
    )
    counts: dict[str, int] = {sample_type: count for sample_type, count in rows}
    page = await search_tracks(
        session, SearchQuery(creator=creator.id, sort="newest", cursor=cursor, limit=limit)
    )
    head = {
        "creator": {
            "id": str(creator.id),
            "username": creator.username,
            "display_name": creator.display_name,
        },
        "total": sum(counts.values()),
        "counts": counts,
    }
    return json.dumps(head).encode()[:-1] + b',"tracks":' + page + b"}"
