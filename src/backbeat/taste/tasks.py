"""Taste jobs: audio vectors after analysis, folding taste events, full recomputes, recall."""

from __future__ import annotations

import uuid

import procrastinate

from backbeat import jobs
from backbeat.db import Database, session_scope
from backbeat.media.service import storage_for
from backbeat.taste.service import audio, recall, vectors

FOLD_BATCH = 5000
RECOMPUTE_BATCH = 200


async def fold_all_pending(database: Database, *, half_life_days: float) -> int:
    """Fold the queue until it is empty, a batch per transaction; how many events."""
    total = 0
    while True:
        async with session_scope(database) as session:
            folded = await vectors.fold_pending(
                session, half_life_days=half_life_days, limit=FOLD_BATCH
            )
        total += folded
        if folded < FOLD_BATCH:
            return total


async def recompute_everyone(database: Database, *, half_life_days: float) -> int:
    """Every user's vectors from scratch, RECOMPUTE_BATCH users per transaction."""
    async with session_scope(database) as session:
        users = await vectors.users_with_taste(session)
    for start in range(0, len(users), RECOMPUTE_BATCH):
        async with session_scope(database) as session:
            for user_id in users[start : start + RECOMPUTE_BATCH]:
                await vectors.recompute_user(session, user_id, half_life_days=half_life_days)
    return len(users)


@jobs.tasks.task(name="taste.embed_audio", pass_context=True, retry=jobs.DEFAULT_RETRY)
async def embed_audio_job(context: procrastinate.JobContext, object_id: str) -> int:
    """Queued by the trigger when media finishes analysing audio: its backbeat-audio-v1 vector."""
    storage = storage_for(jobs.settings_of(context))
    return await audio.embed_object(jobs.database_of(context), storage, uuid.UUID(object_id))


@jobs.tasks.periodic(cron="23 * * * *", periodic_id="taste-embed-catchup")
@jobs.tasks.task(name="taste.embed_catchup", pass_context=True, retry=jobs.DEFAULT_RETRY)
async def embed_catchup_job(context: procrastinate.JobContext, timestamp: int) -> int:
    """Hourly: analysed audio whose tracks still lack a vector (a job that gave up, old tracks)."""
    database = jobs.database_of(context)
    storage = storage_for(jobs.settings_of(context))
    async with session_scope(database) as session:
        missing = await audio.objects_missing_vectors(session)
    return sum([await audio.embed_object(database, storage, object_id) for object_id in missing])


@jobs.tasks.task(name="taste.fold", pass_context=True, retry=jobs.DEFAULT_RETRY)
async def fold_job(context: procrastinate.JobContext) -> int:
    """Queued by the listen, like and dislike triggers: fold the events into taste vectors."""
    settings = jobs.settings_of(context)
    return await fold_all_pending(
        jobs.database_of(context), half_life_days=settings.taste_half_life_days
    )


@jobs.tasks.periodic(cron="41 4 * * *", periodic_id="taste-recompute")
@jobs.tasks.task(name="taste.recompute", pass_context=True, retry=jobs.DEFAULT_RETRY)
async def recompute_job(context: procrastinate.JobContext, timestamp: int) -> int:
    """Daily: every taste vector from scratch (tracks embedded since, rounding, deleted rows)."""
    settings = jobs.settings_of(context)
    return await recompute_everyone(
        jobs.database_of(context), half_life_days=settings.taste_half_life_days
    )


@jobs.tasks.periodic(cron="7 * * * *", periodic_id="taste-recall")
@jobs.tasks.task(name="taste.recall", pass_context=True, retry=jobs.DEFAULT_RETRY)
async def recall_job(context: procrastinate.JobContext, timestamp: int) -> list[float]:
    """Hourly: recall@10 of each model's index against exact search, onto the gauge."""
    settings = jobs.settings_of(context)
    async with session_scope(jobs.database_of(context)) as session:
        results = await recall.monitor(session, queries=settings.taste_recall_queries)
    return [r.recall_at_10 for r in results]
