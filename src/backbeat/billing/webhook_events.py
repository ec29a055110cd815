"""The catalogue of outbound webhook event types (docs/webhooks.md describes each payload)."""

from __future__ import annotations

from typing import Literal, get_args

EventType = Literal[
    "revenue.allocated",
    "payout.requested",
    "payout.paid",
    "payout.failed",
    "track.published",
    "subscription.updated",
    "generation.completed",
    "offering.sold_out",
    "decision.finalized",
]
"""Every type an endpoint may subscribe to and `outbox.emit` may write."""

EVENT_TYPES: frozenset[str] = frozenset(get_args(EventType))
