"""Demo billing: the free, pro and enterprise plans with monthly and yearly prices, and the
demo artist nova on pro (a manual grant, so no Stripe is needed)."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing.entitlements import entitlements
from backbeat.billing.models import Subscription
from backbeat.billing.service.plans import PriceSpec, define_plan
from backbeat.identity.demo import DEMO_DOMAIN

GIB = 1024**3


class DemoPlan(NamedTuple):
    code: str
    name: str
    description: str
    entitlements: dict[str, Any]
    monthly_minor: int
    trial_days: int


PLANS = tuple(
    DemoPlan(*plan)
    for plan in (
        (
            "free",
            "Free",
            "Make music, store it under the deployment's quota.",
            {
                "generation.daily_limit": 5,
                "live.subscriber_access": False,
                "recommendations.premium": False,
                "studio.projects": 5,
                "studio.collaborators": 3,
            },
            0,
            0,
        ),
        (
            "pro",
            "Pro",
            "For working artists: more generations, storage and collaborators.",
            {
                "generation.daily_limit": 100,
                "storage.bytes": 100 * GIB,
                "live.subscriber_access": True,
                "recommendations.premium": True,
                "studio.projects": None,
                "studio.collaborators": 10,
            },
            900,
            14,
        ),
        (
            "enterprise",
            "Enterprise",
            "Labels and studios: no limits.",
            {
                "generation.daily_limit": None,
                "storage.bytes": None,
                "live.subscriber_access": True,
                "recommendations.premium": True,
                "studio.projects": None,
                "studio.collaborators": None,
            },
            4900,
            0,
        ),
    )
)
DEMO_SUBSCRIBER = "nova"


async def load_billing_demo(session: AsyncSession) -> list[str]:
    """The three plans (updated in place) and nova's pro grant (made once)."""
    plan_ids = {}
    for order, (code, name, about, granted, monthly, trial) in enumerate(PLANS):
        prices = [PriceSpec("month", monthly, "USD"), PriceSpec("year", monthly * 10, "USD")]
        plan_ids[code] = await define_plan(
            session,
            code,
            name,
            granted,
            prices,
            description=about,
            trial_days=trial,
            sort_order=order,
        )
    nova = await session.scalar(
        text("select id from identity_users where email = :e"),
        {"e": f"{DEMO_SUBSCRIBER}@{DEMO_DOMAIN}"},
    )
    lines = [f"{len(PLANS)} plans: " + ", ".join(plan.code for plan in PLANS)]
    if nova is None:
        return lines
    granted_before = await session.scalar(
        select(Subscription.id).where(Subscription.external_id == "demo:nova")
    )
    if granted_before is None:
        session.add(
            Subscription(
                user_id=nova,
                plan_id=plan_ids["pro"],
                provider="manual",
                external_id="demo:nova",
                status="active",
            )
        )
        await session.flush()
    plan = (await entitlements(session, nova)).plan
    return [*lines, f"{DEMO_SUBSCRIBER}@{DEMO_DOMAIN} is on {plan} (a manual grant)"]
