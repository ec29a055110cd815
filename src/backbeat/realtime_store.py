"""The table that carries realtime payloads too large for NOTIFY."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import procrastinate
from sqlalchemy import Text, delete, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from backbeat import jobs
from backbeat.db import Base, session_scope


class RealtimePayload(Base):
    """A stored message body, referenced by id from a NOTIFY; pruned after an hour."""

    __tablename__ = "realtime_payloads"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=func.gen_random_uuid())
    channel: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)


PAYLOAD_RETENTION = timedelta(hours=1)


async def prune_payloads(
    session: AsyncSession, *, older_than: timedelta = PAYLOAD_RETENTION
) -> int:
    """Delete stored payloads every subscriber has had time to fetch."""
    result = await session.execute(
        delete(RealtimePayload).where(RealtimePayload.created_at < func.now() - older_than)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@jobs.tasks.periodic(cron="*/10 * * * *", periodic_id="prune")
@jobs.tasks.task(name="realtime.prune_payloads", pass_context=True, retry=jobs.DEFAULT_RETRY)
async def prune_payloads_job(context: procrastinate.JobContext, timestamp: int) -> int:
    """Every ten minutes: drop realtime payloads older than an hour."""
    async with session_scope(jobs.database_of(context)) as session:
        return await prune_payloads(session)
