"""What identity use cases need besides a database session, built once per app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from backbeat.config import Settings
from backbeat.identity.keys import IdentityKeys
from backbeat.identity.mailer import Mailer, OutboxMailer
from backbeat.identity.service.ratelimits import (
    PostgresRateLimiter,
    RateLimiter,
    RedisRateLimiter,
)


@dataclass(frozen=True)
class IdentityContext:
    """Settings, keys, the rate limiter and the mailer: the identity service's environment."""

    settings: Settings
    keys: IdentityKeys
    limiter: RateLimiter
    mailer: Mailer

    @classmethod
    def from_settings(cls, settings: Settings, *, mailer: Mailer | None = None) -> IdentityContext:
        """Redis counters when BACKBEAT_REDIS_URL is set, PostgreSQL counters otherwise."""
        limiter: RateLimiter = (
            RedisRateLimiter.from_url(settings.redis_url)
            if settings.redis_url
            else PostgresRateLimiter()
        )
        return cls(
            settings, IdentityKeys.from_settings(settings), limiter, mailer or OutboxMailer()
        )


def utcnow() -> datetime:
    """The current time, aware and in UTC."""
    return datetime.now(UTC)
