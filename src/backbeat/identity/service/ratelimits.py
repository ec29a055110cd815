"""Fixed-window rate limits: counters in Redis when configured, otherwise in PostgreSQL."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.errors import RateLimited


@dataclass(frozen=True)
class Limit:
    """At most `requests` in each window of `window_seconds`."""

    requests: int
    window_seconds: int


@dataclass(frozen=True)
class Usage:
    """One counter after a hit: what the RateLimit-* headers report."""

    limit: Limit
    hits: int
    reset_seconds: int

    @property
    def remaining(self) -> int:
        return max(0, self.limit.requests - self.hits)

    @property
    def exceeded(self) -> bool:
        return self.hits > self.limit.requests

    def headers(self) -> dict[str, str]:
        """IETF draft-ietf-httpapi-ratelimit-headers fields, plus Retry-After when exceeded."""
        values = {
            "RateLimit-Limit": str(self.limit.requests),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
            "RateLimit-Policy": f"{self.limit.requests};w={self.limit.window_seconds}",
        }
        if self.exceeded:
            values["Retry-After"] = str(self.reset_seconds)
        return values


def _window(limit: Limit, now: float) -> tuple[int, int]:
    """The current window's start (epoch seconds) and the seconds until it ends."""
    start = int(now // limit.window_seconds) * limit.window_seconds
    return start, max(1, math.ceil(start + limit.window_seconds - now))


class RateLimiter(Protocol):
    """Counts one hit on a key and tells how the key stands."""

    async def hit(self, session: AsyncSession, key: str, limit: Limit) -> Usage: ...

    async def close(self) -> None: ...


class PostgresRateLimiter:
    """Counters in identity_rate_limits, inside the request's transaction."""

    async def hit(self, session: AsyncSession, key: str, limit: Limit) -> Usage:
        start, reset = _window(limit, time.time())
        window_start = datetime.fromtimestamp(start, UTC)
        hits = await session.scalar(
            text(
                "insert into identity_rate_limits as r (key, window_start, hits, expires_at) "
                "values (:key, :start, 1, :expires) on conflict (key) do update set "
                "hits = case when r.window_start = excluded.window_start "
                "then r.hits + 1 else 1 end, "
                "window_start = excluded.window_start, expires_at = excluded.expires_at "
                "returning hits"
            ),
            {
                "key": key,
                "start": window_start,
                "expires": window_start + timedelta(seconds=limit.window_seconds),
            },
        )
        return Usage(limit, int(hits or 0), reset)

    async def close(self) -> None:
        return None


class RedisRateLimiter:
    """Counters in Redis (INCR and EXPIRE in one round trip), shared by every API process."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    @classmethod
    def from_url(cls, url: str) -> RedisRateLimiter:
        return cls(Redis.from_url(url))

    async def hit(self, session: AsyncSession, key: str, limit: Limit) -> Usage:
        start, reset = _window(limit, time.time())
        redis_key = f"backbeat:rl:{key}:{start}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(redis_key)
            pipe.expire(redis_key, limit.window_seconds + 1)
            hits, _ = await pipe.execute()
        return Usage(limit, int(hits), reset)

    async def close(self) -> None:
        await self._redis.aclose()


async def enforce(limiter: RateLimiter, session: AsyncSession, key: str, limit: Limit) -> Usage:
    """Count a hit and refuse with 429 once the window's budget is spent."""
    usage = await limiter.hit(session, key, limit)
    if usage.exceeded:
        raise RateLimited(
            f"Too many requests; try again in {usage.reset_seconds} seconds.",
            headers=usage.headers(),
            retry_after=usage.reset_seconds,
        )
    return usage
