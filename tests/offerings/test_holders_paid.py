"""Holders are paid by the royalty engine by tier, as owners stood at each event's instant, with
receipts that `royalties verify` recomputes."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.royalties.verify import verify
from tests.offerings.factories import (
    balance,
    buy,
    fund,
    listed_offering,
    move_ownership_instants,
)
from tests.royalties.factories import EPOCH, account, distribute_all, make_event

MINTED = EPOCH + timedelta(days=10)
RESOLD = EPOCH + timedelta(days=20)


async def credits_of(session: AsyncSession, event_id: object) -> dict[str, int]:
    rows = await session.execute(
        text(
            "select a.name, l.amount from royalties_transfers t "
            "join royalties_legs l on l.transfer_id = t.id "
            "join royalties_accounts a on a.id = l.account_id "
            "where t.event_id = :e and a.kind = 'payee'"
        ),
        {"e": event_id},
    )
    return {name: int(amount) for name, amount in rows.all()}


async def payee_name(session: AsyncSession, user_id: object) -> str:
    found = await session.execute(
        text("select 'payee:' || id from catalog_payees where user_id = :u"), {"u": user_id}
    )
    return str(found.scalar_one())


class TestHoldersPaidByTheEngine:
    async def test_tiers_pay_holders_and_a_resold_share_pays_by_event_time(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist, first, second = [await account(client, session) for _ in range(3)]
        track, offering = await listed_offering(client, session, artist)
        await fund(session, first, 5_000)
        bought = await buy(client, offering["id"], first, 10)
        assert [s["tier"] for s in bought.json()["shares"]] == [1] * 10
        await move_ownership_instants(session, track.id, "mint", MINTED)
        share = (
            await session.execute(
                text("select id from offerings_shares where track_id = :t and token = 1"),
                {"t": track.id},
            )
        ).scalar_one()
        moved = await client.post(
            f"/v1/shares/{share}/transfers",
            json={"to": f"user:{second.user.id}"},
            headers=first.headers,
        )
        assert moved.status_code == 201, moved.text
        await move_ownership_instants(session, track.id, "transfer", RESOLD)
        before_mint = await make_event(session, track, 1_000_000, occurred_at=EPOCH)
        before_resale = await make_event(session, track, 1_000_000, occurred_at=MINTED)
        after_resale = await make_event(
            session, track, 1_000_000, occurred_at=RESOLD + timedelta(hours=1)
        )
        await distribute_all(session)
        names = [await payee_name(session, u.user.id) for u in (artist, first, second)]
        assert await credits_of(session, before_mint.id) == {names[0]: 1_000_000}
        # tier 1: 10 % over 10 shares; the reserve (20 tier-4 shares): 20 x 1 % / 100
        assert await credits_of(session, before_resale.id) == {
            names[0]: 898_000 + 2_000,
            names[1]: 100_000,
        }
        assert await credits_of(session, after_resale.id) == {
            names[0]: 900_000,
            names[1]: 90_000,
            names[2]: 10_000,
        }
        report = await verify(session)
        assert report.ok, report.problems
        assert report.receipts >= 3
        assert await balance(session, second) == 10_000

    async def test_an_unpaid_reservation_earns_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist, buyer = await account(client, session), await account(client, session)
        track, offering = await listed_offering(client, session, artist, artist_reserve=0)
        reserved = await buy(client, offering["id"], buyer, 5, method="external")
        assert reserved.json()["status"] == "reserved"
        event = await make_event(session, track, 10_000, occurred_at=EPOCH + timedelta(days=400))
        await distribute_all(session)
        assert await credits_of(session, event.id) == {
            await payee_name(session, artist.user.id): 10_000
        }

    async def test_the_receipt_shows_the_tiers_it_paid(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist, buyer = await account(client, session), await account(client, session)
        track, offering = await listed_offering(client, session, artist, artist_reserve=0)
        await fund(session, buyer, 10_000)
        await buy(client, offering["id"], buyer, 2)
        event = await make_event(session, track, 1_000, occurred_at=EPOCH + timedelta(days=400))
        await distribute_all(session)
        receipt = await client.get(f"/v1/revenue-events/{event.id}/receipt", headers=artist.headers)
        assert receipt.status_code == 200, receipt.text
        revision = receipt.json()["revisions"][0]
        tiers = revision["inputs"]["rights"][str(track.id)]["tiers"]
        assert tiers[0][:3] == ["1", 100_000, 10]
        assert tiers[0][3] == [[await payee_name(session, buyer.user.id), 2]]
        paid = revision["allocation"]["plan"]["tiers"][0]
        assert (paid["minted_shares"], paid["to_holders"]) == (2, "1/50")
