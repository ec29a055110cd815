"""Webhooks delivered at the same time, on a committed database: one delivery of an event
applies and the others are duplicates; concurrent events of one subscription end in the
newest one's state."""

from __future__ import annotations

import asyncio
import random
import uuid

import httpx
from sqlalchemy import text

from backbeat.app import create_app
from backbeat.db import Database, session_scope
from tests.billing_factories import PRO, make_plan
from tests.billing_support import WEBHOOK_SECRET, event, signed_body, subscription_object
from tests.conftest import settings_for_tests
from tests.identity.factories import signup

WEBHOOK = "/v1/billing/webhooks/stripe"
T0 = 1_795_000_000


async def test_concurrent_deliveries(committed_database: Database) -> None:
    async with session_scope(committed_database) as session:
        await make_plan(session, "pro", PRO)
        await make_plan(session, "enterprise", {})
    app = create_app(
        settings_for_tests(stripe_webhook_secret=WEBHOOK_SECRET), database=committed_database
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        user = uuid.UUID((await signup(client))["user"]["id"])
        same = signed_body(
            event(
                "customer.subscription.created",
                subscription_object("sub_c", "cus_c", user),
                created=T0,
            )
        )
        replies = await asyncio.gather(
            *(client.post(WEBHOOK, content=same[0], headers=same[1]) for _ in range(6))
        )
        assert [r.status_code for r in replies] == [200] * 6, [r.text for r in replies]
        assert sorted(r.json()["duplicate"] for r in replies) == [False] + [True] * 5

        statuses = ["active", "past_due", "active", "unpaid", "canceled"]
        keys = ["pro_month", "enterprise_month"] * 3
        later = [
            signed_body(
                event(
                    "customer.subscription.updated",
                    subscription_object("sub_c", "cus_c", user, keys[i], status),
                    created=T0 + 1 + i,
                )
            )
            for i, status in enumerate(statuses)
        ]
        random.Random(7).shuffle(later)
        replies = await asyncio.gather(
            *(client.post(WEBHOOK, content=body, headers=headers) for body, headers in later)
        )
        assert [r.status_code for r in replies] == [200] * len(later)
    async with session_scope(committed_database) as session:
        row = (
            await session.execute(
                text(
                    "select s.status, p.code from billing_subscriptions s "
                    "join billing_plans p on p.id = s.plan_id where s.external_id = 'sub_c'"
                )
            )
        ).one()
    assert tuple(row) == ("canceled", "pro")
