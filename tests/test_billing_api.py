"""Billing over HTTP: plans, checkout through the (fake) Stripe API, webhooks driving the
subscription, cancel and change, invoices, payment methods, entitlements, admin grants."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing import Entitlements
from tests.billing_factories import PRO, make_plan
from tests.billing_support import (
    FakeStripe,
    billing_client,
    client_with,
    event,
    fake_stripe,
    next_id,
    signed_body,
    subscription_object,
)
from tests.conftest import settings_for_tests
from tests.identity.factories import bearer, sign_in, signup

__all__ = ["billing_client", "client_with", "fake_stripe"]
Client = httpx.AsyncClient


@pytest.fixture
async def plans(session: AsyncSession) -> None:
    await make_plan(session, "free", {"generation.daily_limit": 3}, monthly_minor=0)
    await make_plan(session, "pro", PRO, trial_days=14)
    await make_plan(session, "enterprise", {"storage.bytes": None}, monthly_minor=9900)
    await make_plan(session, "secret", {}, is_public=False)


async def user_of(client: Client) -> tuple[uuid.UUID, dict[str, str]]:
    created = await signup(client)
    return uuid.UUID(created["user"]["id"]), bearer(created["access_token"])


async def admin_of(client: Client, session: AsyncSession) -> dict[str, str]:
    created = await signup(client)
    await session.execute(
        text("update identity_users set roles = array['admin'] where id = :id"),
        {"id": created["user"]["id"]},
    )
    response = await sign_in(client, created["user"]["email"])
    return bearer(response.json()["access_token"])


async def deliver(client: Client, evt: dict[str, Any]) -> httpx.Response:
    body, headers = signed_body(evt)
    return await client.post("/v1/billing/webhooks/stripe", content=body, headers=headers)


async def subscribe(
    client: Client, fake: FakeStripe, user: uuid.UUID, lookup_key: str = "pro_month"
) -> tuple[str, str]:
    """Checkout completed and the subscription created, as Stripe would send them."""
    customer, sub_id = next_id("cus"), next_id("sub")
    now = int(time.time())
    checkout = {"id": next_id("cs"), "object": "checkout.session", "customer": customer}
    checkout |= {"client_reference_id": str(user), "subscription": sub_id}
    assert (
        await deliver(client, event("checkout.session.completed", checkout, created=now))
    ).status_code == 200
    obj = subscription_object(sub_id, customer, user, lookup_key)
    fake.subscriptions[sub_id] = obj
    response = await deliver(client, event("customer.subscription.created", obj, created=now))
    assert response.json()["outcome"] == "applied", response.text
    return customer, sub_id


@pytest.mark.usefixtures("plans")
class TestPlans:
    async def test_public_plans_with_prices_and_entitlements(self, billing_client: Any) -> None:
        async with billing_client() as client:
            response = await client.get("/v1/plans")
        assert response.status_code == 200
        items = {p["code"]: p for p in response.json()["items"]}
        assert set(items) == {"free", "pro", "enterprise"}
        assert items["pro"]["entitlements"]["generation.daily_limit"] == 100
        assert items["pro"]["trial_days"] == 14
        assert items["enterprise"]["entitlements"]["storage.bytes"] is None
        assert items["free"]["entitlements"]["live.subscriber_access"] is False
        assert {p["interval"] for p in items["pro"]["prices"]} == {"month", "year"}


@pytest.mark.usefixtures("plans")
class TestSubscriptionEndToEnd:
    async def test_free_when_none(self, billing_client: Any) -> None:
        async with billing_client() as client:
            _, headers = await user_of(client)
            response = await client.get("/v1/me/subscription", headers=headers)
        assert (response.json()["plan"], response.json()["id"]) == ("free", None)
        assert response.json()["cancel_at_period_end"] is False

    async def test_checkout_webhook_entitlement_cancel(
        self, billing_client: Any, fake_stripe: tuple[FakeStripe, str]
    ) -> None:
        fake = fake_stripe[0]
        async with billing_client() as client:
            user, headers = await user_of(client)
            response = await client.post(
                "/v1/billing/checkout", json={"plan": "pro", "interval": "month"}, headers=headers
            )
            assert response.status_code == 201, response.text
            assert response.json()["url"].startswith("https://checkout.stripe.test/")
            sent = fake.checkouts[-1]
            assert sent["client_reference_id"] == str(user)
            assert sent["line_items[0][price]"] == "price_pro_month"
            assert sent["subscription_data[metadata][backbeat_user_id]"] == str(user)
            assert sent["subscription_data[trial_period_days]"] == "14"

            _, sub_id = await subscribe(client, fake, user)
            mine = (await client.get("/v1/me/subscription", headers=headers)).json()
            assert (mine["plan"], mine["status"], mine["provider"]) == ("pro", "active", "stripe")
            granted = (await client.get("/v1/me/entitlements", headers=headers)).json()
            assert granted["plan"] == "pro"
            assert granted["entitlements"]["generation.daily_limit"] == 100

            canceled = await client.post("/v1/me/subscription/cancel", headers=headers)
            assert canceled.status_code == 200, canceled.text
            assert canceled.json()["cancel_at_period_end"] is True
            assert fake.updates[-1] == {"cancel_at_period_end": "true"}

            ended = subscription_object(sub_id, "x", user, status="canceled")
            await deliver(
                client, event("customer.subscription.deleted", ended, created=int(time.time()) + 5)
            )
            assert (await client.get("/v1/me/subscription", headers=headers)).json()[
                "plan"
            ] == "free"
            again = (await client.get("/v1/me/entitlements", headers=headers)).json()
            assert again["entitlements"]["generation.daily_limit"] == 3

    async def test_change_plan_through_stripe(
        self, billing_client: Any, fake_stripe: tuple[FakeStripe, str]
    ) -> None:
        fake = fake_stripe[0]
        async with billing_client() as client:
            user, headers = await user_of(client)
            await subscribe(client, fake, user)
            response = await client.post(
                "/v1/me/subscription/change", json={"plan": "enterprise"}, headers=headers
            )
            assert response.status_code == 200, response.text
            assert response.json()["plan"] == "enterprise"
            assert fake.updates[-1]["items[0][price]"] == "price_enterprise_month"
            assert fake.updates[-1]["proration_behavior"] == "create_prorations"

    async def test_checkout_refusals(self, billing_client: Any) -> None:
        async with billing_client() as client:
            _, headers = await user_of(client)
            free = await client.post("/v1/billing/checkout", json={"plan": "free"}, headers=headers)
            missing = await client.post(
                "/v1/billing/checkout", json={"plan": "gold"}, headers=headers
            )
        assert free.status_code == 409
        assert missing.status_code == 404

    async def test_no_provider_configured(self, billing_client: Any) -> None:
        async with billing_client(stripe_api_key=None) as client:
            _, headers = await user_of(client)
            response = await client.post(
                "/v1/billing/checkout", json={"plan": "pro"}, headers=headers
            )
        assert response.status_code == 409
        assert response.json()["code"] == "billing_unavailable"

    async def test_cancel_without_subscription_is_404(self, billing_client: Any) -> None:
        async with billing_client() as client:
            _, headers = await user_of(client)
            response = await client.post("/v1/me/subscription/cancel", headers=headers)
        assert response.status_code == 404


@pytest.mark.usefixtures("plans")
class TestInvoicesAndPaymentMethods:
    async def test_an_invoice_with_tax_and_proration_then_a_refund(
        self, billing_client: Any, fake_stripe: tuple[FakeStripe, str]
    ) -> None:
        async with billing_client() as client:
            user, headers = await user_of(client)
            customer, sub_id = await subscribe(client, fake_stripe[0], user)
            invoice = {
                "id": "in_1",
                "object": "invoice",
                "customer": customer,
                "number": "BB-0001",
                "currency": "usd",
                "subtotal": 1000,
                "total": 1200,
                "amount_paid": 1200,
                "amount_due": 1200,
                "status": "paid",
                "total_taxes": [{"amount": 200}],
                "period_start": 1_780_000_000,
                "period_end": 1_782_592_000,
                "hosted_invoice_url": "https://invoice.stripe.test/in_1",
                "parent": {"subscription_details": {"subscription": sub_id}},
                "lines": {
                    "data": [
                        {
                            "amount": -300,
                            "parent": {"subscription_item_details": {"proration": True}},
                        },
                        {
                            "amount": 1300,
                            "parent": {"subscription_item_details": {"proration": False}},
                        },
                    ]
                },
                "charge": "ch_1",
            }
            await deliver(client, event("invoice.paid", invoice, created=int(time.time())))
            charge = {
                "id": "ch_1",
                "object": "charge",
                "customer": customer,
                "currency": "usd",
                "refunds": {
                    "data": [
                        {"id": "re_1", "amount": 500, "currency": "usd", "status": "succeeded"}
                    ]
                },
            }
            await deliver(client, event("charge.refunded", charge, created=int(time.time())))
            items = (await client.get("/v1/me/invoices", headers=headers)).json()["items"]
        assert len(items) == 1
        found = items[0]
        assert (found["number"], found["asset"], found["tax_minor"], found["total_minor"]) == (
            "BB-0001",
            "USD",
            200,
            1200,
        )
        assert found["proration_minor"] == -300
        assert found["amount_refunded_minor"] == 500
        assert found["hosted_invoice_url"] == "https://invoice.stripe.test/in_1"

    async def test_payment_methods_are_references_and_detach(
        self, billing_client: Any, fake_stripe: tuple[FakeStripe, str]
    ) -> None:
        async with billing_client() as client:
            user, headers = await user_of(client)
            customer, _ = await subscribe(client, fake_stripe[0], user)
            method = {
                "id": "pm_1",
                "object": "payment_method",
                "customer": customer,
                "type": "card",
                "card": {
                    "brand": "visa",
                    "last4": "4242",
                    "exp_month": 12,
                    "exp_year": 2030,
                    "fingerprint": "secretish",
                },
            }
            now = int(time.time())
            await deliver(client, event("payment_method.attached", method, created=now))
            listed = (await client.get("/v1/me/payment-methods", headers=headers)).json()["items"]
            detached = method | {"customer": None}
            await deliver(client, event("payment_method.detached", detached, created=now + 1))
            after = (await client.get("/v1/me/payment-methods", headers=headers)).json()["items"]
        assert [(m["brand"], m["last4"], m["exp_year"]) for m in listed] == [("visa", "4242", 2030)]
        assert "fingerprint" not in listed[0]
        assert after == []


@pytest.mark.usefixtures("plans")
class TestAdminGrants:
    async def test_an_admin_grants_and_entitlements_follow(
        self, billing_client: Any, session: AsyncSession
    ) -> None:
        async with billing_client() as client:
            user, headers = await user_of(client)
            admin = await admin_of(client, session)
            body = {"user_id": str(user), "plan": "enterprise", "days": 30}
            refused = await client.post("/v1/admin/subscriptions", json=body, headers=headers)
            granted = await client.post("/v1/admin/subscriptions", json=body, headers=admin)
            mine = (await client.get("/v1/me/entitlements", headers=headers)).json()
            canceled = await client.post("/v1/me/subscription/cancel", headers=headers)
            revoke = f"/v1/admin/subscriptions/{granted.json()['id']}/revoke"
            not_theirs = await client.post(revoke, headers=headers)
            revoked = await client.post(revoke, headers=admin)
            after = (await client.get("/v1/me/entitlements", headers=headers)).json()
        assert (not_theirs.status_code, revoked.status_code) == (403, 200)
        assert revoked.json()["status"] == "canceled" and after["plan"] == "free"
        assert refused.status_code == 403
        assert granted.status_code == 201, granted.text
        assert (granted.json()["plan"], granted.json()["provider"]) == ("enterprise", "manual")
        assert mine["plan"] == "enterprise" and mine["entitlements"]["storage.bytes"] is None
        assert canceled.json()["cancel_at_period_end"] is True

    async def test_unknown_user_or_plan_is_404(
        self, billing_client: Any, session: AsyncSession
    ) -> None:
        async with billing_client() as client:
            admin = await admin_of(client, session)
            nobody = {"user_id": str(uuid.uuid4()), "plan": "pro"}
            no_plan = {"user_id": str(uuid.uuid4()), "plan": "gold"}
            first = await client.post("/v1/admin/subscriptions", json=nobody, headers=admin)
            second = await client.post("/v1/admin/subscriptions", json=no_plan, headers=admin)
        assert (first.status_code, second.status_code) == (404, 404)


class TestWebhookEdge:
    async def test_unknown_types_are_stored_and_acknowledged(
        self, billing_client: Any, session: AsyncSession
    ) -> None:
        evt = event(
            "radar.early_fraud_warning.created", {"id": "issfr_1"}, created=int(time.time())
        )
        async with billing_client() as client:
            response = await deliver(client, evt)
        assert response.status_code == 200
        assert response.json()["outcome"] == "ignored"
        stored = await session.scalar(
            text("select type from billing_provider_events where id = :id"), {"id": evt["id"]}
        )
        assert stored == "radar.early_fraud_warning.created"

    async def test_without_a_secret_webhooks_are_refused(self, billing_client: Any) -> None:
        evt = event("ping", {}, created=int(time.time()))
        async with billing_client(stripe_webhook_secret=None) as client:
            response = await deliver(client, evt)
        assert response.status_code == 409

    async def test_a_missing_signature_is_400(self, billing_client: Any) -> None:
        async with billing_client() as client:
            response = await client.post("/v1/billing/webhooks/stripe", content=b"{}")
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_signature"


class TestAdminPlans:
    async def test_an_admin_defines_a_plan_and_it_is_listed(
        self, billing_client: Any, session: AsyncSession
    ) -> None:
        body = {
            "name": "Label",
            "trial_days": 7,
            "entitlements": {"studio.collaborators": 50, "live.subscriber_access": True},
            "prices": [{"interval": "year", "amount_minor": 99000, "asset": "EUR"}],
        }
        async with billing_client() as client:
            _, headers = await user_of(client)
            admin = await admin_of(client, session)
            refused = await client.put("/v1/admin/plans/label", json=body, headers=headers)
            created = await client.put("/v1/admin/plans/label", json=body, headers=admin)
            changed = await client.put(
                "/v1/admin/plans/label", json=body | {"name": "Label+"}, headers=admin
            )
            listed = (await client.get("/v1/plans")).json()["items"]
        assert refused.status_code == 403
        assert created.status_code == 200, created.text
        plan = created.json()
        assert plan["entitlements"]["studio.collaborators"] == 50
        assert plan["entitlements"]["generation.daily_limit"] == 5  # the default
        assert plan["prices"] == [
            {"interval": "year", "amount_minor": 99000, "asset": "EUR", "lookup_key": "label_year"}
        ]
        assert changed.json()["name"] == "Label+"
        assert [p["name"] for p in listed if p["code"] == "label"] == ["Label+"]

    @pytest.mark.parametrize(
        "entitlements",
        [{"storage.bytes": -1}, {"live.subscriber_access": 1}, {"made.up": True}],
    )
    async def test_wrong_entitlements_are_422(
        self, billing_client: Any, session: AsyncSession, entitlements: dict[str, Any]
    ) -> None:
        async with billing_client() as client:
            admin = await admin_of(client, session)
            response = await client.put(
                "/v1/admin/plans/odd",
                json={"name": "Odd", "entitlements": entitlements},
                headers=admin,
            )
        assert response.status_code == 422


async def test_without_any_plan_the_defaults_are_shown(billing_client: Any) -> None:
    async with billing_client() as client:
        _, headers = await user_of(client)
        shown = (await client.get("/v1/me/entitlements", headers=headers)).json()
    quota = settings_for_tests().media_quota_bytes
    assert shown == {"plan": "free", "entitlements": Entitlements().as_mapping(quota)}
    assert shown["entitlements"]["storage.bytes"] == quota  # the deployment's, not unlimited
