"""Verifying a Stripe webhook: Stripe's own library, on the raw body bytes, 300 s tolerance."""

from __future__ import annotations

import json
from typing import Any

import stripe

from backbeat.billing.errors import BillingUnavailable, InvalidSignature
from backbeat.config import Settings

TOLERANCE_SECONDS = 300


def verified_event(settings: Settings, payload: bytes, signature: str | None) -> dict[str, Any]:
    """The event, as plain JSON values, if Stripe signed exactly these bytes recently."""
    if settings.stripe_webhook_secret is None:
        raise BillingUnavailable("No Stripe webhook secret is configured here.")
    if not signature:
        raise InvalidSignature("The Stripe-Signature header is missing.")
    secret = settings.stripe_webhook_secret.get_secret_value()
    try:
        stripe.Webhook.construct_event(  # type: ignore[no-untyped-call]
            payload, signature, secret, tolerance=TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError as exc:
        raise InvalidSignature("The Stripe signature does not verify (or is too old).") from exc
    except ValueError as exc:
        raise InvalidSignature("The webhook body is not a Stripe event.") from exc
    event = json.loads(payload)  # the verified bytes themselves
    if not isinstance(event, dict):
        raise InvalidSignature("The webhook body is not a Stripe event.")
    return event
