"""Billing: plans, subscriptions, invoices, entitlements every domain checks, outbound webhooks.

`entitlements(session, user_id)` is the call other domains make (see billing/entitlements.py).
"""

from backbeat.billing.entitlements import Entitlements, entitlements

__all__ = ["Entitlements", "entitlements"]
