"""Jobs: release expired reservations and mint started reserves every minute; snapshot
ownership hourly for analytics."""

from __future__ import annotations

import procrastinate
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat import jobs
from backbeat.db import Database, session_scope


async def release_expired(session: AsyncSession) -> int:
    """Unpaid external reservations past their hold: shares back on sale; returns how many."""
    return int((await session.execute(text("select offerings_expire_purchases()"))).scalar_one())


async def mint_started_reserves(session: AsyncSession) -> int:
    """Artist reserves of offerings that have started and were not minted yet."""
    found = await session.execute(
        text(
            "select count(*) filter (where offerings_mint_reserve(id)) from offerings_offerings "
            "where reserve_minted_at is null and starts_at <= now()"
        )
    )
    return int(found.scalar_one())


async def take_snapshot(session: AsyncSession) -> int:
    """One row per (master, payee) with the minted shares held now; returns rows written."""
    return int((await session.execute(text("select offerings_take_snapshot()"))).scalar_one())


async def housekeeping(database: Database) -> tuple[int, int]:
    async with session_scope(database) as session:
        released = await release_expired(session)
        minted = await mint_started_reserves(session)
    return released, minted


@jobs.tasks.periodic(cron="* * * * *", periodic_id="offerings-housekeeping")
@jobs.tasks.task(name="offerings.housekeeping", pass_context=True, retry=jobs.DEFAULT_RETRY)
async def housekeeping_job(context: procrastinate.JobContext, timestamp: int) -> int:
    """Every minute: expired reservations released, started reserves minted."""
    released, minted = await housekeeping(jobs.database_of(context))
    return released + minted


@jobs.tasks.periodic(cron="17 * * * *", periodic_id="offerings-snapshot")
@jobs.tasks.task(name="offerings.snapshot", pass_context=True, retry=jobs.DEFAULT_RETRY)
async def snapshot_job(context: procrastinate.JobContext, timestamp: int) -> int:
    """Hourly: who holds how many minted shares of each master (offerings_ownership_snapshots)."""
    async with session_scope(jobs.database_of(context)) as session:
        return await take_snapshot(session)
