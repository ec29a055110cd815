"""The payment provider interface: what billing asks of Stripe (or another provider).

State never comes back through these calls alone: a provider's webhooks are the truth, and
what a call returns is shown at once but does not advance the subscription's version (so the
webhook that follows, or a newer one, always decides).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from backbeat.billing.stripe_objects import SubscriptionState


@dataclass(frozen=True)
class CheckoutRequest:
    """A hosted checkout for one price of one plan, for one user."""

    user_id: uuid.UUID
    customer_id: str | None
    lookup_key: str
    provider_price_id: str | None
    trial_days: int
    success_url: str
    cancel_url: str


class PaymentProvider(Protocol):
    """A provider that takes payments and keeps subscriptions (Stripe)."""

    name: str

    async def start_checkout(self, request: CheckoutRequest) -> str:
        """The hosted checkout page's URL."""
        ...

    async def cancel_at_period_end(self, subscription_id: str) -> SubscriptionState:
        """Stop renewing: the subscription runs to its period's end."""
        ...

    async def change_price(
        self, subscription_id: str, lookup_key: str, provider_price_id: str | None
    ) -> SubscriptionState:
        """Move the subscription to another price, prorated by the provider."""
        ...
