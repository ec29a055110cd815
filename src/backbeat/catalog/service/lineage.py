"""Lineage: child → parent edges (remix, sample, interpolation, stem_of), cycle-free, and trees."""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.errors import InvalidSplit, LineageCycle
from backbeat.catalog.models import LineageEdge
from backbeat.catalog.schemas import EdgeOut, ParentIn
from backbeat.catalog.service import audit
from backbeat.catalog.service.access import owned_track, visible_track
from backbeat.catalog.shares import PPM, format_percentage, format_percentage_any, parse_percentage
from backbeat.catalog.vocabulary import DEFAULT_REMIX_SHARE_PPM, LineageKind
from backbeat.errors import Conflict, Forbidden, NotFound, Unprocessable
from backbeat.reads import Read, ReadSession

Direction = Literal["ancestors", "descendants"]


def _edge_out(edge: LineageEdge) -> EdgeOut:
    share = format_percentage(edge.share_ppm) if edge.share_ppm is not None else None
    return EdgeOut(
        child_id=edge.child_id,
        parent_id=edge.parent_id,
        kind=LineageKind(edge.kind),
        share=share,
        created_at=edge.created_at,
    )


def _share_ppm(body: ParentIn) -> int | None:
    """Money kinds default to 20 %; a stem carries no share of its own."""
    if body.kind is LineageKind.GENERATED_FROM:
        raise Unprocessable("generated_from edges are made by the generators, not by hand")
    if not body.kind.carries_share:
        if body.share is not None:
            raise InvalidSplit("a stem_of edge carries no share")
        return None
    share = DEFAULT_REMIX_SHARE_PPM if body.share is None else parse_percentage(body.share)
    if share <= 0:
        raise InvalidSplit("a parent's share must be more than 0 %")
    return share


async def add_parent(
    session: AsyncSession, child_id: uuid.UUID, body: ParentIn, *, actor: uuid.UUID
) -> EdgeOut:
    """Link a parent; refuses a cycle (409 with its path) and parent shares over 100 %."""
    await owned_track(session, child_id, actor)
    parent = await visible_track(session, body.parent_id)
    if not parent.license_derivatives and parent.created_by != actor:
        raise Forbidden("The parent track's license does not allow derivatives")
    share = _share_ppm(body)
    check = (
        await session.execute(
            text("select cycle, parent_share_ppm from catalog_lineage_check(:c, :p)"),
            {"c": child_id, "p": body.parent_id},
        )
    ).one()
    if check.cycle is not None:
        path = [str(track) for track in check.cycle]
        raise LineageCycle("The edge would make a track its own ancestor", path=path)
    if await session.get(LineageEdge, (child_id, body.parent_id)) is not None:
        raise Conflict("This track already has that parent")
    if int(check.parent_share_ppm) + (share or 0) > PPM:
        total = format_percentage_any(int(check.parent_share_ppm) + (share or 0))
        raise InvalidSplit(f"the parents' shares would sum to {total} %, more than 100 %")
    edge = LineageEdge(
        child_id=child_id,
        parent_id=body.parent_id,
        kind=body.kind,
        share_ppm=share,
        created_by=actor,
    )
    session.add(edge)
    await session.flush()
    await session.refresh(edge)
    out = _edge_out(edge)
    await audit.record(
        session, child_id, actor=actor, action="lineage.add", before=None, after=out.model_dump()
    )
    return out


async def remove_parent(
    session: AsyncSession, child_id: uuid.UUID, parent_id: uuid.UUID, *, actor: uuid.UUID
) -> None:
    """Unlink a parent (audited; past distributions keep their receipts)."""
    await owned_track(session, child_id, actor)
    edge = await session.get(LineageEdge, (child_id, parent_id))
    if edge is None:
        raise NotFound(f"Track {child_id} has no parent {parent_id}")
    before = _edge_out(edge).model_dump()
    await session.delete(edge)
    await session.flush()
    await audit.record(
        session, child_id, actor=actor, action="lineage.remove", before=before, after=None
    )


LINEAGE_SQL = """
with recursive walk(track_id, edge_from, kind, share_ppm, depth, cumulative, path) as (
  select {next}, {this}, e.kind, e.share_ppm, 1,
         coalesce(e.share_ppm, 1000000)::numeric / 1000000, array[{this}, {next}]
  from catalog_lineage_edges e where {this} = %(root)s
  union all
  select {next}, {this}, e.kind, e.share_ppm, w.depth + 1,
         w.cumulative * coalesce(e.share_ppm, 1000000) / 1000000, w.path || {next}
  from walk w join catalog_lineage_edges e on {this} = w.track_id
  where w.depth < %(depth)s and {next} <> all(w.path)
)
select case when exists (
    select 1 from catalog_tracks r where r.id = %(root)s and r.deleted_at is null)
  then json_build_object('track_id', %(root)s::uuid, 'direction', '{direction}',
    'depth', %(depth)s::int, 'nodes', coalesce(json_agg(json_build_object(
      'track_id', w.track_id, 'title', t.title, 'artist', t.artist, 'via', w.edge_from,
      'kind', w.kind, 'share', trim_scale(w.share_ppm::numeric / 10000)::text, 'depth', w.depth,
      'cumulative_share', trim_scale(round(w.cumulative * 1000000) / 10000)::text, 'path', w.path
    ) order by w.depth, w.path), '[]'))::text
  end
from walk w join catalog_tracks t on t.id = w.track_id and t.deleted_at is null
"""
"""One statement: LineageOut as ready JSON, or null when the root is not visible (shares as
percentage text: a ppm over 10,000 has at most 4 decimals, and trim_scale gives
format_percentage's spelling)."""
LINEAGE_READS: dict[Direction, Read] = {
    "ancestors": Read(
        LINEAGE_SQL.format(this="e.child_id", next="e.parent_id", direction="ancestors")
    ),
    "descendants": Read(
        LINEAGE_SQL.format(this="e.parent_id", next="e.child_id", direction="descendants")
    ),
}


async def lineage(read: ReadSession, track_id: uuid.UUID, direction: Direction, depth: int) -> str:
    """Every path up (parents) or down (children) to `depth`, with the share along each path,
    as JSON built by PostgreSQL in the request's one round trip."""
    found = await read.one(LINEAGE_READS[direction], root=track_id, depth=depth)
    if found is None:
        raise NotFound(f"No track {track_id}")
    return found


async def parent_edges(session: AsyncSession, child_id: uuid.UUID) -> list[EdgeOut]:
    """A track's direct parents."""
    rows = await session.scalars(select(LineageEdge).where(LineageEdge.child_id == child_id))
    return [_edge_out(e) for e in rows]
