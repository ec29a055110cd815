"""The daily generation quota: the UTC calendar, the plan's limit from billing's entitlements
(changing at once with the plan), 429 with Retry-After, and no overshoot under concurrency."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backbeat.db import Claims, Database, begin_as_caller, session_scope
from backbeat.taste.quota import quota_day, remaining, resets_at, retry_after_seconds
from backbeat.taste.service import quota
from tests.billing_factories import make_plan, make_subscription
from tests.catalog.factories import User, new_user
from tests.conftest import rollback_client
from tests.generation_support import generation_app
from tests.rls import make_user


class TestCalendar:
    @pytest.mark.parametrize(
        ("now", "day", "reset", "wait"),
        [
            (datetime(2026, 12, 3, 23, 59, 59, tzinfo=UTC), date(2026, 12, 3), 4, 1),
            (datetime(2026, 12, 3, 0, 0, tzinfo=UTC), date(2026, 12, 3), 4, 86_400),
            (
                datetime(2026, 12, 31, 12, 0, 0, 500_000, tzinfo=UTC),
                date(2026, 12, 31),
                None,
                43_200,
            ),
        ],
    )
    def test_days_resets_and_waits(
        self, now: datetime, day: date, reset: int | None, wait: int
    ) -> None:
        assert quota_day(now) == day
        assert resets_at(now) == datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC)
        assert retry_after_seconds(now) == wait

    def test_a_local_time_counts_on_its_utc_day(self) -> None:
        tokyo = timezone(timedelta(hours=9))
        assert quota_day(datetime(2026, 12, 4, 8, 0, tzinfo=tokyo)) == date(2026, 12, 3)

    @pytest.mark.parametrize(("used", "limit", "left"), [(2, 5, 3), (7, 5, 0), (9, None, None)])
    def test_remaining(self, used: int, limit: int | None, left: int | None) -> None:
        assert remaining(used, limit) == left


@pytest_asyncio.fixture(loop_scope="session")
async def gen_app(
    database: Database, connection: AsyncConnection, tmp_path: Path
) -> AsyncIterator[FastAPI]:
    async with generation_app(database, connection, tmp_path / "data") as app:
        yield app


@pytest_asyncio.fixture(loop_scope="session")
async def api(gen_app: FastAPI, connection: AsyncConnection) -> AsyncIterator[httpx.AsyncClient]:
    async with rollback_client(gen_app, connection) as http:
        yield http


@pytest_asyncio.fixture(loop_scope="session")
async def alice(api: httpx.AsyncClient) -> User:
    return await new_user(api, "alice")


async def on_plan(session: AsyncSession, user: uuid.UUID, code: str, limit: int | None) -> None:
    plan = await make_plan(session, code, {"generation.daily_limit": limit})
    await make_subscription(session, user, plan)


async def post(api: httpx.AsyncClient, user: User) -> httpx.Response:
    return await api.post("/v1/generations", json={"duration_seconds": 2}, headers=user.headers)


class TestQuotaApi:
    async def test_free_by_default(self, api: httpx.AsyncClient, alice: User) -> None:
        before = (await api.get("/v1/me/quota", headers=alice.headers)).json()
        assert (before["plan"], before["used"], before["limit"]) == ("free", 0, 5)
        assert (await post(api, alice)).status_code == 202
        after = (await api.get("/v1/me/quota", headers=alice.headers)).json()
        assert after["used"] == 1
        assert datetime.fromisoformat(after["resets_at"]) == resets_at(datetime.now(UTC))

    async def test_the_last_one_then_429_until_midnight(
        self, api: httpx.AsyncClient, alice: User, session: AsyncSession
    ) -> None:
        await on_plan(session, alice.id, "tiny", 2)
        assert [(await post(api, alice)).status_code for _ in range(2)] == [202, 202]
        refused = await post(api, alice)
        assert refused.status_code == 429
        assert refused.json()["code"] == "daily_generation_limit"
        wait = int(refused.headers["retry-after"])
        assert abs(wait - retry_after_seconds(datetime.now(UTC))) <= 2
        count = await session.scalar(
            text("select count(*) from taste_generations where user_id = :u"), {"u": alice.id}
        )
        assert count == 2

    async def test_a_zero_limit_refuses_the_first(
        self, api: httpx.AsyncClient, alice: User, session: AsyncSession
    ) -> None:
        await on_plan(session, alice.id, "none", 0)
        assert (await post(api, alice)).status_code == 429

    async def test_changing_the_plan_changes_the_quota_at_once(
        self, api: httpx.AsyncClient, alice: User, session: AsyncSession
    ) -> None:
        await on_plan(session, alice.id, "solo", 1)
        assert (await post(api, alice)).status_code == 202
        assert (await post(api, alice)).status_code == 429
        await session.execute(
            text("update billing_subscriptions set status = 'canceled' where user_id = :u"),
            {"u": alice.id},
        )  # an upgrade: the old subscription ends, the new one starts
        await on_plan(session, alice.id, "premium", None)
        shown = (await api.get("/v1/me/quota", headers=alice.headers)).json()
        assert (shown["plan"], shown["used"], shown["limit"]) == ("premium", 1, None)
        assert [(await post(api, alice)).status_code for _ in range(3)] == [202] * 3

    async def test_yesterday_does_not_count(
        self, api: httpx.AsyncClient, alice: User, session: AsyncSession
    ) -> None:
        yesterday = quota_day(datetime.now(UTC)) - timedelta(days=1)
        await session.execute(
            text("insert into taste_generation_days (user_id, day, used) values (:u, :d, 5)"),
            {"u": alice.id, "d": yesterday},
        )
        assert (await post(api, alice)).status_code == 202

    async def test_signed_out_is_401(self, api: httpx.AsyncClient) -> None:
        assert (await api.get("/v1/me/quota")).status_code == 401


async def take_as(database: Database, user: uuid.UUID, now: datetime) -> bool:
    """One request's worth: take a generation as the user in a transaction of its own."""
    async with database.api_sessions() as session, session.begin():
        await begin_as_caller(session, Claims(sub=str(user)))
        try:
            await quota.take_generation(session, user, now=now)
        except quota.DailyGenerationLimit:
            return False
    return True


class TestConcurrency:
    async def test_no_two_requests_take_the_last_one(self, committed_database: Database) -> None:
        async with session_scope(committed_database) as session:
            user = await make_user(session, "racer")
            await on_plan(session, user, "three", 3)
        now = datetime.now(UTC)
        results = await asyncio.gather(*(take_as(committed_database, user, now) for _ in range(12)))
        assert sum(results) == 3
        async with session_scope(committed_database) as session:
            used = await quota.used_on(session, user, quota_day(now))
        assert used == 3

    async def test_you_cannot_count_for_someone_else(self, committed_database: Database) -> None:
        async with session_scope(committed_database) as session:
            mallory, victim = (
                await make_user(session, "mallory"),
                await make_user(session, "victim"),
            )
        async with committed_database.api_sessions() as session, session.begin():
            await begin_as_caller(session, Claims(sub=str(mallory)))
            taken = await session.scalar(
                text("select taste_take_generation(:v, current_date, 5)"), {"v": victim}
            )
        assert taken is None
        async with session_scope(committed_database) as session:
            assert await quota.used_on(session, victim, date.today()) == 0
