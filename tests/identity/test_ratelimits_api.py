"""Rate limits (PostgreSQL and Redis counters) and the progressive account lockout."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.models import Credential, RateLimitCounter, SecurityEvent
from tests.identity.factories import PASSWORD, ClientFactory, sign_in, signup

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


async def away_from_window_edge(window: int, margin: float = 5.0) -> None:
    """Fixed windows reset on the edge: start a burst well inside one window."""
    left = window - time.time() % window
    if left < margin:
        await asyncio.sleep(left + 0.05)


BACKENDS = [
    pytest.param(None, id="postgres"),
    pytest.param(
        REDIS_URL,
        id="redis",
        marks=pytest.mark.skipif(not redis_reachable(), reason="no Redis on 127.0.0.1:6379"),
    ),
]


@pytest.mark.parametrize("redis_url", BACKENDS)
class TestIpLimits:
    async def test_token_endpoint_answers_429_with_headers(
        self, client_with: ClientFactory, redis_url: str | None
    ) -> None:
        await away_from_window_edge(60)
        async with client_with(rate_limit_ip_per_minute=3, redis_url=redis_url) as client:
            answers = [await sign_in(client, f"{uuid.uuid4().hex}@example.com") for _ in range(4)]
        assert [a.status_code for a in answers] == [401, 401, 401, 429]
        limited = answers[-1]
        assert limited.json()["code"] == "rate_limited"
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.headers["ratelimit-limit"] == "3"
        assert limited.headers["ratelimit-remaining"] == "0"
        assert int(limited.headers["ratelimit-reset"]) <= 60

    async def test_successful_answers_carry_ratelimit_headers(
        self, client_with: ClientFactory, redis_url: str | None
    ) -> None:
        async with client_with(rate_limit_ip_per_minute=5, redis_url=redis_url) as client:
            response = await client.post(
                "/v1/auth/signup",
                json={
                    "email": f"{uuid.uuid4().hex}@example.com",
                    "password": PASSWORD,
                    "username": f"rl_{uuid.uuid4().hex[:8]}",
                },
            )
        assert response.status_code == 201
        assert response.headers["ratelimit-remaining"] == "4"

    async def test_per_account_limit_spans_addresses(
        self, client_with: ClientFactory, redis_url: str | None
    ) -> None:
        email = f"{uuid.uuid4().hex}@example.com"
        settings = {"rate_limit_account_per_15_minutes": 2, "redis_url": redis_url}
        statuses = []
        await away_from_window_edge(15 * 60)
        for _ in range(3):
            async with client_with(**settings) as client:  # a new client IP each time
                statuses.append((await sign_in(client, email)).status_code)
        assert statuses == [401, 401, 429]

    async def test_reset_requests_are_limited(
        self, client_with: ClientFactory, redis_url: str | None
    ) -> None:
        await away_from_window_edge(60)
        async with client_with(rate_limit_ip_per_minute=2, redis_url=redis_url) as client:
            statuses = [
                (
                    await client.post(
                        "/v1/auth/password/reset-request",
                        json={"email": f"{uuid.uuid4().hex}@example.com"},
                    )
                ).status_code
                for _ in range(3)
            ]
        assert statuses == [202, 202, 429]


class TestLockout:
    async def test_failures_lock_the_account_for_a_growing_interval(
        self, client_with: ClientFactory, session: AsyncSession
    ) -> None:
        settings = {"lockout_threshold": 3, "rate_limit_account_per_15_minutes": 100}
        async with client_with(**settings) as client:
            data = await signup(client)
            email, user_id = data["user"]["email"], data["user"]["id"]
            failures = [
                (await sign_in(client, email, "wrong password!!")).status_code for _ in range(3)
            ]
            locked = await sign_in(client, email)  # even the right password waits
            credential = await session.get_one(Credential, user_id)
            await session.refresh(credential)
            first_lock = credential.locked_until
            credential.locked_until = datetime.now(UTC) - timedelta(seconds=1)
            await session.flush()
            for _ in range(3):
                await sign_in(client, email, "wrong password!!")
            await session.refresh(credential)
            second_lock = credential.locked_until
            credential.locked_until = datetime.now(UTC) - timedelta(seconds=1)
            await session.flush()
            unlocked = await sign_in(client, email)
        assert failures == [401, 401, 401]
        assert locked.status_code == 429
        assert locked.json()["code"] == "account_locked"
        assert 55 <= int(locked.headers["retry-after"]) <= 61
        assert first_lock is not None and second_lock is not None
        now = datetime.now(UTC)
        assert timedelta(seconds=110) < second_lock - now <= timedelta(seconds=121)
        assert unlocked.status_code == 200
        kinds = list(
            await session.scalars(
                select(SecurityEvent.kind).where(SecurityEvent.user_id == user_id)
            )
        )
        assert kinds.count("account_locked") == 2


async def test_postgres_counters_do_not_store_emails(
    client_with: ClientFactory, session: AsyncSession
) -> None:
    email = f"{uuid.uuid4().hex}@example.com"
    async with client_with() as client:
        await sign_in(client, email)
    keys = list(await session.scalars(select(RateLimitCounter.key)))
    assert any(key.startswith("signin:account:") for key in keys)
    assert not any(email in key for key in keys)
