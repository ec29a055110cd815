"""Billing tables: plans and prices, provider customers, subscriptions, invoices, payment
method references, refunds and the provider's event inbox.

Row-level security and grants are in the migration (2026-12-03_billing.py): plans and prices
are public, every other row is its user's (admins see all); writes go through the owner role
(webhooks, admin grants) so a user can never grant themselves a plan in SQL.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backbeat.columns import now_column, one_of, user_ref
from backbeat.db import Base
from backbeat.identity.models import uuid7

INTERVALS = ("month", "year")
PROVIDERS = ("stripe", "manual")
SUBSCRIPTION_STATUSES = (
    "incomplete",
    "incomplete_expired",
    "trialing",
    "active",
    "past_due",
    "canceled",
    "unpaid",
    "paused",
)
ENTITLING_STATUSES = ("trialing", "active", "past_due")
"""The statuses that grant a plan's entitlements (past_due: Stripe is still retrying)."""
INVOICE_STATUSES = ("draft", "open", "paid", "uncollectible", "void")


class Versioned:
    """A mirror of a provider object: the version of the provider's state last applied (its
    event's `created`, then the event id); only a newer version writes it again."""

    source_created: Mapped[datetime] = now_column()
    source_event_id: Mapped[str] = mapped_column(Text, server_default="")


class Plan(Base):
    """A plan users subscribe to, and the entitlements it grants (name → integer, boolean or
    null for unlimited)."""

    __tablename__ = "billing_plans"
    __table_args__ = (CheckConstraint("trial_days >= 0", name="trial_days"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, server_default="")
    is_public: Mapped[bool] = mapped_column(Boolean, server_default="true")
    trial_days: Mapped[int] = mapped_column(Integer, server_default="0")
    entitlements: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    sort_order: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = now_column()


class Price(Base):
    """What a plan costs per interval, in minor units of an asset; `lookup_key` is how a
    Stripe price names it."""

    __tablename__ = "billing_prices"
    __table_args__ = (
        UniqueConstraint("plan_id", "interval", "asset", name="uq_billing_prices_plan_interval"),
        CheckConstraint(one_of("interval", INTERVALS), name="interval"),
        CheckConstraint("amount_minor >= 0", name="amount_minor"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("billing_plans.id", ondelete="CASCADE"))
    interval: Mapped[str] = mapped_column(Text)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    asset: Mapped[str] = mapped_column(Text)
    lookup_key: Mapped[str] = mapped_column(Text, unique=True)
    stripe_price_id: Mapped[str | None] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = now_column()


class Customer(Base):
    """A user's customer record at a provider (linked by checkout.session.completed)."""

    __tablename__ = "billing_customers"
    __table_args__ = (
        UniqueConstraint("provider", "external_id", name="uq_billing_customers_external"),
    )

    user_id: Mapped[uuid.UUID] = user_ref(primary_key=True)
    provider: Mapped[str] = mapped_column(Text, primary_key=True)
    external_id: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = now_column()


class Subscription(Versioned, Base):
    """A user's subscription to a plan, mirrored from its provider (manual: granted here)."""

    __tablename__ = "billing_subscriptions"
    __table_args__ = (
        UniqueConstraint("provider", "external_id", name="uq_billing_subscriptions_external"),
        CheckConstraint(one_of("provider", PROVIDERS), name="provider"),
        CheckConstraint(one_of("status", SUBSCRIPTION_STATUSES), name="status"),
        CheckConstraint(f"interval is null or {one_of('interval', INTERVALS)}", name="interval"),
        Index("ix_billing_subscriptions_user", "user_id", text("created_at desc")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    user_id: Mapped[uuid.UUID] = user_ref()
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("billing_plans.id"))
    provider: Mapped[str] = mapped_column(Text)
    external_id: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    interval: Mapped[str | None] = mapped_column(Text)
    current_period_start: Mapped[datetime | None]
    current_period_end: Mapped[datetime | None]
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, server_default="false")
    trial_end: Mapped[datetime | None]
    canceled_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    granted_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()


class Invoice(Versioned, Base):
    """An invoice mirrored from the provider; `proration_minor` sums its proration lines."""

    __tablename__ = "billing_invoices"
    __table_args__ = (
        UniqueConstraint("provider", "external_id", name="uq_billing_invoices_external"),
        CheckConstraint(one_of("status", INVOICE_STATUSES), name="status"),
        Index("ix_billing_invoices_user", "user_id", text("created_at desc")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    user_id: Mapped[uuid.UUID] = user_ref()
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("billing_subscriptions.id", ondelete="SET NULL")
    )
    provider: Mapped[str] = mapped_column(Text)
    external_id: Mapped[str] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(Text)
    asset: Mapped[str] = mapped_column(Text)
    subtotal_minor: Mapped[int] = mapped_column(BigInteger)
    tax_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    total_minor: Mapped[int] = mapped_column(BigInteger)
    amount_paid_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    amount_due_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    amount_refunded_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    proration_minor: Mapped[int] = mapped_column(BigInteger, server_default="0")
    status: Mapped[str] = mapped_column(Text)
    period_start: Mapped[datetime | None]
    period_end: Mapped[datetime | None]
    hosted_invoice_url: Mapped[str | None] = mapped_column(Text)
    charge_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = now_column()


class PaymentMethod(Versioned, Base):
    """A reference to a payment method the provider holds: brand, last 4, expiry; never card
    data."""

    __tablename__ = "billing_payment_methods"
    __table_args__ = (
        UniqueConstraint("provider", "external_id", name="uq_billing_payment_methods_external"),
        Index("ix_billing_payment_methods_user", "user_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    user_id: Mapped[uuid.UUID] = user_ref()
    provider: Mapped[str] = mapped_column(Text)
    external_id: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    brand: Mapped[str | None] = mapped_column(Text)
    last4: Mapped[str | None] = mapped_column(Text)
    exp_month: Mapped[int | None] = mapped_column(Integer)
    exp_year: Mapped[int | None] = mapped_column(Integer)
    detached_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = now_column()


class Refund(Versioned, Base):
    """Money given back on a charge (and its invoice, when known)."""

    __tablename__ = "billing_refunds"
    __table_args__ = (
        UniqueConstraint("provider", "external_id", name="uq_billing_refunds_external"),
        CheckConstraint("amount_minor >= 0", name="amount_minor"),
        Index("ix_billing_refunds_user", "user_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    user_id: Mapped[uuid.UUID] = user_ref()
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("billing_invoices.id", ondelete="SET NULL")
    )
    provider: Mapped[str] = mapped_column(Text)
    external_id: Mapped[str] = mapped_column(Text)
    charge_id: Mapped[str | None] = mapped_column(Text)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    asset: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = now_column()


class ProviderEvent(Base):
    """The inbox: every verified provider event once, by its id, and what applying it did."""

    __tablename__ = "billing_provider_events"
    __table_args__ = (Index("ix_billing_provider_events_type", "type", "created"),)

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    provider: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime]
    livemode: Mapped[bool] = mapped_column(Boolean, server_default="false")
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    outcome: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = now_column()
