"""Starting a subscription: a hosted checkout at the provider for one plan's price."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing.entitlements import FREE_PLAN
from backbeat.billing.errors import BillingUnavailable, NothingToPay
from backbeat.billing.models import Customer
from backbeat.billing.providers import CheckoutRequest, PaymentProvider
from backbeat.billing.service.plans import plan_by_code, price_of
from backbeat.billing.service.subscriptions import current_subscription
from backbeat.config import Settings


async def start_checkout(
    session: AsyncSession,
    provider: PaymentProvider | None,
    settings: Settings,
    plan_code: str,
    interval: str,
    *,
    actor: uuid.UUID,
) -> str:
    """The checkout page's URL; the subscription itself arrives by webhook."""
    if provider is None:
        raise BillingUnavailable("No payment provider is configured (BACKBEAT_STRIPE_API_KEY).")
    plan = await plan_by_code(session, plan_code)
    price = await price_of(session, plan, interval)
    if plan.code == FREE_PLAN or price.amount_minor == 0:
        raise NothingToPay(f"The {plan.code} plan is free: there is nothing to check out.")
    current = await current_subscription(session, actor)
    if current is not None and current.provider == provider.name:
        raise NothingToPay("You already subscribe: change your plan instead.")
    customer = await session.scalar(
        select(Customer.external_id).where(
            Customer.user_id == actor, Customer.provider == provider.name
        )
    )
    request = CheckoutRequest(
        user_id=actor,
        customer_id=customer,
        lookup_key=price.lookup_key,
        provider_price_id=price.stripe_price_id,
        trial_days=plan.trial_days,
        success_url=settings.billing_success_url,
        cancel_url=settings.billing_cancel_url,
    )
    return await provider.start_checkout(request)
