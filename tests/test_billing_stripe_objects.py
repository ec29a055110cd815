"""Stripe objects read in both API shapes (before and since 2025-03-31), pure."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from backbeat.billing.stripe_objects import (
    MalformedObject,
    Version,
    charge_refunds,
    checkout_completed,
    invoice_state,
    payment_method_ref,
    subscription_state,
)

USER = uuid.uuid4()


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class TestSubscription:
    def test_the_current_shape_has_the_period_on_the_item(self) -> None:
        obj = {
            "id": "sub_1",
            "status": "active",
            "customer": {"id": "cus_1", "object": "customer"},
            "metadata": {"backbeat_user_id": str(USER)},
            "cancel_at_period_end": True,
            "items": {
                "data": [
                    {
                        "price": {
                            "id": "price_1",
                            "lookup_key": "pro_year",
                            "recurring": {"interval": "year"},
                        },
                        "current_period_start": 100,
                        "current_period_end": 200,
                    }
                ]
            },
        }
        state = subscription_state(obj)
        assert (state.customer_id, state.user_hint, state.lookup_key) == ("cus_1", USER, "pro_year")
        assert (state.current_period_start, state.current_period_end) == (at(100), at(200))
        assert state.interval == "year" and state.cancel_at_period_end

    def test_the_old_shape_has_it_on_the_subscription(self) -> None:
        obj = {
            "id": "sub_1",
            "status": "past_due",
            "customer": "cus_1",
            "current_period_start": 10,
            "current_period_end": 20,
            "plan": {"id": "price_9", "lookup_key": None, "interval": "month"},
            "metadata": {"backbeat_user_id": "not-a-uuid"},
        }
        state = subscription_state(obj)
        assert (state.current_period_end, state.interval, state.price_id) == (
            at(20),
            "month",
            "price_9",
        )
        assert state.user_hint is None

    @pytest.mark.parametrize(
        "obj",
        [
            {"status": "active"},
            {"id": "sub_1"},
            {"id": "s", "status": "active", "trial_end": "soon"},
        ],
    )
    def test_missing_or_wrong_fields_are_malformed(self, obj: dict[str, object]) -> None:
        with pytest.raises(MalformedObject):
            subscription_state(obj)


class TestInvoice:
    def test_old_shape_tax_charge_subscription_and_proration(self) -> None:
        obj = {
            "id": "in_1",
            "currency": "eur",
            "status": "open",
            "tax": 19,
            "subtotal": 100,
            "total": 119,
            "subscription": "sub_1",
            "charge": "ch_1",
            "lines": {"data": [{"amount": -50, "proration": True}, {"amount": 150}]},
        }
        state = invoice_state(obj)
        assert (state.asset, state.tax_minor, state.subscription_id, state.charge_id) == (
            "EUR",
            19,
            "sub_1",
            "ch_1",
        )
        assert state.proration_minor == -50

    def test_new_shape_sums_total_taxes(self) -> None:
        obj = {
            "id": "in_2",
            "currency": "usd",
            "status": "paid",
            "total_taxes": [{"amount": 5}, {"amount": 7}],
            "parent": {
                "subscription_details": {
                    "subscription": "sub_2",
                    "metadata": {"backbeat_user_id": str(USER)},
                }
            },
        }
        state = invoice_state(obj)
        assert (state.tax_minor, state.subscription_id, state.user_hint) == (12, "sub_2", USER)


def test_a_payment_method_keeps_only_the_reference() -> None:
    ref = payment_method_ref(
        {
            "id": "pm_1",
            "type": "card",
            "customer": "cus_1",
            "card": {
                "brand": "amex",
                "last4": "0005",
                "exp_month": 1,
                "exp_year": 2031,
                "fingerprint": "x",
                "funding": "credit",
            },
        }
    )
    assert (ref.brand, ref.last4, ref.exp_month, ref.exp_year) == ("amex", "0005", 1, 2031)
    assert not hasattr(ref, "fingerprint")


def test_a_refunded_charge_gives_each_refund() -> None:
    refunds = charge_refunds(
        {
            "id": "ch_1",
            "currency": "usd",
            "invoice": "in_1",
            "customer": "cus_1",
            "refunds": {
                "data": [
                    {"id": "re_1", "amount": 10},
                    {"id": "re_2", "amount": 5, "status": "pending"},
                ]
            },
        }
    )
    assert [(r.external_id, r.amount_minor, r.status, r.asset) for r in refunds] == [
        ("re_1", 10, "succeeded", "USD"),
        ("re_2", 5, "pending", "USD"),
    ]


def test_a_checkout_names_its_user_and_customer() -> None:
    done = checkout_completed({"id": "cs_1", "client_reference_id": str(USER), "customer": "cus_1"})
    assert (done.user_hint, done.customer_id) == (USER, "cus_1")


def test_versions_order_by_created_then_event_id() -> None:
    assert Version(at(1), "evt_b") < Version(at(2), "evt_a")
    assert Version(at(1), "evt_a") < Version(at(1), "evt_b")
