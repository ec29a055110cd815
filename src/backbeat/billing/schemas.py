"""Billing's API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

PlanCode = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$")]
Interval = Literal["month", "year"]
EntitlementValue = bool | int | None
"""An entitlement: a boolean, a limit, or null for an unlimited limit."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PriceOut(BaseModel):
    interval: Interval
    amount_minor: int
    asset: str
    lookup_key: str


class PlanOut(BaseModel):
    code: str
    name: str
    description: str
    trial_days: int
    entitlements: dict[str, EntitlementValue]
    prices: list[PriceOut]


class PlanList(BaseModel):
    items: list[PlanOut]


class CheckoutIn(Strict):
    plan: PlanCode
    interval: Interval = "month"


class CheckoutOut(BaseModel):
    url: str


class ChangeIn(Strict):
    plan: PlanCode


class SubscriptionOut(BaseModel):
    """The caller's subscription; the free plan (no id, status active, no provider) when none."""

    id: uuid.UUID | None
    plan: str
    status: str
    provider: str | None
    interval: str | None
    current_period_start: datetime | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    trial_end: datetime | None
    canceled_at: datetime | None


class PriceIn(Strict):
    interval: Interval
    amount_minor: int = Field(ge=0, le=10**12)
    asset: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3,5}$")] = "USD"
    stripe_price_id: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None


class PlanIn(Strict):
    """PUT /v1/admin/plans/{code}: the whole plan (entitlements not named take the defaults)."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    trial_days: int = Field(default=0, ge=0, le=730)
    is_public: bool = True
    sort_order: int = Field(default=0, ge=-1000, le=1000)
    entitlements: dict[str, EntitlementValue] = Field(default_factory=dict)
    prices: list[PriceIn] = Field(default_factory=list, max_length=20)


class GrantIn(Strict):
    user_id: uuid.UUID
    plan: PlanCode
    days: int | None = Field(default=None, ge=1, le=36500, description="Absent: until revoked.")


class EntitlementsOut(BaseModel):
    plan: str
    entitlements: dict[str, EntitlementValue]


class InvoiceOut(BaseModel):
    id: uuid.UUID
    number: str | None
    status: str
    asset: str
    subtotal_minor: int
    tax_minor: int
    total_minor: int
    amount_paid_minor: int
    amount_due_minor: int
    amount_refunded_minor: int
    proration_minor: int
    period_start: datetime | None
    period_end: datetime | None
    hosted_invoice_url: str | None
    created_at: datetime


class InvoiceList(BaseModel):
    items: list[InvoiceOut]


class PaymentMethodOut(BaseModel):
    """A reference to a payment method the provider holds (never card data)."""

    id: uuid.UUID
    kind: str
    brand: str | None
    last4: str | None
    exp_month: int | None
    exp_year: int | None
    created_at: datetime


class PaymentMethodList(BaseModel):
    items: list[PaymentMethodOut]


class WebhookReceipt(BaseModel):
    id: str
    type: str
    duplicate: bool
    outcome: str
