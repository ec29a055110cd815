"""The outbox: `emit` writes in the caller's transaction for any caller, dedupes by key, and
queues one fan-out job per transaction only when some endpoint wants the type."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.billing import outbox
from backbeat.billing.fan_out import fan_out_batch
from tests.rls import acting_as, make_user

FAN_OUT_JOBS = text(
    "select count(*) from procrastinate_jobs where task_name = 'backbeat:webhooks.fan_out' "
    "and status = 'todo'"
)


async def _endpoint(
    session: AsyncSession, owner: uuid.UUID | None, events: list[str], status: str = "enabled"
) -> uuid.UUID:
    endpoint = uuid.uuid4()
    await session.execute(
        text(
            "insert into billing_webhook_endpoints (id, owner_id, url, events, secret_sealed, "
            "status) values (:i, :o, 'https://example.com/hook', :e, '\\x00', :s)"
        ),
        {"i": endpoint, "o": owner, "e": events, "s": status},
    )
    return endpoint


async def _event(session: AsyncSession, event_id: uuid.UUID) -> tuple[str, object, object]:
    row = (
        await session.execute(
            text("select event_type, owner_id, data from billing_webhook_events where id = :i"),
            {"i": event_id},
        )
    ).one()
    return row.event_type, row.owner_id, row.data


class TestEmit:
    async def test_a_user_emits_under_row_level_security(self, session: AsyncSession) -> None:
        alice = await make_user(session, "wh_out_alice")
        await _endpoint(session, alice, ["track.published"])
        async with acting_as(session, alice, app_role="listener") as as_alice:
            made = await outbox.emit(
                as_alice, "track.published", {"track_id": alice}, owner_id=alice
            )
        assert made is not None
        assert await _event(session, made) == ("track.published", alice, {"track_id": str(alice)})

    async def test_a_user_cannot_insert_events_directly(self, session: AsyncSession) -> None:
        alice = await make_user(session, "wh_out_direct")
        async with acting_as(session, alice, app_role="listener") as as_alice:
            with pytest.raises(DBAPIError, match="permission denied"):
                async with as_alice.begin_nested():
                    await as_alice.execute(
                        text(
                            "insert into billing_webhook_events (event_type, data) "
                            "values ('payout.paid', '{}')"
                        )
                    )

    async def test_a_key_makes_a_second_emission_a_no_op(self, session: AsyncSession) -> None:
        first = await outbox.emit(session, "payout.paid", {"n": 1}, key="payout:1")
        second = await outbox.emit(session, "payout.paid", {"n": 2}, key="payout:1")
        assert first is not None and second is None

    async def test_an_unknown_type_is_a_programming_error(self, session: AsyncSession) -> None:
        with pytest.raises(ValueError, match="catalogue"):
            await outbox.emit(session, "track.exploded", {})

    async def test_a_batch_is_one_call(self, session: AsyncSession) -> None:
        owners = [await make_user(session, f"wh_out_batch{i}") for i in range(3)]
        await _endpoint(session, None, ["revenue.allocated"])
        made = await outbox.emit_many(
            session,
            "revenue.allocated",
            [outbox.Emission({"i": i}, owner) for i, owner in enumerate(owners)]
            + [outbox.Emission({"i": 3})],
        )
        assert len(made) == 4
        assert [(await _event(session, m))[1] for m in made] == [*owners, None]


class TestFanOutJob:
    async def test_no_endpoint_no_job_and_no_row(self, session: AsyncSession) -> None:
        before = await session.scalar(FAN_OUT_JOBS)
        assert await outbox.emit(session, "offering.sold_out", {}) is None
        assert await session.scalar(FAN_OUT_JOBS) == before
        assert await session.scalar(text("select count(*) from billing_webhook_events")) == 0

    async def test_a_keyed_event_nobody_wants_is_remembered_as_sent(
        self, session: AsyncSession
    ) -> None:
        made = await outbox.emit(session, "payout.failed", {}, key="payout:9")
        unsent = await session.scalar(
            text("select fanned_out_at is null from billing_webhook_events where id = :i"),
            {"i": made},
        )
        assert unsent is False
        await _endpoint(session, None, ["payout.failed"])
        assert await outbox.emit(session, "payout.failed", {}, key="payout:9") is None

    async def test_a_rolled_back_change_takes_its_event_along(self, session: AsyncSession) -> None:
        await _endpoint(session, None, ["track.published"])
        change = await session.begin_nested()
        await outbox.emit(session, "track.published", {"n": 1})
        await change.rollback()
        assert await session.scalar(text("select count(*) from billing_webhook_events")) == 0
        assert await session.scalar(FAN_OUT_JOBS) == 0

    async def test_one_job_per_transaction_however_many_events(self, session: AsyncSession) -> None:
        await _endpoint(session, None, ["decision.finalized"])
        before = await session.scalar(FAN_OUT_JOBS)
        for n in range(3):
            await outbox.emit(session, "decision.finalized", {"n": n})
        assert await session.scalar(FAN_OUT_JOBS) == (before or 0) + 1


class TestWanted:
    async def test_a_type_is_wanted_while_an_enabled_endpoint_subscribes(
        self, session: AsyncSession
    ) -> None:
        alice = await make_user(session, "wh_out_wanted")
        assert await outbox.wanted(session, "generation.completed") is False
        await _endpoint(session, alice, ["generation.completed"])
        async with acting_as(session, uuid.uuid4(), app_role="listener") as stranger:
            assert await outbox.wanted(stranger, "generation.completed") is True
        await session.execute(text("update billing_webhook_endpoints set status = 'disabled'"))
        assert await outbox.wanted(session, "generation.completed") is False


class TestFanOutMatching:
    async def test_the_owner_and_the_platform_get_it_nobody_else(
        self, session: AsyncSession
    ) -> None:
        alice, bob = [await make_user(session, f"wh_match_{n}") for n in ("alice", "bob")]
        hers = await _endpoint(session, alice, ["payout.paid"])
        platform = await _endpoint(session, None, ["payout.paid", "track.published"])
        await _endpoint(session, bob, ["payout.paid"])
        await _endpoint(session, alice, ["track.published"])
        await _endpoint(session, alice, ["payout.paid"], status="disabled")
        event = await outbox.emit(session, "payout.paid", {}, owner_id=alice)
        assert await fan_out_batch(session) == (1, 2)
        targets = await session.scalars(
            text("select endpoint_id from billing_webhook_deliveries where event_id = :e"),
            {"e": event},
        )
        assert set(targets) == {hers, platform}
        assert await fan_out_batch(session) == (0, 0)
