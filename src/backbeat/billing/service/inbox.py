"""The provider's event inbox: every verified event stored once by its id, then applied.

A duplicate id is a no-op. Each object is written only by a newer version (the event's
`created`, then its id), so events arriving out of order never move state backwards. Unknown
types are stored and acknowledged; the row's `outcome` says what applying did.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing.errors import MalformedEvent
from backbeat.billing.models import ProviderEvent
from backbeat.billing.service.invoices import (
    apply_invoice,
    apply_payment_method,
    apply_refunds,
    detach_payment_method,
)
from backbeat.billing.service.subscriptions import apply_subscription, find_user
from backbeat.billing.stripe_objects import (
    MalformedObject,
    Version,
    charge_refunds,
    checkout_completed,
    invoice_state,
    moment,
    payment_method_ref,
    subscription_state,
)

STRIPE = "stripe"


@dataclass(frozen=True)
class Receipt:
    """What receiving one event did."""

    event_id: str
    type: str
    duplicate: bool
    outcome: str


async def receive_stripe_event(session: AsyncSession, event: Mapping[str, Any]) -> Receipt:
    """Store a verified Stripe event once, and apply it."""
    event_id, kind = str(event.get("id") or ""), str(event.get("type") or "")
    created = event.get("created")
    if not event_id or type(created) is not int:
        raise MalformedEvent("A Stripe event needs an id and a created timestamp.")
    stored = await session.scalar(
        insert(ProviderEvent)
        .values(
            id=event_id,
            provider=STRIPE,
            type=kind,
            created=moment(created),
            livemode=bool(event.get("livemode")),
            payload=dict(event),
            outcome="received",
        )
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(ProviderEvent.id)
    )
    if stored is None:
        return Receipt(event_id, kind, duplicate=True, outcome="duplicate")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, Mapping) else None
    try:
        if not isinstance(obj, Mapping):
            raise MalformedObject("an event without data.object")
        outcome = await _apply(session, kind, obj, Version(moment(created), event_id))
    except (MalformedObject, AttributeError, TypeError) as exc:  # a shape Backbeat cannot read
        outcome = f"malformed: {exc}"
    await session.execute(
        update(ProviderEvent).where(ProviderEvent.id == event_id).values(outcome=outcome)
    )
    return Receipt(event_id, kind, duplicate=False, outcome=outcome)


async def _apply(session: AsyncSession, kind: str, obj: Mapping[str, Any], version: Version) -> str:
    if kind == "checkout.session.completed":
        return await _link_checkout(session, obj)
    if kind.startswith("customer.subscription."):
        return await apply_subscription(session, STRIPE, subscription_state(obj), version)
    if kind.startswith("invoice.") and obj.get("object") == "invoice":
        return await apply_invoice(session, STRIPE, invoice_state(obj), version)
    if kind == "payment_method.detached":
        return await detach_payment_method(session, STRIPE, str(obj.get("id")), version)
    if kind in ("payment_method.attached", "payment_method.updated"):
        return await apply_payment_method(session, STRIPE, payment_method_ref(obj), version)
    if kind == "charge.refunded":
        return await apply_refunds(session, STRIPE, charge_refunds(obj), version)
    return "ignored"


async def _link_checkout(session: AsyncSession, obj: Mapping[str, Any]) -> str:
    """A completed checkout links the Stripe customer to the user it was started for."""
    completed = checkout_completed(obj)
    if completed.customer_id is None:
        return "no_customer"
    user = await find_user(session, STRIPE, completed.customer_id, completed.user_hint)
    return "linked" if user is not None else "unknown_user"
