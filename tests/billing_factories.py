"""Billing rows for tests: plans with prices, and subscriptions in a given status."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

PRO = {
    "generation.daily_limit": 100,
    "storage.bytes": 50 * 1024**3,
    "live.subscriber_access": True,
    "recommendations.premium": True,
    "studio.projects": None,
    "studio.collaborators": 10,
}


async def make_plan(
    session: AsyncSession,
    code: str,
    entitlements: dict[str, Any] | None = None,
    *,
    monthly_minor: int = 900,
    trial_days: int = 0,
    is_public: bool = True,
) -> uuid.UUID:
    """A plan with a monthly and a yearly price in USD (lookup keys `<code>_month|year`)."""
    plan = uuid.uuid4()
    await session.execute(
        text(
            "insert into billing_plans (id, code, name, entitlements, trial_days, is_public) "
            "values (:id, :code, :code, cast(:e as jsonb), :trial, :public)"
        ),
        {
            "id": plan,
            "code": code,
            "e": json.dumps(entitlements or {}),
            "trial": trial_days,
            "public": is_public,
        },
    )
    for interval, amount in (("month", monthly_minor), ("year", monthly_minor * 10)):
        await session.execute(
            text(
                "insert into billing_prices (id, plan_id, interval, amount_minor, asset, "
                "lookup_key) values (gen_random_uuid(), :p, :i, :a, 'USD', :k)"
            ),
            {"p": plan, "i": interval, "a": amount, "k": f"{code}_{interval}"},
        )
    return plan


async def make_subscription(
    session: AsyncSession,
    user: uuid.UUID,
    plan: uuid.UUID,
    status: str = "active",
    *,
    provider: str = "manual",
    period_end: datetime | None = None,
) -> uuid.UUID:
    """A subscription row as the owner writes it."""
    subscription = uuid.uuid4()
    await session.execute(
        text(
            "insert into billing_subscriptions (id, user_id, plan_id, provider, external_id, "
            "status, current_period_end) values (:id, :u, :p, :provider, :x, :s, :end)"
        ),
        {
            "id": subscription,
            "u": user,
            "p": plan,
            "provider": provider,
            "x": f"sub_{subscription.hex}",
            "s": status,
            "end": period_end,
        },
    )
    return subscription
