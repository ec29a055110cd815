"""Purchases: share numbers in order, balance or external payment, limits, windows, expiry."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.offerings.tasks import release_expired
from tests.offerings.factories import NOW, balance, buy, fund, listed_offering
from tests.royalties.factories import account, personal_token


class TestBalancePurchases:
    async def test_buyers_get_the_next_numbers_and_the_artist_the_proceeds(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist, a, b = [await account(client, session) for _ in range(3)]
        _, offering = await listed_offering(client, session, artist)
        await fund(session, a, 10_000)
        await fund(session, b, 100_000)
        first = await buy(client, offering["id"], a, 8)
        second = await buy(client, offering["id"], b, 5)
        assert first.status_code == second.status_code == 201, second.text
        body = second.json()
        assert body["status"] == "paid" and body["amount"] == "2500" and body["asset"] == "USD"
        assert body["shares"] == [{"token": 9, "tier": 1}, {"token": 10, "tier": 1}] + [
            {"token": n, "tier": 2} for n in (11, 12, 13)
        ]
        assert await balance(session, a) == 10_000 - 4_000
        assert await balance(session, artist) == 4_000 + 2_500
        listed = (await client.get(f"/v1/offerings/{offering['id']}")).json()
        assert (listed["sold"], listed["remaining"]) == (13, 167)
        mine = await client.get("/v1/me/purchases", headers=b.headers)
        assert [p["id"] for p in mine.json()["items"]] == [body["id"]]

    async def test_a_repeated_key_returns_the_first_purchase(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist, buyer = await account(client, session), await account(client, session)
        _, offering = await listed_offering(client, session, artist)
        await fund(session, buyer, 10_000)
        first = await buy(client, offering["id"], buyer, 2, key="k")
        again = await buy(client, offering["id"], buyer, 2, key="k")
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
        other = await buy(client, offering["id"], buyer, 3, key="k")
        assert (other.status_code, other.json()["code"]) == (409, "idempotency_conflict")
        assert await balance(session, buyer) == 9_000

    async def test_without_enough_balance_nothing_is_reserved(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist, buyer = await account(client, session), await account(client, session)
        _, offering = await listed_offering(client, session, artist)
        await fund(session, buyer, 999)
        refused = await buy(client, offering["id"], buyer, 2)
        assert (refused.status_code, refused.json()["code"]) == (409, "insufficient_balance")
        assert (await client.get(f"/v1/offerings/{offering['id']}")).json()["remaining"] == 180

    async def test_sold_out_says_how_many_remain(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist, buyer = await account(client, session), await account(client, session)
        _, offering = await listed_offering(
            client, session, artist, total_supply=10, artist_reserve=2
        )
        await fund(session, buyer, 100_000)
        assert (await buy(client, offering["id"], buyer, 6)).status_code == 201
        refused = await buy(client, offering["id"], buyer, 3)
        assert refused.status_code == 409
        assert (refused.json()["code"], refused.json()["remaining"]) == ("sold_out", 2)
        assert (await buy(client, offering["id"], buyer, 2)).status_code == 201
        found = (await client.get(f"/v1/offerings/{offering['id']}")).json()
        assert found["sold_out_at"] is not None and found["remaining"] == 0
        announced = await session.execute(
            text("select owner_id, data from billing_webhook_events where event_type = :t"),
            {"t": "offering.sold_out"},
        )
        assert [tuple(row) for row in announced] == [
            (artist.user.id, {"offering_id": offering["id"], "track_id": found["track_id"]})
        ]

    async def test_the_per_buyer_limit_counts_reserved_and_paid(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist, buyer = await account(client, session), await account(client, session)
        _, offering = await listed_offering(client, session, artist)
        await fund(session, buyer, 1_000_000)
        assert (await buy(client, offering["id"], buyer, 60)).status_code == 201
        assert (await buy(client, offering["id"], buyer, 40, method="external")).status_code == 201
        refused = await buy(client, offering["id"], buyer, 1)
        assert (refused.status_code, refused.json()["code"]) == (409, "buyer_limit")


class TestWindow:
    async def test_before_the_start_and_after_the_end_are_refused(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist, buyer = await account(client, session), await account(client, session)
        _, later = await listed_offering(
            client,
            session,
            artist,
            starts_at=(NOW + timedelta(days=2)).isoformat(),
            ends_at=(NOW + timedelta(days=3)).isoformat(),
        )
        assert later["reserve_minted_at"] is None
        early = await buy(client, later["id"], buyer, 1, method="external")
        assert (early.status_code, early.json()["code"]) == (409, "offering_not_open")
        await session.execute(
            text(
                "update offerings_offerings set starts_at = now() - interval '2 days', "
                "ends_at = now() - interval '1 day' where id = :id"
            ),
            {"id": later["id"]},
        )
        ended = await buy(client, later["id"], buyer, 1, method="external")
        assert (ended.status_code, ended.json()["code"]) == (409, "offering_not_open")


class TestExternalPurchases:
    async def test_settled_by_a_payment_provider_token(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist, buyer = await account(client, session), await account(client, session)
        admin = await account(client, session, admin=True)
        _, offering = await listed_offering(client, session, artist)
        reserved = (await buy(client, offering["id"], buyer, 3, method="external")).json()
        assert reserved["status"] == "reserved" and reserved["expires_at"] is not None
        url = f"/v1/purchases/{reserved['id']}/settle"
        body = {"payment_reference": "pi_123"}
        refused = await client.post(url, json=body, headers=buyer.headers)
        assert refused.status_code == 403
        token = await personal_token(client, admin, "purchases:write")
        paid = await client.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
        assert paid.status_code == 200, paid.text
        assert paid.json()["status"] == "paid"
        assert await balance(session, artist) == 1_500

    async def test_an_expired_reservation_releases_its_shares(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist, a, b = [await account(client, session) for _ in range(3)]
        admin = await account(client, session, admin=True)
        _, offering = await listed_offering(client, session, artist)
        held = (await buy(client, offering["id"], a, 4, method="external")).json()
        await session.execute(
            text(
                "update offerings_purchases set expires_at = now() - interval '1 s' where id = :p"
            ),
            {"p": held["id"]},
        )
        assert await release_expired(session) == 1
        await fund(session, b, 10_000)
        again = (await buy(client, offering["id"], b, 1)).json()
        assert again["shares"] == [{"token": 1, "tier": 1}]
        late = await client.post(
            f"/v1/purchases/{held['id']}/settle",
            json={"payment_reference": "late"},
            headers=admin.headers,
        )
        assert (late.status_code, late.json()["code"]) == (409, "purchase_expired")
