"""Row-level security of billing, attacked in SQL: a user's customers, subscriptions,
invoices, payment methods and refunds are theirs alone (admins read all); plans and prices are
public; nobody but the owner role writes; the event inbox is for admins."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from tests.billing_factories import PRO, make_plan, make_subscription
from tests.rls import acting_as, make_user

OWN_TABLES = (
    "billing_customers",
    "billing_subscriptions",
    "billing_invoices",
    "billing_payment_methods",
    "billing_refunds",
)


@pytest.fixture
async def world(session: AsyncSession) -> dict[str, uuid.UUID]:
    alice, bob = await make_user(session, "brls_alice"), await make_user(session, "brls_bob")
    plan = await make_plan(session, "pro", PRO)
    subscription = await make_subscription(session, alice, plan, provider="stripe")
    params = {"a": alice, "s": subscription}
    for statement in (
        "insert into billing_customers (user_id, provider, external_id) "
        "values (:a, 'stripe', 'cus_a')",
        "insert into billing_invoices (id, user_id, subscription_id, provider, external_id, asset, "
        "subtotal_minor, total_minor, status) values (gen_random_uuid(), :a, :s, 'stripe', 'in_a', "
        "'USD', 900, 900, 'paid')",
        "insert into billing_payment_methods (id, user_id, provider, external_id, kind, brand, "
        "last4) "
        "values (gen_random_uuid(), :a, 'stripe', 'pm_a', 'card', 'visa', '4242')",
        "insert into billing_refunds (id, user_id, provider, external_id, amount_minor, asset, "
        "status) "
        "values (gen_random_uuid(), :a, 'stripe', 're_a', 100, 'USD', 'succeeded')",
        "insert into billing_provider_events (id, provider, type, created, payload, outcome) "
        "values ('evt_a', 'stripe', 'ping', now(), '{}', 'ignored')",
    ):
        await session.execute(text(statement), params)
    return {"alice": alice, "bob": bob, "plan": plan, "subscription": subscription}


async def count(session: AsyncSession, table: str) -> int:
    return int(await session.scalar(text(f"select count(*) from {table}")) or 0)  # noqa: S608


@pytest.mark.parametrize("table", OWN_TABLES)
async def test_only_the_user_sees_their_rows(
    session: AsyncSession, world: dict[str, uuid.UUID], table: str
) -> None:
    async with acting_as(session, world["alice"]) as alice:
        assert await count(alice, table) == 1
    async with acting_as(session, world["bob"]) as bob:
        assert await count(bob, table) == 0
    async with acting_as(session) as anonymous:
        with pytest.raises(DBAPIError):
            async with anonymous.begin_nested():
                await count(anonymous, table)


@pytest.mark.parametrize("table", [*OWN_TABLES, "billing_provider_events"])
async def test_admins_see_all(
    session: AsyncSession, world: dict[str, uuid.UUID], table: str
) -> None:
    async with acting_as(session, world["bob"], app_role="admin") as admin:
        assert await count(admin, table) == 1


async def test_the_inbox_is_hidden_from_users(
    session: AsyncSession, world: dict[str, uuid.UUID]
) -> None:
    async with acting_as(session, world["alice"]) as alice:
        assert await count(alice, "billing_provider_events") == 0


@pytest.mark.parametrize(
    "statement",
    [
        "update billing_subscriptions set status = 'active' where user_id = :u",
        "insert into billing_subscriptions (id, user_id, plan_id, provider, external_id, status) "
        "values (gen_random_uuid(), :u, :p, 'manual', 'self_grant', 'active')",
        "update billing_plans set entitlements = '{}'",
        "delete from billing_invoices",
    ],
)
async def test_users_cannot_write_billing(
    session: AsyncSession, world: dict[str, uuid.UUID], statement: str
) -> None:
    async with acting_as(session, world["alice"]) as alice:
        with pytest.raises(DBAPIError):
            async with alice.begin_nested():
                await alice.execute(text(statement), {"u": world["alice"], "p": world["plan"]})


async def test_plans_and_prices_are_public(
    session: AsyncSession, world: dict[str, uuid.UUID]
) -> None:
    async with acting_as(session) as anonymous:
        assert await count(anonymous, "billing_plans") == 1
        assert await count(anonymous, "billing_prices") == 2
