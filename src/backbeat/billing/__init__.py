"""Billing: plans, subscriptions, invoices, entitlements every domain checks, outbound webhooks."""
