"""Row-level security of outbound webhooks, attacked in SQL as another user: endpoints, events
and deliveries are their owner's (admins see all), the sealed secret is unreadable by the API
role, and only a replay-shaped update of one's own delivery passes."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing import outbox
from backbeat.billing.fan_out import fan_out_batch
from tests.rls import acting_as, make_user

ENDPOINT = (
    "insert into billing_webhook_endpoints (id, owner_id, url, events, secret_sealed, "
    "created_by) values (:id, :owner, 'https://93.184.216.34/h', '{payout.paid}', '\\x00', :by)"
)


@pytest.fixture
async def world(session: AsyncSession) -> dict[str, uuid.UUID]:
    alice, bob, admin = [await make_user(session, f"whrls_{n}") for n in ("alice", "bob", "adm")]
    mine, platform = uuid.uuid4(), uuid.uuid4()
    await session.execute(text(ENDPOINT), {"id": mine, "owner": alice, "by": alice})
    await session.execute(text(ENDPOINT), {"id": platform, "owner": None, "by": admin})
    event = await outbox.emit(session, "payout.paid", {"to": "alice"}, owner_id=alice)
    assert event is not None
    await fan_out_batch(session)
    return {"alice": alice, "bob": bob, "admin": admin, "mine": mine, "platform": platform}


async def _count(session: AsyncSession, table: str) -> int:
    return int(await session.scalar(text(f"select count(*) from {table}")) or 0)  # noqa: S608


class TestReading:
    async def test_each_user_sees_their_own_and_the_admin_all(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        tables = (
            "billing_webhook_endpoints",
            "billing_webhook_events",
            "billing_webhook_deliveries",
        )
        for who, role, expected in (
            ("alice", "listener", (1, 1, 1)),
            ("bob", "listener", (0, 0, 0)),
            ("admin", "admin", (2, 1, 2)),
        ):
            async with acting_as(session, world[who], app_role=role):
                assert tuple([await _count(session, t) for t in tables]) == expected, who

    async def test_the_sealed_secret_is_not_readable(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session, world["admin"], app_role="admin"):
            with pytest.raises(DBAPIError, match="permission denied"):
                async with session.begin_nested():
                    await session.execute(
                        text("select secret_sealed from billing_webhook_endpoints")
                    )

    async def test_anonymous_sees_nothing(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session):
            with pytest.raises(DBAPIError, match="permission denied"):
                async with session.begin_nested():
                    await session.execute(text("select id from billing_webhook_endpoints"))


class TestWriting:
    async def test_nobody_creates_an_endpoint_for_someone_else_or_the_platform(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session, world["bob"], app_role="listener"):
            for owner in (world["alice"], None):
                with pytest.raises(DBAPIError, match="row-level security"):
                    async with session.begin_nested():
                        await session.execute(
                            text(ENDPOINT), {"id": uuid.uuid4(), "owner": owner, "by": world["bob"]}
                        )
        async with acting_as(session, world["admin"], app_role="admin"):
            await session.execute(
                text(ENDPOINT), {"id": uuid.uuid4(), "owner": None, "by": world["admin"]}
            )

    async def test_another_user_can_neither_delete_nor_replay(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session, world["bob"], app_role="listener"):
            deleted = await session.execute(text("delete from billing_webhook_endpoints"))
            replayed = await session.execute(
                text("update billing_webhook_deliveries set attempts = 0")
            )
            assert (deleted.rowcount, replayed.rowcount) == (0, 0)  # type: ignore[attr-defined]
        assert await _count(session, "billing_webhook_endpoints") == 2

    async def test_the_owner_may_only_set_a_delivery_pending(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session, world["alice"], app_role="listener"):
            with pytest.raises(DBAPIError, match="row-level security"):
                async with session.begin_nested():
                    await session.execute(
                        text("update billing_webhook_deliveries set status = 'delivered'")
                    )
            with pytest.raises(DBAPIError, match="permission denied"):
                async with session.begin_nested():
                    await session.execute(
                        text("update billing_webhook_deliveries set last_status_code = 200")
                    )
            replayed = await session.execute(
                text("update billing_webhook_deliveries set status = 'pending', attempts = 0")
            )
            assert replayed.rowcount == 1  # type: ignore[attr-defined]

    async def test_a_user_cannot_edit_an_endpoint_or_write_events(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session, world["alice"], app_role="listener"):
            for statement in (
                "update billing_webhook_endpoints set url = 'http://10.0.0.1/'",
                "update billing_webhook_endpoints set status = 'enabled'",
                "delete from billing_webhook_events",
                "insert into billing_webhook_deliveries (endpoint_id, event_id) "
                "select endpoint_id, event_id from billing_webhook_deliveries",
            ):
                with pytest.raises(DBAPIError, match="permission denied"):
                    async with session.begin_nested():
                        await session.execute(text(statement))
