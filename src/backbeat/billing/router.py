"""HTTP routes of billing: plans, checkout, the caller's subscription and billing state,
Stripe's webhooks and admin grants."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response, status

from backbeat.billing import service as billing
from backbeat.billing.entitlements import my_entitlements_json
from backbeat.billing.schemas import (
    ChangeIn,
    CheckoutIn,
    CheckoutOut,
    EntitlementsOut,
    GrantIn,
    InvoiceList,
    PaymentMethodList,
    PlanCode,
    PlanIn,
    PlanList,
    PlanOut,
    SubscriptionOut,
    WebhookReceipt,
)
from backbeat.billing.stripe_edge import Billing, BillingSession
from backbeat.billing.stripe_signatures import verified_event
from backbeat.edge import AppSettings, DbRead, DbSession, json_text
from backbeat.identity.auth import CurrentUser

router = APIRouter(prefix="/v1", tags=["billing"])


@router.get("/plans", response_model=PlanList)
async def list_plans(read: DbRead, settings: AppSettings) -> Response:
    """The public plans, their prices and what each grants."""
    return json_text(await billing.plans_json(read, storage_default=settings.media_quota_bytes))


@router.post("/billing/checkout", status_code=status.HTTP_201_CREATED)
async def checkout(
    body: CheckoutIn, session: DbSession, user: CurrentUser, ctx: Billing, settings: AppSettings
) -> CheckoutOut:
    """A Stripe Checkout page for a plan's price; the subscription arrives by webhook."""
    url = await billing.start_checkout(
        session, ctx.provider, settings, body.plan, body.interval, actor=user.user_id
    )
    return CheckoutOut(url=url)


@router.get("/me/subscription", response_model=SubscriptionOut)
async def my_subscription(read: DbRead, user: CurrentUser) -> Response:
    """Your current subscription, or the free plan when none grants one."""
    return json_text(await billing.my_subscription_json(read))


@router.post("/me/subscription/cancel")
async def cancel(session: BillingSession, user: CurrentUser, ctx: Billing) -> SubscriptionOut:
    """Cancel at the end of the current period (the plan lasts until then)."""
    return await billing.cancel_subscription(session, ctx.provider, actor=user.user_id)


@router.post("/me/subscription/change")
async def change(
    body: ChangeIn, session: BillingSession, user: CurrentUser, ctx: Billing
) -> SubscriptionOut:
    """Move to another plan; Stripe prorates (see the next invoice's proration_minor)."""
    return await billing.change_subscription(session, ctx.provider, body.plan, actor=user.user_id)


@router.post("/billing/webhooks/stripe")
async def stripe_webhook(
    request: Request,
    session: BillingSession,
    settings: AppSettings,
    stripe_signature: Annotated[str | None, Header()] = None,
) -> WebhookReceipt:
    """Stripe's events: verified on the raw bytes, stored once by id (a duplicate is 200)."""
    event = verified_event(settings, await request.body(), stripe_signature)
    receipt = await billing.receive_stripe_event(session, event)
    return WebhookReceipt(
        id=receipt.event_id, type=receipt.type, duplicate=receipt.duplicate, outcome=receipt.outcome
    )


@router.get("/me/invoices", response_model=InvoiceList)
async def my_invoices(
    read: DbRead, user: CurrentUser, limit: Annotated[int, Query(ge=1, le=100)] = 50
) -> Response:
    """Your invoices, newest first: amounts in minor units, tax, status, the hosted page."""
    return json_text(await billing.my_invoices_json(read, limit=limit))


@router.get("/me/payment-methods", response_model=PaymentMethodList)
async def my_payment_methods(read: DbRead, user: CurrentUser) -> Response:
    """Your payment methods, as references: brand, last 4, expiry."""
    return json_text(await billing.my_payment_methods_json(read))


@router.get("/me/entitlements", response_model=EntitlementsOut)
async def my_entitlements(read: DbRead, user: CurrentUser, settings: AppSettings) -> Response:
    """What your plan grants now (null: unlimited)."""
    quota = settings.media_quota_bytes
    return json_text(await my_entitlements_json(read, storage_default=quota))


@router.post("/admin/subscriptions", status_code=status.HTTP_201_CREATED)
async def grant(body: GrantIn, session: BillingSession, user: CurrentUser) -> SubscriptionOut:
    """An admin grants a plan (the manual provider), for some days or until revoked."""
    return await billing.grant_plan(
        session, body.user_id, body.plan, body.days, actor=user.user_id, actor_role=user.role
    )


@router.post("/admin/subscriptions/{subscription_id}/revoke")
async def revoke(
    subscription_id: uuid.UUID, session: BillingSession, user: CurrentUser
) -> SubscriptionOut:
    """An admin ends a manual grant now (the user falls back to their other plan, or free)."""
    return await billing.revoke_grant(session, subscription_id, actor_role=user.role)


@router.put("/admin/plans/{code}", response_model=PlanOut)
async def put_plan(
    code: Annotated[PlanCode, Path()],
    body: PlanIn,
    session: BillingSession,
    user: CurrentUser,
    settings: AppSettings,
) -> Response:
    """An admin defines a plan or replaces its fields, entitlements and prices (lookup keys
    `<code>_<interval>`; set `stripe_price_id` or create Stripe prices with those keys)."""
    prices = [
        billing.PriceSpec(p.interval, p.amount_minor, p.asset, p.stripe_price_id)
        for p in body.prices
    ]
    found = await billing.put_plan(
        session,
        code,
        body.name,
        body.entitlements,
        prices,
        description=body.description,
        trial_days=body.trial_days,
        is_public=body.is_public,
        sort_order=body.sort_order,
        actor_role=user.role,
        storage_default=settings.media_quota_bytes,
    )
    return json_text(found)
