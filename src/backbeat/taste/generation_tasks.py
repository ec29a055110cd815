"""The generation job: queued → generating → completed | failed, each step committed and then
published, so GET and the event stream agree.

Rendering runs in a thread with no transaction open; storing the audio, making the track and its
lineage edge, and completing the generation are one transaction, so a crash leaves nothing half
made (and the job can simply run again). A failure gives the day's generation back.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import anyio
import procrastinate
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat import jobs
from backbeat.config import Settings
from backbeat.db import Database, session_scope
from backbeat.errors import AppError
from backbeat.media.service import storage_for
from backbeat.media.sniff import MediaRejected
from backbeat.media.storage import Storage
from backbeat.realtime import Broker, create_broker
from backbeat.taste import generators_procedural  # noqa: F401 - registers the built-in generator
from backbeat.taste.audio_features import audio_embedding
from backbeat.taste.creations_models import Generation
from backbeat.taste.generators import (
    Generator,
    Recipe,
    Rendered,
    generators,
    match_percent,
    shape_of,
)
from backbeat.taste.service import generations, quota
from backbeat.taste.service.embeddings import AUDIO_MODEL, Vector, get_model, store_track_vector
from backbeat.taste.service.generations_shaping import (
    Influence,
    Plan,
    explain,
    influences_of,
    reference_vector,
    vary,
    vector_match,
)
from backbeat.taste.service.generations_store import make_track, store_audio

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GenerationContext:
    """What a generation job needs: the database, storage, broker and settings."""

    database: Database
    storage: Storage
    broker: Broker
    settings: Settings


def plan_for(generation: Generation, influences: list[Influence]) -> Plan:
    """The recipe: the influences' shape, varied by the seed for the mode; the match is how
    close the varied shape stayed to the wanted one (none without influences)."""
    wanted = shape_of([i.reference for i in influences])
    made = vary(wanted, generation.mode, generation.seed)
    recipe = Recipe(generation.mode, made, generation.duration_seconds, generation.seed)
    explanation = explain(generation.mode, influences, generation.source_external_id)
    match = match_percent(wanted, made) if influences else None
    return Plan(recipe, influences, explanation, match)


async def start(ctx: GenerationContext, generation_id: uuid.UUID) -> Plan | None:
    """Mark it generating and plan it; None when it is already finished (a repeated job)."""
    async with session_scope(ctx.database) as session:
        generation = await session.get(Generation, generation_id, with_for_update=True)
        if generation is None or generation.status in generations.TERMINAL:
            return None
        plan = plan_for(generation, await influences_of(session, generation))
        generation.status, generation.started_at = "generating", datetime.now(UTC)
        generation.parameters = plan.recipe.parameters()
        generation.influences = [i.as_json() for i in plan.influences]
    await generations.publish(ctx.broker, generation)
    return plan


def render(storage: Storage, generator: Generator, recipe: Recipe) -> tuple[Rendered, Vector]:
    """The generator's file and its built-in audio embedding (a file that does not decode is
    refused here, before anything is stored)."""
    rendered = generator.render(recipe)
    path = storage.staging_file()
    try:
        path.write_bytes(rendered.data)
        return rendered, audio_embedding(path)
    finally:
        path.unlink(missing_ok=True)


async def complete(
    session: AsyncSession,
    storage: Storage,
    settings: Settings,
    generation: Generation,
    plan: Plan,
    made: tuple[Rendered, Vector],
) -> None:
    """Store the audio, make the track (with its vector in the built-in model, so bands and
    recommendations see it before the analysis job runs) and complete the generation."""
    rendered, vector = made
    audio_id = await store_audio(session, storage, settings, generation, rendered)
    track_id = await make_track(session, settings, generation, plan, audio_id)
    await store_track_vector(session, track_id, await get_model(session, AUDIO_MODEL), vector)
    reference = await reference_vector(session, generation)
    generation.status, generation.track_id = "completed", track_id
    generation.explanation = plan.explanation
    generation.match_percent = vector_match(reference, vector, plan.match)
    generation.finished_at, generation.prompt = datetime.now(UTC), None
    await session.flush()


async def finish(ctx: GenerationContext, generation_id: uuid.UUID, plan: Plan) -> str:
    """Render with no transaction open, then complete in one transaction."""
    async with session_scope(ctx.database) as session:
        generation = await session.get_one(Generation, generation_id)
        generator = generators.get(generation.generator)
    made = await anyio.to_thread.run_sync(lambda: render(ctx.storage, generator, plan.recipe))
    async with session_scope(ctx.database) as session:
        generation = await session.get_one(Generation, generation_id, with_for_update=True)
        await complete(session, ctx.storage, ctx.settings, generation, plan, made)
    await generations.publish(ctx.broker, generation)
    return "completed"


async def fail(ctx: GenerationContext, generation_id: uuid.UUID, reason: str) -> str:
    """Failed, with the reason; the day's generation is given back."""
    async with session_scope(ctx.database) as session:
        generation = await session.get_one(Generation, generation_id, with_for_update=True)
        generation.status, generation.error = "failed", reason
        generation.finished_at, generation.prompt = datetime.now(UTC), None
        await quota.give_back(session, generation.user_id, generation.quota_day)
    await generations.publish(ctx.broker, generation)
    return "failed"


async def run_generation(ctx: GenerationContext, generation_id: uuid.UUID) -> str:
    """The whole job; returns the final status ('missing' for an unknown id)."""
    try:
        plan = await start(ctx, generation_id)
        if plan is None:
            return await _status(ctx.database, generation_id)
        return await finish(ctx, generation_id, plan)
    except (AppError, MediaRejected) as exc:
        return await fail(ctx, generation_id, str(exc))
    except Exception as exc:  # the generator is a plugin: any error fails the generation
        log.exception("generation %s failed", generation_id)
        return await fail(ctx, generation_id, f"the generator failed: {type(exc).__name__}")


async def _status(database: Database, generation_id: uuid.UUID) -> str:
    async with session_scope(database) as session:
        status = await session.scalar(
            select(Generation.status).where(Generation.id == generation_id)
        )
    return status or "missing"


@jobs.tasks.task(name="taste.generate", pass_context=True)
async def generate_job(context: procrastinate.JobContext, generation_id: str) -> str:
    """Run one generation (queued by POST /v1/generations)."""
    settings, database = jobs.settings_of(context), jobs.database_of(context)
    broker = create_broker(owner_uri=database.urls.owner, redis_url=settings.redis_url)
    ctx = GenerationContext(database, storage_for(settings), broker, settings)
    try:
        return await run_generation(ctx, uuid.UUID(generation_id))
    finally:
        await broker.close()
