"""Subscriptions: provider state applied in version order, the caller's current one, and the
users and customers they belong to."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing import outbox
from backbeat.billing.entitlements import ENTITLING, FREE_PLAN, forget_entitlements
from backbeat.billing.models import SUBSCRIPTION_STATUSES, Customer, Plan, Subscription
from backbeat.billing.schemas import SubscriptionOut
from backbeat.billing.service.mirror import upsert_newer
from backbeat.billing.service.plans import plan_for_price
from backbeat.billing.stripe_objects import SubscriptionState, Version
from backbeat.identity.models import User
from backbeat.reads import Read, ReadSession

SUBSCRIPTION_FIELDS = """'id', s.id, 'plan', p.code, 'status', s.status, 'provider', s.provider,
  'interval', s.interval, 'current_period_start', s.current_period_start,
  'current_period_end', s.current_period_end, 'cancel_at_period_end', s.cancel_at_period_end,
  'trial_end', s.trial_end, 'canceled_at', s.canceled_at"""
FREE_FIELDS = """'id', null, 'plan', %(free)s::text, 'status', 'active', 'provider', null,
  'interval', null, 'current_period_start', null, 'current_period_end', null,
  'cancel_at_period_end', false, 'trial_end', null, 'canceled_at', null"""
MY_SUBSCRIPTION = Read(f"""select coalesce((select json_build_object({SUBSCRIPTION_FIELDS})
  from billing_subscriptions s join billing_plans p on p.id = s.plan_id
  where s.user_id = (select auth.uid()) and {ENTITLING}
  order by s.created_at desc, s.id desc limit 1), json_build_object({FREE_FIELDS}))::text""")  # noqa: S608
"""The caller's current subscription, or the free plan when none grants one."""


async def my_subscription_json(read: ReadSession) -> str:
    """GET /v1/me/subscription."""
    found = await read.one(MY_SUBSCRIPTION, free=FREE_PLAN)
    assert found is not None  # coalesce always gives a row
    return found


async def view_of(session: AsyncSession, subscription: Subscription) -> SubscriptionOut:
    """The view of a subscription row (its plan's code looked up)."""
    code = await session.scalar(select(Plan.code).where(Plan.id == subscription.plan_id))
    return SubscriptionOut(
        id=subscription.id,
        plan=str(code),
        status=subscription.status,
        provider=subscription.provider,
        interval=subscription.interval,
        current_period_start=subscription.current_period_start,
        current_period_end=subscription.current_period_end,
        cancel_at_period_end=subscription.cancel_at_period_end,
        trial_end=subscription.trial_end,
        canceled_at=subscription.canceled_at,
    )


async def subscription_changed(
    session: AsyncSession, subscription: Subscription
) -> SubscriptionOut:
    """After a subscription's state changed: entitlements re-read at once, and the
    `subscription.updated` webhook event written in the same transaction."""
    forget_entitlements(session)
    view = await view_of(session, subscription)
    data = {"user_id": str(subscription.user_id), **view.model_dump(mode="json")}
    await outbox.emit(session, "subscription.updated", data, owner_id=subscription.user_id)
    return view


async def current_subscription(
    session: AsyncSession, user_id: uuid.UUID, *, lock: bool = False
) -> Subscription | None:
    """The subscription that grants the user's plan now (the newest entitling one); `lock`
    holds it until the transaction ends (the owner's changes)."""
    found: Subscription | None = await session.scalar(
        select(Subscription)
        .from_statement(
            text(
                f"select s.* from billing_subscriptions s where s.user_id = :user and {ENTITLING} "  # noqa: S608
                "order by s.created_at desc, s.id desc limit 1" + (" for update" if lock else "")
            )
        )
        .params(user=user_id)
    )
    return found


async def find_user(
    session: AsyncSession, provider: str, customer_id: str | None, hint: uuid.UUID | None
) -> uuid.UUID | None:
    """Whose provider object this is: by its customer, else by the user id it carries."""
    if customer_id is not None:
        found = await session.scalar(
            select(Customer.user_id).where(
                Customer.provider == provider, Customer.external_id == customer_id
            )
        )
        if found is not None:
            return found
    if hint is None or await session.get(User, hint) is None:
        return None
    if customer_id is not None:
        await link_customer(session, hint, provider, customer_id)
    return hint


async def link_customer(
    session: AsyncSession, user_id: uuid.UUID, provider: str, customer_id: str
) -> None:
    """Remember a user's customer at a provider (the first link stays)."""
    await session.execute(
        insert(Customer)
        .values(user_id=user_id, provider=provider, external_id=customer_id)
        .on_conflict_do_nothing()
    )


def _fields(state: SubscriptionState, plan_id: uuid.UUID) -> dict[str, object]:
    return {
        "plan_id": plan_id,
        "status": state.status,
        "interval": state.interval,
        "current_period_start": state.current_period_start,
        "current_period_end": state.current_period_end,
        "cancel_at_period_end": state.cancel_at_period_end,
        "trial_end": state.trial_end,
        "canceled_at": state.canceled_at,
        "ended_at": state.ended_at,
        "updated_at": datetime.now(UTC),
    }


async def apply_subscription(
    session: AsyncSession, provider: str, state: SubscriptionState, version: Version
) -> str:
    """Write a provider's subscription state unless a newer version is already applied;
    what happened: applied, stale, unknown_status, unknown_user or unknown_plan."""
    if state.status not in SUBSCRIPTION_STATUSES:
        return "unknown_status"
    user_id = await find_user(session, provider, state.customer_id, state.user_hint)
    if user_id is None:
        return "unknown_user"
    plan = await plan_for_price(session, state.lookup_key, state.price_id)
    if plan is None:
        return "unknown_plan"
    written = await upsert_newer(
        session,
        Subscription,
        "uq_billing_subscriptions_external",
        {"user_id": user_id, "provider": provider, "external_id": state.external_id},
        _fields(state, plan.id),
        version,
    )
    forget_entitlements(session)
    if not written:
        return "stale"
    applied = await session.scalar(
        select(Subscription).where(
            Subscription.provider == provider, Subscription.external_id == state.external_id
        )
    )
    assert applied is not None  # just written
    await subscription_changed(session, applied)
    return "applied"


async def preview(
    session: AsyncSession, subscription: Subscription, state: SubscriptionState
) -> Subscription:
    """Show what the provider answered at once, without advancing the version: only if no
    event was applied meanwhile, and the webhook that follows still decides."""
    plan = await plan_for_price(session, state.lookup_key, state.price_id)
    fields = _fields(state, plan.id if plan else subscription.plan_id)
    await session.execute(
        update(Subscription)
        .where(
            Subscription.id == subscription.id,
            Subscription.source_created == subscription.source_created,
            Subscription.source_event_id == subscription.source_event_id,
        )
        .values(**fields)
        .execution_options(synchronize_session=False)
    )
    forget_entitlements(session)
    await session.refresh(subscription)
    return subscription
