"""Invoices, payment method references and refunds mirrored from the provider (each written
only by a newer version than the one it holds), and the caller's reads of them."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing.models import INVOICE_STATUSES, Invoice, PaymentMethod, Refund, Subscription
from backbeat.billing.service.mirror import older_than, upsert_newer
from backbeat.billing.service.subscriptions import find_user
from backbeat.billing.stripe_objects import InvoiceState, PaymentMethodRef, RefundState, Version
from backbeat.reads import Read, ReadSession

MY_INVOICES = Read("""select json_build_object('items', coalesce(json_agg(json_build_object(
  'id', i.id, 'number', i.number, 'status', i.status, 'asset', i.asset,
  'subtotal_minor', i.subtotal_minor, 'tax_minor', i.tax_minor, 'total_minor', i.total_minor,
  'amount_paid_minor', i.amount_paid_minor, 'amount_due_minor', i.amount_due_minor,
  'amount_refunded_minor', i.amount_refunded_minor, 'proration_minor', i.proration_minor,
  'period_start', i.period_start, 'period_end', i.period_end,
  'hosted_invoice_url', i.hosted_invoice_url, 'created_at', i.created_at)
  order by i.created_at desc, i.id desc), '[]'))::text
from (select * from billing_invoices where user_id = (select auth.uid())
      order by created_at desc, id desc limit %(limit)s) i""")
MY_PAYMENT_METHODS = Read("""select json_build_object('items', coalesce(json_agg(
  json_build_object('id', m.id, 'kind', m.kind, 'brand', m.brand, 'last4', m.last4,
    'exp_month', m.exp_month, 'exp_year', m.exp_year, 'created_at', m.created_at)
  order by m.created_at desc, m.id desc), '[]'))::text
from billing_payment_methods m
where m.user_id = (select auth.uid()) and m.detached_at is null""")


async def my_invoices_json(read: ReadSession, *, limit: int) -> str:
    """GET /v1/me/invoices: the newest first."""
    found = await read.one(MY_INVOICES, limit=limit)
    assert found is not None  # an aggregate always returns its row
    return found


async def my_payment_methods_json(read: ReadSession) -> str:
    """GET /v1/me/payment-methods: attached ones, by reference only."""
    found = await read.one(MY_PAYMENT_METHODS)
    assert found is not None
    return found


async def apply_invoice(
    session: AsyncSession, provider: str, state: InvoiceState, version: Version
) -> str:
    """Mirror an invoice (its user by customer, metadata, or its subscription's user)."""
    if state.status not in INVOICE_STATUSES:
        return "unknown_status"
    subscription = await session.scalar(
        select(Subscription).where(
            Subscription.provider == provider, Subscription.external_id == state.subscription_id
        )
    )
    user_id = await find_user(session, provider, state.customer_id, state.user_hint)
    if user_id is None and subscription is not None:
        user_id = subscription.user_id
    if user_id is None:
        return "unknown_user"
    fields = {
        "subscription_id": subscription.id if subscription else None,
        **{name: getattr(state, name) for name in _INVOICE_FIELDS},
    }
    key = {"user_id": user_id, "provider": provider, "external_id": state.external_id}
    written = await upsert_newer(
        session, Invoice, "uq_billing_invoices_external", key, fields, version
    )
    return "applied" if written else "stale"


_INVOICE_FIELDS = (
    "number",
    "asset",
    "subtotal_minor",
    "tax_minor",
    "total_minor",
    "amount_paid_minor",
    "amount_due_minor",
    "proration_minor",
    "status",
    "period_start",
    "period_end",
    "hosted_invoice_url",
    "charge_id",
)


async def apply_payment_method(
    session: AsyncSession, provider: str, ref: PaymentMethodRef, version: Version
) -> str:
    """Remember an attached payment method by reference (brand, last 4, expiry)."""
    user_id = await find_user(session, provider, ref.customer_id, None)
    if user_id is None:
        return "unknown_user"
    fields = {
        "kind": ref.kind,
        "brand": ref.brand,
        "last4": ref.last4,
        "exp_month": ref.exp_month,
        "exp_year": ref.exp_year,
        "detached_at": None,
    }
    key = {"user_id": user_id, "provider": provider, "external_id": ref.external_id}
    written = await upsert_newer(
        session, PaymentMethod, "uq_billing_payment_methods_external", key, fields, version
    )
    return "applied" if written else "stale"


async def detach_payment_method(
    session: AsyncSession, provider: str, external_id: str, version: Version
) -> str:
    """A detached payment method stops being listed (unless a newer attach came first)."""
    written = await session.scalar(
        update(PaymentMethod)
        .where(
            PaymentMethod.provider == provider,
            PaymentMethod.external_id == external_id,
            older_than(PaymentMethod, version.created, version.event_id),
        )
        .values(
            detached_at=version.created,
            source_created=version.created,
            source_event_id=version.event_id,
        )
        .returning(PaymentMethod.id)
    )
    return "applied" if written is not None else "stale"


async def apply_refunds(
    session: AsyncSession, provider: str, refunds: list[RefundState], version: Version
) -> str:
    """Mirror a charge's refunds, and what its invoice has had refunded."""
    outcome = "applied"
    for refund in refunds:
        invoice = await _invoice_of_charge(session, provider, refund)
        user_id = await find_user(session, provider, refund.customer_id, None)
        user_id = user_id or (invoice.user_id if invoice else None)
        if user_id is None:
            outcome = "unknown_user"
            continue
        await _upsert_refund(session, provider, refund, user_id, invoice, version)
        if invoice is not None:
            await _sum_refunds(session, invoice.id)
    return outcome


async def _invoice_of_charge(
    session: AsyncSession, provider: str, refund: RefundState
) -> Invoice | None:
    by_charge = Invoice.charge_id == refund.charge_id
    by_id = Invoice.external_id == refund.invoice_id
    found: Invoice | None = await session.scalar(
        select(Invoice).where(Invoice.provider == provider, by_id | by_charge).limit(1)
    )
    return found


async def _upsert_refund(
    session: AsyncSession,
    provider: str,
    refund: RefundState,
    user_id: uuid.UUID,
    invoice: Invoice | None,
    version: Version,
) -> None:
    fields: dict[str, object] = {
        "invoice_id": invoice.id if invoice else None,
        "charge_id": refund.charge_id,
        "amount_minor": refund.amount_minor,
        "asset": refund.asset,
        "status": refund.status,
        "reason": refund.reason,
    }
    key = {"user_id": user_id, "provider": provider, "external_id": refund.external_id}
    await upsert_newer(session, Refund, "uq_billing_refunds_external", key, fields, version)


async def _sum_refunds(session: AsyncSession, invoice_id: uuid.UUID) -> None:
    total = (
        select(func.coalesce(func.sum(Refund.amount_minor), 0))
        .where(Refund.invoice_id == invoice_id, Refund.status.in_(("succeeded", "pending")))
        .scalar_subquery()
    )
    await session.execute(
        update(Invoice).where(Invoice.id == invoice_id).values(amount_refunded_minor=total)
    )
