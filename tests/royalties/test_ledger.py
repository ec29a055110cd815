"""The ledger's walls in SQL: append-only, balanced at commit, row-level security, restatements."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.models import Payee, Track
from backbeat.identity.models import User
from backbeat.royalties.distribution import Planner
from backbeat.royalties.restatement import restate_pending
from backbeat.royalties.rights import Policy
from backbeat.royalties.verify import verify
from tests.rls import acting_as
from tests.royalties.factories import (
    EPOCH,
    balances,
    distribute_all,
    make_event,
    make_sheet,
    make_track,
    make_user,
    user_payee,
)


async def funded_track(session: AsyncSession, amount: int = 1000) -> tuple[User, Payee, Track]:
    owner = await make_user(session)
    payee = await user_payee(session, owner)
    track = await make_track(session, owner)
    for sheet in ("composition", "production"):
        await make_sheet(session, track, sheet, [(payee, 1_000_000)])
    await make_event(session, track, amount)
    await distribute_all(session)
    return owner, payee, track


class TestAppendOnly:
    @pytest.mark.parametrize(
        "statement",
        [
            "delete from royalties_legs",
            "update royalties_legs set amount = amount + 1",
            "delete from royalties_transfers",
            "update royalties_transfers set kind = kind",
            "delete from royalties_receipts",
            "update royalties_receipts set receipt_hash = 'x'",
        ],
    )
    async def test_even_the_owner_cannot_update_or_delete(
        self, session: AsyncSession, statement: str
    ) -> None:
        await funded_track(session)
        savepoint = await session.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            await session.execute(text(statement))
        await savepoint.rollback()

    async def test_the_api_role_has_no_update_or_delete_privilege(
        self, session: AsyncSession
    ) -> None:
        rows = await session.execute(
            text(
                "select has_table_privilege('backbeat_user', 'royalties_legs', 'update'), "
                "has_table_privilege('backbeat_service', 'royalties_legs', 'delete'), "
                "has_table_privilege('backbeat_user', 'royalties_transfers', 'insert')"
            )
        )
        assert rows.one() == (False, False, False)


class TestRowLevelSecurity:
    async def test_a_user_sees_only_their_own_balances_and_legs(
        self, session: AsyncSession
    ) -> None:
        owner, _, _ = await funded_track(session)
        stranger = await make_user(session)
        async with acting_as(session, owner.id, app_role="artist"):
            mine = (
                await session.execute(text("select count(*) from royalties_balances"))
            ).scalar_one()
            events = (
                await session.execute(text("select count(*) from royalties_revenue_events"))
            ).scalar_one()
        async with acting_as(session, stranger.id, app_role="artist"):
            theirs = (
                await session.execute(text("select count(*) from royalties_balances"))
            ).scalar_one()
            legs = (await session.execute(text("select count(*) from royalties_legs"))).scalar_one()
            receipts = (
                await session.execute(text("select count(*) from royalties_receipts"))
            ).scalar_one()
        async with acting_as(session, stranger.id, app_role="admin"):
            everything = (
                await session.execute(text("select count(*) from royalties_balances"))
            ).scalar_one()
        assert (mine, events) == (1, 1)
        assert (theirs, legs, receipts) == (0, 0, 0)
        assert everything >= 2

    async def test_only_revenue_writers_insert_events(self, session: AsyncSession) -> None:
        owner, _, track = await funded_track(session)
        insert = text(
            "insert into royalties_revenue_events (id, submitted_by, idempotency_key, body_hash, "
            "track_id, source, amount, asset, occurred_at) values (gen_random_uuid(), :who, 'x', "
            "'-', :track, 'stream', 1, 'USD', now())"
        )
        async with acting_as(session, owner.id, app_role="artist", scopes=["revenue:write"]):
            await session.execute(insert, {"who": str(owner.id), "track": track.id})
        async with acting_as(session, owner.id, app_role="artist", scopes=["read"]):
            savepoint = await session.begin_nested()
            with pytest.raises(DBAPIError, match="row-level security"):
                await session.execute(insert, {"who": str(owner.id), "track": track.id})
            await savepoint.rollback()


class TestRestatement:
    async def test_a_backdated_version_reverses_and_reallocates(
        self, session: AsyncSession
    ) -> None:
        _, payee, track = await funded_track(session, 1000)
        heir = await make_user(session)
        heir_payee = await user_payee(session, heir)
        planner = Planner(Policy())
        await restate_pending(session, planner)  # the original versions: nothing to correct
        for sheet in ("composition", "production"):
            await make_sheet(
                session,
                track,
                sheet,
                [(heir_payee, 1_000_000)],
                effective_from=EPOCH,
            )
        counts = await restate_pending(session, planner)
        assert sorted(counts.values()) == [1, 1]
        got = await balances(session)
        assert got[f"payee:{payee.id}"] == 0
        assert got[f"payee:{heir_payee.id}"] == 1000
        kinds = await session.execute(text("select kind from royalties_transfers order by id"))
        assert sorted(k for (k,) in kinds) == ["allocation", "reallocation", "reversal"]
        assert await restate_pending(session, planner) == {}
        report = await verify(session)
        assert report.ok, report.problems
        assert report.receipts == 2
