"""Stripe's objects read into plain values: subscriptions, invoices, payment methods, refunds
and completed checkouts. Pure: dicts in, frozen dataclasses out.

Both Stripe API shapes are read: before 2025-03-31 ("basil") a subscription carried its current
period and an invoice its `subscription`, `tax`, `charge` and line `proration`; since then the
period is on the subscription's items and the invoice's links are under `parent`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Json = Mapping[str, Any]


class MalformedObject(ValueError):
    """A Stripe object without the fields Backbeat needs."""


@dataclass(frozen=True, order=True)
class Version:
    """Where a provider state sits in time: its event's `created`, then the event id (so two
    events of one second still order the same way whatever order they arrive in)."""

    created: datetime
    event_id: str


@dataclass(frozen=True)
class SubscriptionState:
    external_id: str
    customer_id: str | None
    user_hint: uuid.UUID | None
    lookup_key: str | None
    price_id: str | None
    status: str
    interval: str | None
    current_period_start: datetime | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    trial_end: datetime | None
    canceled_at: datetime | None
    ended_at: datetime | None


@dataclass(frozen=True)
class InvoiceState:
    external_id: str
    customer_id: str | None
    subscription_id: str | None
    user_hint: uuid.UUID | None
    number: str | None
    asset: str
    subtotal_minor: int
    tax_minor: int
    total_minor: int
    amount_paid_minor: int
    amount_due_minor: int
    proration_minor: int
    status: str
    period_start: datetime | None
    period_end: datetime | None
    hosted_invoice_url: str | None
    charge_id: str | None


@dataclass(frozen=True)
class PaymentMethodRef:
    """Brand, last 4 and expiry: the reference, never the card."""

    external_id: str
    customer_id: str | None
    kind: str
    brand: str | None
    last4: str | None
    exp_month: int | None
    exp_year: int | None


@dataclass(frozen=True)
class RefundState:
    external_id: str
    charge_id: str
    invoice_id: str | None
    customer_id: str | None
    amount_minor: int
    asset: str
    status: str
    reason: str | None


@dataclass(frozen=True)
class CheckoutCompleted:
    session_id: str
    user_hint: uuid.UUID | None
    customer_id: str | None


def moment(value: int) -> datetime:
    """A Stripe timestamp (seconds since the epoch) as an aware datetime."""
    return datetime.fromtimestamp(value, UTC)


def maybe_moment(value: object) -> datetime | None:
    """An optional Stripe timestamp."""
    if value is None:
        return None
    if type(value) is not int:
        raise MalformedObject(f"not a timestamp: {value!r}")
    return moment(value)


def user_hint(value: object) -> uuid.UUID | None:
    """A Backbeat user id carried in metadata or client_reference_id (None if not one)."""
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _id(value: object) -> str | None:
    """An expandable field's id, whether Stripe sent the id or the expanded object."""
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) else None


def _required(obj: Json, key: str) -> Any:
    if obj.get(key) is None:
        raise MalformedObject(f"{obj.get('object', 'object')} without {key}")
    return obj[key]


def _first_item(obj: Json) -> Json:
    items = (obj.get("items") or {}).get("data") or []
    return items[0] if items else {}


def subscription_state(obj: Json) -> SubscriptionState:
    """A Stripe subscription: status, period, cancel at period end, the price of its item."""
    item = _first_item(obj)
    price = item.get("price") or obj.get("plan") or {}
    recurring = price.get("recurring") or {}
    interval = recurring.get("interval") or price.get("interval")
    return SubscriptionState(
        external_id=_required(obj, "id"),
        customer_id=_id(obj.get("customer")),
        user_hint=user_hint((obj.get("metadata") or {}).get("backbeat_user_id")),
        lookup_key=price.get("lookup_key"),
        price_id=price.get("id"),
        status=_required(obj, "status"),
        interval=interval if interval in ("month", "year") else None,
        current_period_start=maybe_moment(
            obj.get("current_period_start", item.get("current_period_start"))
        ),
        current_period_end=maybe_moment(
            obj.get("current_period_end", item.get("current_period_end"))
        ),
        cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
        trial_end=maybe_moment(obj.get("trial_end")),
        canceled_at=maybe_moment(obj.get("canceled_at")),
        ended_at=maybe_moment(obj.get("ended_at")),
    )


def _is_proration(line: Json) -> bool:
    if line.get("proration"):
        return True
    parent = line.get("parent") or {}
    details = parent.get("subscription_item_details") or parent.get("invoice_item_details") or {}
    return bool(details.get("proration"))


def _tax(obj: Json) -> int:
    if isinstance(obj.get("tax"), int):
        return int(obj["tax"])
    return sum(int(t.get("amount") or 0) for t in obj.get("total_taxes") or [])


def invoice_state(obj: Json) -> InvoiceState:
    """A Stripe invoice: number, amounts, tax, status, period, hosted URL, prorations."""
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    lines = (obj.get("lines") or {}).get("data") or []
    return InvoiceState(
        external_id=_required(obj, "id"),
        customer_id=_id(obj.get("customer")),
        subscription_id=_id(obj.get("subscription") or details.get("subscription")),
        user_hint=user_hint(
            (details.get("metadata") or obj.get("metadata") or {}).get("backbeat_user_id")
        ),
        number=obj.get("number"),
        asset=str(_required(obj, "currency")).upper(),
        subtotal_minor=int(obj.get("subtotal") or 0),
        tax_minor=_tax(obj),
        total_minor=int(obj.get("total") or 0),
        amount_paid_minor=int(obj.get("amount_paid") or 0),
        amount_due_minor=int(obj.get("amount_due") or 0),
        proration_minor=sum(int(line.get("amount") or 0) for line in lines if _is_proration(line)),
        status=_required(obj, "status"),
        period_start=maybe_moment(obj.get("period_start")),
        period_end=maybe_moment(obj.get("period_end")),
        hosted_invoice_url=obj.get("hosted_invoice_url"),
        charge_id=_id(obj.get("charge")),
    )


def payment_method_ref(obj: Json) -> PaymentMethodRef:
    """A Stripe payment method, as a reference only."""
    card = obj.get("card") or {}
    return PaymentMethodRef(
        external_id=_required(obj, "id"),
        customer_id=_id(obj.get("customer")),
        kind=str(obj.get("type") or "card"),
        brand=card.get("brand"),
        last4=card.get("last4"),
        exp_month=card.get("exp_month"),
        exp_year=card.get("exp_year"),
    )


def charge_refunds(obj: Json) -> list[RefundState]:
    """The refunds of a refunded Stripe charge."""
    charge = _required(obj, "id")
    refunds = (obj.get("refunds") or {}).get("data") or []
    return [
        RefundState(
            external_id=_required(refund, "id"),
            charge_id=charge,
            invoice_id=_id(obj.get("invoice")),
            customer_id=_id(obj.get("customer")),
            amount_minor=int(refund.get("amount") or 0),
            asset=str(refund.get("currency") or obj.get("currency") or "").upper(),
            status=str(refund.get("status") or "succeeded"),
            reason=refund.get("reason"),
        )
        for refund in refunds
    ]


def checkout_completed(obj: Json) -> CheckoutCompleted:
    """A completed Checkout Session: who it was for (client_reference_id) and their customer."""
    return CheckoutCompleted(
        session_id=_required(obj, "id"),
        user_hint=user_hint(obj.get("client_reference_id")),
        customer_id=_id(obj.get("customer")),
    )
