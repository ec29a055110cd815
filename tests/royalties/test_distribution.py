"""The batch engine against a real database: postings, receipts, balances, verify."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.royalties.distribution import Planner, distribute_batch
from backbeat.royalties.rights import Policy
from backbeat.royalties.verify import verify
from tests.royalties.factories import (
    EPOCH,
    balances,
    make_edge,
    make_event,
    make_sheet,
    make_track,
    make_user,
    user_payee,
)


class TestDistributeBatch:
    async def test_splits_a_remix_between_its_sheets_and_its_parent(
        self, session: AsyncSession
    ) -> None:
        alice, bob, carol = [await make_user(session) for _ in range(3)]
        pa, pb, pc = [await user_payee(session, u) for u in (alice, bob, carol)]
        original = await make_track(session, alice)
        remix = await make_track(session, bob)
        await make_sheet(session, original, "composition", [(pa, 1_000_000)])
        await make_sheet(session, original, "production", [(pa, 1_000_000)])
        await make_sheet(session, remix, "composition", [(pb, 500_000), (pc, 500_000)])
        await make_sheet(session, remix, "production", [(pb, 1_000_000)])
        await make_edge(session, remix, original, 250_000)
        await make_event(session, remix, 1000)

        planner = Planner(Policy(fee_ppm_by_source={"stream": 100_000}))
        assert await distribute_batch(session, planner, 100) == 1
        assert await distribute_batch(session, planner, 100) == 0

        got = await balances(session)
        assert got[f"payee:{pa.id}"] == 225  # 900 * 25 %
        assert got[f"payee:{pb.id}"] == 506  # 675/2 composition half + 675/2 production
        assert got[f"payee:{pc.id}"] == 169
        assert got["platform:fee"] == 100
        assert got["revenue:stream"] == -1000
        report = await verify(session)
        assert report.ok, report.problems
        assert report.receipts == 1

    async def test_missing_sheet_goes_to_the_tracks_suspense(self, session: AsyncSession) -> None:
        owner = await make_user(session)
        track = await make_track(session, owner)
        payee = await user_payee(session, owner)
        await make_sheet(session, track, "production", [(payee, 1_000_000)])
        await make_event(session, track, 101)
        await distribute_batch(session, Planner(Policy()), 10)
        got = await balances(session)
        assert got[f"suspense:{track.id}"] + got[f"payee:{payee.id}"] == 101
        assert abs(got[f"suspense:{track.id}"] - got[f"payee:{payee.id}"]) == 1

    async def test_uses_the_sheet_version_in_force_when_the_event_happened(
        self, session: AsyncSession
    ) -> None:
        a, b = await make_user(session), await make_user(session)
        pa, pb = await user_payee(session, a), await user_payee(session, b)
        track = await make_track(session, a)
        later = EPOCH + timedelta(days=10)
        for sheet in ("composition", "production"):
            await make_sheet(session, track, sheet, [(pa, 1_000_000)])
            await make_sheet(session, track, sheet, [(pb, 1_000_000)], effective_from=later)
        await make_event(session, track, 50, occurred_at=EPOCH + timedelta(days=1))
        await make_event(session, track, 70, occurred_at=later + timedelta(days=1))
        await distribute_batch(session, Planner(Policy()), 10)
        got = await balances(session)
        assert (got[f"payee:{pa.id}"], got[f"payee:{pb.id}"]) == (50, 70)
        assert (await verify(session)).ok
