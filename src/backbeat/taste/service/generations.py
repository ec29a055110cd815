"""Generations: queue one (within the daily quota), read yours, list them, follow one live."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat import jobs
from backbeat.catalog.models import LineageEdge
from backbeat.catalog.service.access import visible_track
from backbeat.config import Settings
from backbeat.db import Database, session_scope
from backbeat.errors import Forbidden, NotFound, Unprocessable
from backbeat.reads import Read, ReadSession
from backbeat.realtime import Broker
from backbeat.taste import generators_procedural  # noqa: F401 - registers the built-in
from backbeat.taste.creations_models import Generation
from backbeat.taste.generation_schemas import GenerationIn, GenerationOut, Provenance
from backbeat.taste.generators import generators
from backbeat.taste.service import quota

TERMINAL = ("completed", "failed")
SSE_RECHECK_SECONDS = 15.0
NEEDS_SOURCE = ("similar", "extend")


async def create_generation(
    session: AsyncSession, settings: Settings, body: GenerationIn, *, actor: uuid.UUID
) -> Generation:
    """Check the request, take one of today's generations, queue the job."""
    if body.duration_seconds > settings.generation_max_seconds:
        raise Unprocessable(f"duration_seconds is at most {settings.generation_max_seconds}")
    if body.mode in NEEDS_SOURCE and body.source is None:
        raise Unprocessable(f"mode {body.mode!r} needs a source")
    source_track = body.source.track_id if body.source else None
    if body.mode == "extend" and source_track is None:
        raise Unprocessable("only a Backbeat track can be extended (source.track_id)")
    if source_track is not None:
        track = await visible_track(session, source_track)
        if body.mode == "extend" and not track.license_derivatives and track.created_by != actor:
            raise Forbidden("The source track's license does not allow derivatives")
    generator = generators.get(body.generator)
    day = await quota.take_generation(session, actor, now=datetime.now(UTC))
    generation = Generation(
        user_id=actor,
        mode=body.mode,
        source_track_id=source_track,
        source_external_id=body.source.external_id if body.source else None,
        duration_seconds=body.duration_seconds,
        prompt=body.prompt,
        prompt_sha256=hashlib.sha256(body.prompt.encode()).hexdigest() if body.prompt else None,
        seed=body.seed if body.seed is not None else secrets.randbits(62),
        generator=generator.name,
        generator_version=generator.version,
        quota_day=day,
    )
    return await queue(session, generation)


async def queue(session: AsyncSession, generation: Generation) -> Generation:
    """Insert the generation and enqueue its job in the same transaction."""
    session.add(generation)
    await session.flush()
    await jobs.enqueue(
        session,
        "taste.generate",
        {"generation_id": str(generation.id)},
        idempotency_key=f"taste.generate:{generation.id}",
    )
    return generation


GENERATION_READ = Read("""select json_build_object('id', g.id, 'status', g.status, 'mode', g.mode,
  'duration_seconds', g.duration_seconds, 'track_id', g.track_id, 'explanation', g.explanation,
  'match', g.match_percent, 'error', g.error, 'provenance', json_build_object(
    'generator', g.generator, 'generator_version', g.generator_version,
    'parameters', g.parameters, 'prompt_sha256', g.prompt_sha256, 'seed', g.seed,
    'source_tracks', case
      when g.track_id is not null then coalesce((select json_agg(e.parent_id order by e.parent_id)
        from catalog_lineage_edges e where e.child_id = g.track_id and e.kind = 'generated_from'),
        '[]'::json)
      when g.source_track_id is not null then json_build_array(g.source_track_id)
      else '[]'::json end,
    'source_external_id', g.source_external_id, 'influences', g.influences),
  'created_at', g.created_at, 'started_at', g.started_at, 'finished_at', g.finished_at)::text
from taste_generations g where g.id = %(id)s::uuid and g.user_id = (select auth.uid())""")
"""GenerationOut as ready JSON in one round trip (what clients poll)."""


async def read_generation(read: ReadSession, generation_id: uuid.UUID) -> str:
    """One of the caller's generations as JSON, or 404 (the list's items, in one lean read)."""
    found = await read.one(GENERATION_READ, id=generation_id)
    if found is None:
        raise NotFound(f"No generation {generation_id}")
    return found


