"""Billing use cases: plans, checkout, subscriptions and their changes, the provider inbox,
invoices, payment methods and refunds."""

from backbeat.billing.service.changes import (
    cancel_subscription,
    change_subscription,
    grant_plan,
    revoke_grant,
)
from backbeat.billing.service.checkout import start_checkout
from backbeat.billing.service.inbox import Receipt, receive_stripe_event
from backbeat.billing.service.invoices import my_invoices_json, my_payment_methods_json
from backbeat.billing.service.plans import (
    PriceSpec,
    define_plan,
    plan_by_code,
    plans_json,
    put_plan,
)
from backbeat.billing.service.subscriptions import (
    apply_subscription,
    current_subscription,
    my_subscription_json,
)

__all__ = [
    "PriceSpec",
    "Receipt",
    "apply_subscription",
    "cancel_subscription",
    "change_subscription",
    "current_subscription",
    "define_plan",
    "grant_plan",
    "my_invoices_json",
    "my_payment_methods_json",
    "my_subscription_json",
    "plan_by_code",
    "plans_json",
    "put_plan",
    "receive_stripe_event",
    "revoke_grant",
    "start_checkout",
]
