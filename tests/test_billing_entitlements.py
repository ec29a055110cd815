"""billing.entitlements: the plan of the newest entitling subscription, else free, else the
defaults; null is unlimited; cached per session until billing forgets it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing import Entitlements, entitlements
from backbeat.billing.demo import load_billing_demo
from backbeat.billing.entitlements import forget_entitlements, problems_of, within
from backbeat.identity.demo import load_demo_users
from tests.billing_factories import PRO, make_plan, make_subscription
from tests.rls import acting_as, make_user


class TestPlanChoice:
    async def test_no_plans_at_all_gives_the_defaults(self, session: AsyncSession) -> None:
        user = await make_user(session, "ent_nobody")
        assert await entitlements(session, user) == Entitlements()

    async def test_the_free_plan_without_a_subscription(self, session: AsyncSession) -> None:
        user = await make_user(session, "ent_free")
        await make_plan(session, "free", {"generation.daily_limit": 3})
        found = await entitlements(session, user)
        assert (found.plan, found.generation_daily_limit) == ("free", 3)
        assert found.granted == {"generation.daily_limit"}

    async def test_an_active_subscription_grants_its_plan(self, session: AsyncSession) -> None:
        user = await make_user(session, "ent_pro")
        await make_plan(session, "free", {"generation.daily_limit": 3})
        await make_subscription(session, user, await make_plan(session, "pro", PRO))
        found = await entitlements(session, user)
        assert found.plan == "pro"
        assert found.generation_daily_limit == 100
        assert found.studio_projects is None  # null: unlimited
        assert found.live_subscriber_access and found.recommendations_premium

    @pytest.mark.parametrize("status", ["canceled", "incomplete", "unpaid", "paused"])
    async def test_other_statuses_fall_back_to_free(
        self, session: AsyncSession, status: str
    ) -> None:
        user = await make_user(session, f"ent_{status}")
        await make_subscription(session, user, await make_plan(session, "pro", PRO), status)
        assert (await entitlements(session, user)).plan == "free"

    async def test_a_manual_grant_ends_with_its_period(self, session: AsyncSession) -> None:
        user = await make_user(session, "ent_expired")
        past = datetime.now(UTC) - timedelta(days=1)
        pro = await make_plan(session, "pro", PRO)
        await make_subscription(session, user, pro, period_end=past)
        assert (await entitlements(session, user)).plan == "free"

    async def test_the_user_reads_their_own_through_rls(self, session: AsyncSession) -> None:
        user = await make_user(session, "ent_rls")
        await make_subscription(session, user, await make_plan(session, "pro", PRO))
        async with acting_as(session, user) as own:
            assert (await entitlements(own, user)).plan == "pro"


class TestCache:
    async def test_cached_until_forgotten(self, session: AsyncSession) -> None:
        user = await make_user(session, "ent_cache")
        pro = await make_plan(session, "pro", PRO)
        assert (await entitlements(session, user)).plan == "free"
        await make_subscription(session, user, pro)
        assert (await entitlements(session, user)).plan == "free"
        forget_entitlements(session)
        assert (await entitlements(session, user)).plan == "pro"


class TestValues:
    @pytest.mark.parametrize(
        ("name", "value", "ok"),
        [
            ("storage.bytes", 10, True),
            ("storage.bytes", None, True),
            ("storage.bytes", -1, False),
            ("storage.bytes", True, False),
            ("storage.bytes", "10", False),
            ("live.subscriber_access", True, True),
            ("live.subscriber_access", 1, False),
            ("nope", 1, False),
        ],
    )
    def test_problems_of(self, name: str, value: object, ok: bool) -> None:
        assert (problems_of(name, value) == []) is ok

    def test_wrong_values_keep_the_default(self) -> None:
        found = Entitlements.of_plan("x", {"generation.daily_limit": "lots", "nope": 1})
        assert found.generation_daily_limit == Entitlements().generation_daily_limit
        assert found.granted == frozenset()

    def test_storage_quota_falls_back_to_the_setting(self) -> None:
        assert Entitlements().storage_quota(7) == 7
        assert Entitlements.of_plan("x", {"storage.bytes": None}).storage_quota(7) is None
        assert Entitlements.of_plan("x", {"storage.bytes": 9}).storage_quota(7) == 9

    @pytest.mark.parametrize(
        ("limit", "used", "fits"), [(None, 10**9, True), (2, 1, True), (2, 2, False)]
    )
    def test_within(self, limit: int | None, used: int, fits: bool) -> None:
        assert within(limit, used) is fits


async def test_plans_are_public_to_anonymous_callers(session: AsyncSession) -> None:
    await make_plan(session, "pro", PRO)
    async with acting_as(session) as anonymous:
        assert await anonymous.scalar(text("select count(*) from billing_plans")) == 1


async def test_the_demo_loads_three_plans_and_nova_on_pro_once(session: AsyncSession) -> None:
    await load_demo_users(session)
    first = await load_billing_demo(session)
    assert first == [
        "3 plans: free, pro, enterprise",
        "nova@demo.backbeat.local is on pro (a manual grant)",
    ]
    assert await load_billing_demo(session) == first
    count = await session.scalar(text("select count(*) from billing_subscriptions"))
    assert count == 1