async def list_generations(
    session: AsyncSession, *, actor: uuid.UUID, cursor: str | None, limit: int
) -> tuple[list[GenerationOut], str | None]:
    """The caller's generations, newest first (ids are time-ordered); the next cursor."""
    query = select(Generation).where(Generation.user_id == actor)
    if cursor is not None:
        query = query.where(Generation.id < _cursor(cursor))
    rows = list(await session.scalars(query.order_by(Generation.id.desc()).limit(limit + 1)))
    page = rows[:limit]
    more = len(rows) > limit
    return await outs(session, page), str(page[-1].id) if more and page else None


def _cursor(cursor: str) -> uuid.UUID:
    try:
        return uuid.UUID(cursor)
    except ValueError:
        raise Unprocessable("cursor is not a cursor of this list") from None


async def outs(session: AsyncSession, found: list[Generation]) -> list[GenerationOut]:
    """The API shapes, with each made track's generated_from sources from the lineage."""
    made = [g.track_id for g in found if g.track_id is not None]
    sources: dict[uuid.UUID, list[uuid.UUID]] = {}
    if made:
        edges = await session.execute(
            select(LineageEdge.child_id, LineageEdge.parent_id)
            .where(LineageEdge.child_id.in_(made), LineageEdge.kind == "generated_from")
            .order_by(LineageEdge.parent_id)
        )
        for child, parent in edges:
            sources.setdefault(child, []).append(parent)
    return [generation_out(g, sources.get(g.track_id, []) if g.track_id else []) for g in found]


def generation_out(generation: Generation, source_tracks: list[uuid.UUID]) -> GenerationOut:
    """The API shape; before completion the sources are the requested source track."""
    if generation.track_id is None and generation.source_track_id is not None:
        source_tracks = [generation.source_track_id]
    return GenerationOut(
        id=generation.id,
        status=generation.status,
        mode=generation.mode,
        duration_seconds=generation.duration_seconds,
        track_id=generation.track_id,
        explanation=generation.explanation,
        match=generation.match_percent,
        error=generation.error,
        provenance=Provenance(
            generator=generation.generator,
            generator_version=generation.generator_version,
            parameters=generation.parameters,
            prompt_sha256=generation.prompt_sha256,
            seed=generation.seed,
            source_tracks=source_tracks,
            source_external_id=generation.source_external_id,
            influences=generation.influences,
        ),
        created_at=generation.created_at,
        started_at=generation.started_at,
        finished_at=generation.finished_at,
    )


# live -----------------------------------------------------------------------------------------


def generation_channel(generation_id: uuid.UUID) -> str:
    """The realtime channel a generation's status changes are published on."""
    return f"taste.generation:{generation_id}"


def generation_event(generation: Generation) -> str:
    """What an SSE subscriber receives for a status change."""
    return json.dumps(
        {
            "id": str(generation.id),
            "status": generation.status,
            "track_id": str(generation.track_id) if generation.track_id else None,
            "error": generation.error,
        }
    )


async def publish(broker: Broker, generation: Generation) -> None:
    """Tell the generation's subscribers its new status (after it is committed)."""
    await broker.publish(generation_channel(generation.id), generation_event(generation))


async def follow_generation(
    session: AsyncSession,
    database: Database,
    broker: Broker,
    generation_id: uuid.UUID,
    *,
    actor: uuid.UUID,
) -> AsyncIterator[str]:
    """The caller's generation as server-sent events: its status now, then each change until
    it completes or fails. The first is read in the request's transaction (a 404 is an answer);
    the stream then uses short transactions of its own."""
    found = await session.get(Generation, generation_id)
    if found is None or found.user_id != actor:
        raise NotFound(f"No generation {generation_id}")
    return _events(database, broker, generation_id, generation_event(found), found.status)


async def _events(
    database: Database, broker: Broker, generation_id: uuid.UUID, snapshot: str, status: str
) -> AsyncIterator[str]:
    yield f"event: generation\ndata: {snapshot}\n\n"
    if status in TERMINAL:
        return
    async with broker.subscribe(generation_channel(generation_id)) as subscription:
        while True:
            try:
                message = await subscription.next(timeout=SSE_RECHECK_SECONDS)
            except TimeoutError:
                final = await _recheck(database, generation_id)
                if final is None:
                    yield ": keep-alive\n\n"
                    continue
                message = final
            yield f"event: generation\ndata: {message}\n\n"
            if json.loads(message)["status"] in TERMINAL:
                return


async def _recheck(database: Database, generation_id: uuid.UUID) -> str | None:
    """After a quiet spell, the stored status if it is final (an event may have been missed)."""
    async with session_scope(database) as session:
        found = await session.get(Generation, generation_id)
    if found is None or found.status in TERMINAL:
        return generation_event(found) if found else None
    return None
