"""The daily generation quota: the caller's plan and limit, today's count, and taking one.

The limit is the user's plan's (billing's entitlements); counting is one atomic upsert in
`taste_take_generation`, so concurrent requests cannot both take the last generation of a day.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing.entitlements import entitlements
from backbeat.errors import TooManyRequests
from backbeat.taste.creations_models import GenerationDay
from backbeat.taste.quota import quota_day, resets_at, retry_after_seconds


class DailyGenerationLimit(TooManyRequests):
    """Today's generations are used up; Retry-After says when the next UTC day starts."""


@dataclass(frozen=True)
class Plan:
    """A user's plan as far as generation goes: its name and daily limit (None: unlimited)."""

    name: str
    daily_limit: int | None


@dataclass(frozen=True)
class Quota:
    """GET /v1/me/quota."""

    plan: str
    used: int
    limit: int | None
    resets_at: datetime


async def plan_of(session: AsyncSession, user_id: uuid.UUID) -> Plan:
    """The user's plan and its `generation.daily_limit`, as billing's entitlements say now."""
    granted = await entitlements(session, user_id)
    return Plan(granted.plan, granted.generation_daily_limit)


async def used_on(session: AsyncSession, user_id: uuid.UUID, day: date) -> int:
    """Generations the user took on a UTC day."""
    used = await session.scalar(
        select(GenerationDay.used).where(GenerationDay.user_id == user_id, GenerationDay.day == day)
    )
    return used or 0


async def quota_of(session: AsyncSession, user_id: uuid.UUID, *, now: datetime) -> Quota:
    """The caller's plan, today's count, limit and the next reset."""
    plan = await plan_of(session, user_id)
    used = await used_on(session, user_id, quota_day(now))
    return Quota(plan.name, used, plan.daily_limit, resets_at(now))


async def take_generation(session: AsyncSession, user_id: uuid.UUID, *, now: datetime) -> date:
    """Count one generation today, or 429 with Retry-After when the plan's limit is reached;
    returns the day it counted on (rolled back with the request if the request fails)."""
    plan = await plan_of(session, user_id)
    day = quota_day(now)
    taken = None
    if plan.daily_limit != 0:
        taken = await session.scalar(
            text("select taste_take_generation(:user, :day, :limit)"),
            {"user": user_id, "day": day, "limit": plan.daily_limit},
        )
    if taken is None:
        wait = retry_after_seconds(now)
        raise DailyGenerationLimit(
            f"Your plan ({plan.name}) allows {plan.daily_limit} generations a day; "
            f"the count starts again at {resets_at(now).isoformat()}.",
            headers={"Retry-After": str(wait)},
            limit=plan.daily_limit,
            resets_at=resets_at(now).isoformat(),
        )
    return day


async def give_back(session: AsyncSession, user_id: uuid.UUID, day: date) -> None:
    """A failed generation does not count (the worker calls this, as the owner role)."""
    await session.execute(
        update(GenerationDay)
        .where(GenerationDay.user_id == user_id, GenerationDay.day == day, GenerationDay.used > 0)
        .values(used=GenerationDay.used - 1)
    )
