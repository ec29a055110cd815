"""What billing tests share: a local fake of Stripe's HTTP API, Stripe objects and events,
signatures made with Stripe's own library, and an app configured to use them."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import stripe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.identity.conftest import client_with
from tests.identity.factories import ClientFactory
from tests.servers import serving

WEBHOOK_SECRET = "whsec_test_backbeat"
API_KEY = "sk_test_backbeat"
__all__ = ["client_with"]
_ids = itertools.count(1)
PERIOD_START = 1_780_000_000
PERIOD_END = PERIOD_START + 30 * 86400


def next_id(prefix: str) -> str:
    return f"{prefix}_{next(_ids):08d}"


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"type": "invalid_request_error", "message": message}}, status_code=status
    )


@dataclass
class FakeStripe:
    """The few Stripe API routes billing calls, keeping what it was asked."""

    checkouts: list[dict[str, str]] = field(default_factory=list)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    updates: list[dict[str, str]] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/checkout/sessions", self.create_checkout, methods=["POST"]),
                Route("/v1/prices", self.list_prices, methods=["GET"]),
                Route("/v1/subscriptions/{id}", self.get_subscription, methods=["GET"]),
                Route("/v1/subscriptions/{id}", self.update_subscription, methods=["POST"]),
            ]
        )

    async def create_checkout(self, request: Request) -> JSONResponse:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.checkouts.append(form)
        session_id = next_id("cs_test")
        return JSONResponse(
            {
                "id": session_id,
                "object": "checkout.session",
                "mode": form.get("mode"),
                "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            }
        )

    async def list_prices(self, request: Request) -> JSONResponse:
        keys = [v for k, v in request.query_params.multi_items() if k.startswith("lookup_keys")]
        data = [{"id": f"price_{key}", "object": "price", "lookup_key": key} for key in keys]
        return JSONResponse(
            {"object": "list", "data": data, "has_more": False, "url": "/v1/prices"}
        )

    async def get_subscription(self, request: Request) -> JSONResponse:
        found = self.subscriptions.get(request.path_params["id"])
        return JSONResponse(found) if found else _error(404, "No such subscription")

    async def update_subscription(self, request: Request) -> JSONResponse:
        found = self.subscriptions.get(request.path_params["id"])
        if found is None:
            return _error(404, "No such subscription")
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.updates.append(form)
        if "cancel_at_period_end" in form:
            found["cancel_at_period_end"] = form["cancel_at_period_end"] == "true"
        if "items[0][price]" in form:
            price = form["items[0][price]"]
            found["items"]["data"][0]["price"] = price_object(price.removeprefix("price_"))
        return JSONResponse(found)


@pytest.fixture(scope="module")
def fake_stripe() -> Iterator[tuple[FakeStripe, str]]:
    """The fake, served on localhost: (fake, its base URL)."""
    fake = FakeStripe()
    with serving(fake.app()) as address:
        yield fake, f"http://{address}"


@pytest.fixture
def billing_client(
    client_with: ClientFactory, fake_stripe: tuple[FakeStripe, str]
) -> ClientFactory:
    """`async with billing_client(**settings) as client`: an app whose Stripe is the fake."""

    def make(**overrides: object) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        stripe_settings: dict[str, object] = {
            "stripe_api_key": API_KEY,
            "stripe_webhook_secret": WEBHOOK_SECRET,
            "stripe_api_base": fake_stripe[1],
        }
        return client_with(**(stripe_settings | overrides))

    return make


def price_object(lookup_key: str, interval: str = "month") -> dict[str, Any]:
    return {
        "id": f"price_{lookup_key}",
        "object": "price",
        "lookup_key": lookup_key,
        "recurring": {"interval": interval},
    }


def subscription_object(
    sub_id: str,
    customer: str,
    user: object,
    lookup_key: str = "pro_month",
    status: str = "active",
    **overrides: Any,
) -> dict[str, Any]:
    """A Stripe subscription in the current API shape (period on the item)."""
    return {
        "id": sub_id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "cancel_at_period_end": False,
        "metadata": {"backbeat_user_id": str(user)},
        "items": {
            "object": "list",
            "data": [
                {
                    "id": f"si_{sub_id}",
                    "object": "subscription_item",
                    "price": price_object(lookup_key),
                    "current_period_start": PERIOD_START,
                    "current_period_end": PERIOD_END,
                }
            ],
        },
        "trial_end": None,
        "canceled_at": None,
        "ended_at": None,
        **overrides,
    }


def event(
    kind: str, obj: dict[str, Any], *, created: int, event_id: str | None = None
) -> dict[str, Any]:
    """A Stripe event around an object."""
    return {
        "id": event_id or next_id("evt"),
        "object": "event",
        "type": kind,
        "created": created,
        "livemode": False,
        "api_version": "2026-02-25.clover",
        "data": {"object": obj},
    }


def signature(payload: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """A Stripe-Signature header, computed by Stripe's library."""
    timestamp = int(time.time()) if at is None else at
    signed = stripe.WebhookSignature._compute_signature(  # type: ignore[no-untyped-call]
        f"{timestamp}.{payload.decode()}", secret
    )
    return f"t={timestamp},v1={signed}"


def signed_body(evt: dict[str, Any], **kwargs: Any) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers of a signed webhook delivery."""
    payload = json.dumps(evt).encode()
    return payload, {
        "Stripe-Signature": signature(payload, **kwargs),
        "Content-Type": "application/json",
    }
