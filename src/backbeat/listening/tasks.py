"""Listening jobs: monthly listen partitions made ahead, history imports, plays per day."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import procrastinate
from sqlalchemy import text

from backbeat import jobs
from backbeat.config import Settings
from backbeat.db import Database, session_scope
from backbeat.listening.service.imports import run_import
from backbeat.listening.service.plays import count_plays_chunk


async def make_partitions_ahead(
    database: Database, months: int, now: datetime | None = None
) -> int:
    """Partitions from this month to `months` ahead; returns how many were new."""
    start = now or datetime.now(UTC)
    async with session_scope(database) as session:
        made = await session.scalar(
            text("select listening_ensure_partitions(:start, :end)"),
            {"start": start, "end": start + timedelta(days=31 * months)},
        )
    return int(made or 0)


@jobs.tasks.periodic(cron="17 3 * * *", periodic_id="listening-partitions")
@jobs.tasks.task(name="listening.partitions", pass_context=True, retry=jobs.DEFAULT_RETRY)
async def partitions_job(context: procrastinate.JobContext, timestamp: int) -> int:
    """Daily: the months ahead have their partitions before any listen needs them."""
    settings = jobs.settings_of(context)
    return await make_partitions_ahead(
        jobs.database_of(context), settings.listening_partition_months_ahead
    )


@jobs.tasks.task(name="listening.import", pass_context=True, retry=jobs.DEFAULT_RETRY)
async def import_job(context: procrastinate.JobContext, import_id: str) -> str:
    """Enqueued by POST /v1/me/imports: read the stored export into listens."""
    return await run_import(jobs.database_of(context), uuid.UUID(import_id))


PLAYS_CHUNK = 50_000


async def count_plays(
    database: Database, settings: Settings, *, now: datetime | None = None
) -> int:
    """Count every listen the cursor has not reached; each chunk is its own transaction."""
    total = 0
    while True:
        async with session_scope(database) as session:
            seen = await count_plays_chunk(
                session,
                min_ms=settings.listening_play_min_ms,
                lag_seconds=settings.listening_plays_lag_seconds,
                limit=PLAYS_CHUNK,
                now=now,
            )
        total += seen
        if seen < PLAYS_CHUNK:
            return total


@jobs.tasks.periodic(cron="* * * * *", periodic_id="listening-plays")
@jobs.tasks.task(name="listening.plays", pass_context=True, retry=jobs.DEFAULT_RETRY)
async def plays_job(context: procrastinate.JobContext, timestamp: int) -> int:
    """Every minute: new listens become plays per track per day (incremental)."""
    return await count_plays(jobs.database_of(context), jobs.settings_of(context))
