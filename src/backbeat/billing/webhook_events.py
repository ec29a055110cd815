"""The catalogue of outbound webhook event types (docs/webhooks.md describes each payload)."""

from __future__ import annotations

EVENT_TYPES: dict[str, str] = {
    "revenue.allocated": "A revenue event on one of your tracks was allocated to its payees.",
    "payout.requested": "A payout of your balance was requested.",
    "payout.paid": "A requested payout was paid.",
    "payout.failed": "A requested payout failed; the amount is back in the balance.",
    "track.published": "A track became public (created public, or made public).",
    "subscription.updated": "A subscription changed plan or status.",
    "generation.completed": "A generation job finished.",
    "offering.sold_out": "An offering sold its last share.",
    "decision.finalized": "A governance decision was finalized.",
}
"""Every type an endpoint may subscribe to and `outbox.emit` may write."""
