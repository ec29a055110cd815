"""The Stripe provider: Stripe's own API client (`stripe.StripeClient`), configured with
BACKBEAT_STRIPE_API_KEY (and BACKBEAT_STRIPE_API_BASE for stripe-mock or a test fake)."""

from __future__ import annotations

from typing import Any

import stripe

from backbeat.billing.errors import PlanNotFound, ProviderFailed
from backbeat.billing.providers import CheckoutRequest
from backbeat.billing.stripe_objects import SubscriptionState, subscription_state
from backbeat.config import Settings


def stripe_client(settings: Settings) -> stripe.StripeClient | None:
    """A Stripe client for these settings (None: no API key configured)."""
    if settings.stripe_api_key is None:
        return None
    return stripe.StripeClient(
        settings.stripe_api_key.get_secret_value(),
        base_addresses={"api": settings.stripe_api_base} if settings.stripe_api_base else {},
        http_client=stripe.HTTPXClient(timeout=20),
        max_network_retries=2,
    )


def _plain(obj: Any) -> dict[str, Any]:
    """A Stripe object's fields (StripeObject is a dict of dicts already)."""
    return dict(obj)


class StripeProvider:
    """Checkout Sessions and subscription updates through Stripe's API."""

    name = "stripe"

    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client

    async def start_checkout(self, request: CheckoutRequest) -> str:
        """A subscription-mode Checkout Session; the user's id travels as client_reference_id
        and in the subscription's metadata (so its events find the user in any order)."""
        price = request.provider_price_id or await self._price_id(request.lookup_key)
        metadata = {"backbeat_user_id": str(request.user_id)}
        subscription_data: dict[str, Any] = {"metadata": metadata}
        if request.trial_days > 0:
            subscription_data["trial_period_days"] = request.trial_days
        params: dict[str, Any] = {
            "mode": "subscription",
            "line_items": [{"price": price, "quantity": 1}],
            "client_reference_id": str(request.user_id),
            "metadata": metadata,
            "subscription_data": subscription_data,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
        }
        if request.customer_id:
            params["customer"] = request.customer_id
        session = await self._call(self.client.v1.checkout.sessions.create_async(params))  # type: ignore[arg-type]
        if not session.url:
            raise ProviderFailed("Stripe returned a Checkout Session without a URL.")
        return str(session.url)

    async def cancel_at_period_end(self, subscription_id: str) -> SubscriptionState:
        updated = await self._call(
            self.client.v1.subscriptions.update_async(
                subscription_id, {"cancel_at_period_end": True}
            )
        )
        return subscription_state(_plain(updated))

    async def change_price(
        self, subscription_id: str, lookup_key: str, provider_price_id: str | None
    ) -> SubscriptionState:
        """Swap the subscription's one item to the new price; Stripe prorates (the proration
        lines arrive on the next invoice, which the webhooks mirror)."""
        price = provider_price_id or await self._price_id(lookup_key)
        current = await self._call(self.client.v1.subscriptions.retrieve_async(subscription_id))
        items = _plain(current).get("items", {}).get("data") or []
        if not items:
            raise ProviderFailed(f"Stripe subscription {subscription_id} has no item.")
        params: dict[str, Any] = {
            "items": [{"id": items[0]["id"], "price": price}],
            "proration_behavior": "create_prorations",
            "cancel_at_period_end": False,
        }
        updated = await self._call(
            self.client.v1.subscriptions.update_async(subscription_id, params)  # type: ignore[arg-type]
        )
        return subscription_state(_plain(updated))

    async def _price_id(self, lookup_key: str) -> str:
        found = await self._call(
            self.client.v1.prices.list_async({"lookup_keys": [lookup_key], "limit": 1})
        )
        if not found.data:
            raise PlanNotFound(f"Stripe has no price with lookup key {lookup_key!r}.")
        return str(found.data[0].id)

    async def _call(self, pending: Any) -> Any:
        try:
            return await pending
        except stripe.StripeError as exc:
            raise ProviderFailed(f"Stripe refused the request: {exc.user_message or exc}") from exc
