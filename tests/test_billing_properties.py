"""The webhook's properties: a signed event is accepted once and a replay is a no-op; a bad or
stale signature is refused and changes nothing; any order of a subscription's events ends in
the state their newest one describes."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing import entitlements
from backbeat.billing.service import receive_stripe_event
from tests.billing_factories import PRO, make_plan
from tests.billing_support import (
    billing_client,
    client_with,
    event,
    fake_stripe,
    signature,
    signed_body,
    subscription_object,
)
from tests.rls import make_user

__all__ = ["billing_client", "client_with", "fake_stripe"]
WEBHOOK = "/v1/billing/webhooks/stripe"
T0 = 1_790_000_000


async def state(session: AsyncSession) -> list[tuple[Any, ...]]:
    """Everything the webhook may have written."""
    rows = await session.execute(
        text(
            "select 'sub', external_id, status, cancel_at_period_end::text, plan_id::text "
            "from billing_subscriptions union all "
            "select 'event', id, outcome, type, '' from billing_provider_events union all "
            "select 'customer', external_id, user_id::text, '', '' from billing_customers "
            "order by 1, 2"
        )
    )
    return [tuple(row) for row in rows]


@pytest.fixture
async def user(session: AsyncSession) -> uuid.UUID:
    await make_plan(session, "pro", PRO)
    await make_plan(session, "enterprise", {})
    return await make_user(session, "prop_user")


class TestSignatures:
    async def test_accepted_once_then_a_replay_is_a_no_op(
        self, billing_client: Any, session: AsyncSession, user: uuid.UUID
    ) -> None:
        obj = subscription_object("sub_once", "cus_once", user)
        body, headers = signed_body(event("customer.subscription.created", obj, created=T0))
        async with billing_client() as client:
            first = await client.post(WEBHOOK, content=body, headers=headers)
            after_first = await state(session)
            second = await client.post(WEBHOOK, content=body, headers=headers)
        assert first.status_code == 200 and first.json()["duplicate"] is False
        assert first.json()["outcome"] == "applied"
        assert second.status_code == 200 and second.json()["duplicate"] is True
        assert await state(session) == after_first
        assert (await entitlements(session, user)).plan == "pro"

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        tamper=st.sampled_from(["secret", "body", "stale", "garbage", "none"]),
        skew=st.integers(min_value=301, max_value=10**6),
    )
    async def test_a_bad_or_stale_signature_is_refused_and_changes_nothing(
        self,
        billing_client: Any,
        session: AsyncSession,
        user: uuid.UUID,
        tamper: str,
        skew: int,
    ) -> None:
        obj = subscription_object(f"sub_{uuid.uuid4().hex[:8]}", "cus_bad", user)
        payload = json.dumps(event("customer.subscription.created", obj, created=T0)).encode()
        now = int(time.time())
        header = {
            "secret": signature(payload, secret="whsec_someone_else"),
            "body": signature(payload.replace(b"active", b"paused")),
            "stale": signature(payload, at=now - skew),
            "none": f"t={now}",
            "garbage": "t=1,v1=deadbeef",
        }[tamper]
        before = await state(session)
        async with billing_client() as client:
            response = await client.post(
                WEBHOOK,
                content=payload,
                headers={"Stripe-Signature": header, "Content-Type": "application/json"},
            )
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_signature"
        assert await state(session) == before


def lifecycle(user: uuid.UUID, sub: str) -> list[dict[str, Any]]:
    """One subscription's life, one event per second: trial, active, upgraded, canceling,
    past due, ended; with the checkout that links its customer."""
    customer = f"cus_{sub}"
    shapes: list[tuple[str, dict[str, Any]]] = [
        ("customer.subscription.created", {"status": "trialing"}),
        ("customer.subscription.updated", {"status": "active"}),
        ("customer.subscription.updated", {"status": "active", "lookup_key": "enterprise_month"}),
        ("customer.subscription.updated", {"status": "active", "cancel_at_period_end": True}),
        ("customer.subscription.updated", {"status": "past_due", "cancel_at_period_end": True}),
        ("customer.subscription.deleted", {"status": "canceled", "cancel_at_period_end": True}),
    ]
    events = []
    for i, (kind, change) in enumerate(shapes):
        key = change.pop("lookup_key", "pro_month" if i < 2 else "enterprise_month")
        obj = subscription_object(sub, customer, user, key, **change)
        events.append(event(kind, obj, created=T0 + i, event_id=f"evt_{sub}_{i}"))
    checkout = {"id": f"cs_{sub}", "customer": customer, "client_reference_id": str(user)}
    events.append(
        event("checkout.session.completed", checkout, created=T0, event_id=f"evt_{sub}_c")
    )
    return events


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
async def test_any_order_ends_in_the_same_state(
    session: AsyncSession, user: uuid.UUID, data: st.DataObject
) -> None:
    savepoint = await session.begin_nested()
    try:
        events = lifecycle(user, "sub_shuffled")
        cut = data.draw(st.integers(min_value=1, max_value=len(events)), label="how many")
        chosen = data.draw(st.permutations(events), label="order")[:cut]
        for evt in chosen:
            await receive_stripe_event(session, evt)
        shuffled = await state(session)
        await savepoint.rollback()
        savepoint = await session.begin_nested()
        for evt in sorted(chosen, key=lambda e: (e["created"], e["id"])):
            await receive_stripe_event(session, evt)
        in_order = await state(session)
        assert [r for r in shuffled if r[0] != "event"] == [r for r in in_order if r[0] != "event"]
        assert sorted(r[1] for r in shuffled if r[0] == "event") == sorted(e["id"] for e in chosen)
        newest = max(
            (e for e in chosen if e["type"].startswith("customer.subscription.")),
            key=lambda e: (e["created"], e["id"]),
            default=None,
        )
        statuses = [r[2] for r in shuffled if r[0] == "sub"]
        assert statuses == ([newest["data"]["object"]["status"]] if newest else [])
    finally:
        await savepoint.rollback()
