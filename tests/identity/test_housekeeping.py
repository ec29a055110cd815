"""The hourly purge of expired identity rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.housekeeping import purge_expired
from backbeat.identity.models import RateLimitCounter, Session, User, WalletChallenge


async def test_deletes_expired_rows_and_keeps_live_ones(session: AsyncSession) -> None:
    now = datetime.now(UTC)
    user = User(id=uuid.uuid4(), username=f"hk_{uuid.uuid4().hex[:6]}", roles=["listener"])
    session.add(user)
    await session.flush()
    session.add_all(
        [
            RateLimitCounter(key="old", window_start=now, hits=1, expires_at=now - timedelta(1)),
            RateLimitCounter(key="new", window_start=now, hits=1, expires_at=now + timedelta(1)),
            WalletChallenge(nonce="n1", caip10="x", message="m", expires_at=now - timedelta(1)),
            Session(user_id=user.id, method="password", expires_at=now - timedelta(days=40)),
            Session(user_id=user.id, method="password", expires_at=now - timedelta(days=1)),
        ]
    )
    await session.flush()
    deleted = await purge_expired(session)
    keys = list(await session.scalars(select(RateLimitCounter.key)))
    sessions = await session.scalar(
        select(func.count()).select_from(Session).where(Session.user_id == user.id)
    )
    assert deleted >= 3
    assert "new" in keys and "old" not in keys
    assert sessions == 1
