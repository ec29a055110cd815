"""What a subscriber and an admin change: cancel at period end, change plan, grant a plan.

A Stripe subscription changes at Stripe (its answer shown at once, its webhooks deciding); a
manual one (an admin's grant, the manual provider) changes here.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing.entitlements import FREE_PLAN
from backbeat.billing.errors import (
    AdminsOnly,
    BillingUnavailable,
    NoSubscription,
    NothingToPay,
    UnknownUser,
)
from backbeat.billing.models import Subscription
from backbeat.billing.providers import PaymentProvider
from backbeat.billing.schemas import SubscriptionOut
from backbeat.billing.service.plans import plan_by_code, price_of
from backbeat.billing.service.subscriptions import (
    current_subscription,
    preview,
    subscription_changed,
    view_of,
)
from backbeat.identity.models import User

MANUAL = "manual"


async def _current(session: AsyncSession, user_id: uuid.UUID) -> Subscription:
    found = await current_subscription(session, user_id, lock=True)
    if found is None:
        raise NoSubscription("You have no subscription; you are on the free plan.")
    return found


def _remote(provider: PaymentProvider | None, subscription: Subscription) -> PaymentProvider:
    if provider is None or provider.name != subscription.provider:
        raise BillingUnavailable(f"The {subscription.provider} provider is not configured here.")
    return provider


async def cancel_subscription(
    session: AsyncSession, provider: PaymentProvider | None, *, actor: uuid.UUID
) -> SubscriptionOut:
    """Stop renewing: the plan lasts until the current period ends."""
    subscription = await _current(session, actor)
    if subscription.provider == MANUAL:
        subscription.cancel_at_period_end = True
        subscription.updated_at = datetime.now(UTC)
        await session.flush()
        return await subscription_changed(session, subscription)
    # Stripe's answer shows at once; the webhook that follows applies it and announces it.
    state = await _remote(provider, subscription).cancel_at_period_end(subscription.external_id)
    return await view_of(session, await preview(session, subscription, state))


async def change_subscription(
    session: AsyncSession, provider: PaymentProvider | None, plan_code: str, *, actor: uuid.UUID
) -> SubscriptionOut:
    """Move to another plan at the same interval; Stripe prorates and reports it on the next
    invoice (proration_minor). Back to free is a cancel, not a change."""
    if plan_code == FREE_PLAN:
        raise NothingToPay("To go back to the free plan, cancel the subscription.")
    subscription = await _current(session, actor)
    plan = await plan_by_code(session, plan_code)
    if plan.id == subscription.plan_id:
        return await view_of(session, subscription)
    if subscription.provider == MANUAL:
        subscription.plan_id = plan.id
        subscription.updated_at = datetime.now(UTC)
        await session.flush()
        return await subscription_changed(session, subscription)
    price = await price_of(session, plan, subscription.interval or "month")
    state = await _remote(provider, subscription).change_price(
        subscription.external_id, price.lookup_key, price.stripe_price_id
    )
    return await view_of(session, await preview(session, subscription, state))


async def grant_plan(
    session: AsyncSession,
    user_id: uuid.UUID,
    plan_code: str,
    days: int | None,
    *,
    actor: uuid.UUID,
    actor_role: str,
) -> SubscriptionOut:
    """An admin's grant through the manual provider: active now, for `days` (None: until
    revoked); it is the user's newest subscription, so it decides their entitlements."""
    if actor_role != "admin":
        raise AdminsOnly("Only an admin may grant a plan.")
    if await session.get(User, user_id) is None:
        raise UnknownUser(f"There is no user {user_id}.")
    plan = await plan_by_code(session, plan_code)
    now = datetime.now(UTC)
    subscription = Subscription(
        user_id=user_id,
        plan_id=plan.id,
        provider=MANUAL,
        external_id=f"manual_{uuid.uuid4().hex}",
        status="active",
        current_period_start=now,
        current_period_end=now + timedelta(days=days) if days else None,
        granted_by=actor,
    )
    session.add(subscription)
    await session.flush()
    return await subscription_changed(session, subscription)


async def revoke_grant(
    session: AsyncSession, subscription_id: uuid.UUID, *, actor_role: str
) -> SubscriptionOut:
    """An admin ends a manual grant now (a Stripe subscription is canceled at Stripe)."""
    if actor_role != "admin":
        raise AdminsOnly("Only an admin may revoke a grant.")
    subscription = await session.get(Subscription, subscription_id, with_for_update=True)
    if subscription is None or subscription.provider != MANUAL:
        raise NoSubscription(f"There is no manual grant {subscription_id}.")
    now = datetime.now(UTC)
    if subscription.status != "canceled":
        subscription.status = "canceled"
        subscription.canceled_at = subscription.ended_at = subscription.updated_at = now
        await session.flush()
        return await subscription_changed(session, subscription)
    return await view_of(session, subscription)
