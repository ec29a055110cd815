"""Deleting what has expired: rate-limit windows, challenges, email tokens, old sessions."""

from __future__ import annotations

from datetime import timedelta

import procrastinate
from sqlalchemy import delete, func, or_
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat import jobs
from backbeat.db import session_scope
from backbeat.identity.models import EmailToken, RateLimitCounter, Session, WalletChallenge

ENDED_SESSION_RETENTION = timedelta(days=30)


async def purge_expired(
    session: AsyncSession, *, ended_sessions_older_than: timedelta = ENDED_SESSION_RETENTION
) -> int:
    """Delete expired rows; ended sessions (and their refresh tokens) stay a while for audit."""
    cutoff = func.now() - ended_sessions_older_than
    statements = [
        delete(RateLimitCounter).where(RateLimitCounter.expires_at < func.now()),
        delete(WalletChallenge).where(WalletChallenge.expires_at < func.now()),
        delete(EmailToken).where(EmailToken.expires_at < func.now()),
        delete(Session).where(or_(Session.expires_at < cutoff, Session.revoked_at < cutoff)),
    ]
    deleted = 0
    for statement in statements:
        result = await session.execute(statement)
        deleted += int(getattr(result, "rowcount", 0) or 0)
    return deleted


@jobs.tasks.periodic(cron="17 * * * *", periodic_id="identity-purge")
@jobs.tasks.task(name="identity.purge_expired", pass_context=True, retry=jobs.DEFAULT_RETRY)
async def purge_expired_job(context: procrastinate.JobContext, timestamp: int) -> int:
    """Hourly: drop expired identity rows."""
    async with session_scope(jobs.database_of(context)) as session:
        return await purge_expired(session)
