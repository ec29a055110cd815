"""Jobs: allocate accepted revenue in batches, restating first what new sheet versions changed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import procrastinate
from sqlalchemy import text

from backbeat import jobs
from backbeat.config import Settings
from backbeat.db import Database, session_scope
from backbeat.royalties.distribution import Planner, distribute_batch, policy_from_settings
from backbeat.royalties.restatement import PENDING_VERSIONS_SQL, restate_pending


async def pending_events(database: Database) -> int:
    """How many accepted events wait for allocation."""
    async with session_scope(database) as session:
        found = await session.execute(
            text("select count(*) from royalties_revenue_events where status = 'accepted'")
        )
        return int(found.scalar_one())


async def distribute(
    database: Database,
    settings: Settings,
    *,
    batch_size: int | None = None,
    workers: int = 2,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Restates, then allocates until nothing is accepted; each batch is its own transaction.

    `workers` batch loops run concurrently (SKIP LOCKED gives each its own events), so one
    loop's Python work overlaps another's time in PostgreSQL. They share compiled plans (pure
    values) but not account ids or stored-plan marks, which are only safe once committed.
    """
    first = Planner(policy_from_settings(settings))
    async with session_scope(database) as session:
        await restate_pending(session, first)
    size = batch_size or settings.royalty_batch_size
    loops = [first, *(Planner(first.policy, plans=first.plans) for _ in range(workers - 1))]
    done = await asyncio.gather(*(_batches(database, p, size, progress) for p in loops))
    return sum(done)


async def _batches(
    database: Database, planner: Planner, size: int, progress: Callable[[int], None] | None
) -> int:
    total = 0
    while True:
        async with session_scope(database) as session:
            done = await distribute_batch(session, planner, size)
        if not done:
            return total
        total += done
        if progress:
            progress(done)


@jobs.tasks.periodic(cron="* * * * *", periodic_id="royalties-restate")
@jobs.tasks.task(name="royalties.restate", pass_context=True, retry=jobs.DEFAULT_RETRY)
async def restate_job(context: procrastinate.JobContext, timestamp: int) -> int:
    """Every minute: a sheet version backdated through the catalog is restated without waiting
    for new revenue (the catalog cannot enqueue royalties work: domains depend one way)."""
    database = jobs.database_of(context)
    async with session_scope(database) as session:
        waiting = await session.execute(text(f"select exists ({PENDING_VERSIONS_SQL})"))
        if not waiting.scalar_one():
            return 0
    return await distribute(database, jobs.settings_of(context))


@jobs.tasks.task(name="royalties.distribute", pass_context=True, retry=jobs.DEFAULT_RETRY)
async def distribute_job(context: procrastinate.JobContext) -> int:
    """Enqueued (once per waiting key) whenever revenue is accepted; fees are the worker's."""
    return await distribute(jobs.database_of(context), jobs.settings_of(context))
