"""Dividends: pro rata by minted shares, exact, through the ledger with a recomputable receipt;
visible in balances and statements, claimable with payouts."""

from __future__ import annotations

from fractions import Fraction

import httpx
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.offerings.prorata import recompute, split_pro_rata
from tests.offerings.factories import balance, buy, fund, listed_offering
from tests.royalties.factories import account


@given(
    amount=st.integers(1, 10**30),
    shares=st.lists(st.integers(1, 1000), min_size=1, max_size=12),
    salt=st.text(max_size=8),
)
def test_pro_rata_is_exact_fair_and_deterministic(
    amount: int, shares: list[int], salt: str
) -> None:
    holdings = [(f"payee:{i}", n) for i, n in enumerate(shares)]
    lines = split_pro_rata(amount, holdings, salt=salt)
    assert sum(line.credit for line in lines) == amount
    for line, (_, n) in zip(lines, holdings, strict=True):
        assert abs(line.credit - Fraction(amount * n, sum(shares))) < 1
    assert split_pro_rata(amount, holdings, salt=salt) == lines


async def dividend(
    client: httpx.AsyncClient, track: object, who: object, amount: str, key: str = "d1"
) -> httpx.Response:
    return await client.post(
        f"/v1/masters/{track}/dividends",
        json={"amount": amount, "asset": "USD", "idempotency_key": key},
        headers=who.headers,  # type: ignore[attr-defined]
    )


class TestDividends:
    async def test_the_artist_pays_holders_pro_rata_from_their_balance(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist, a, b = [await account(client, session) for _ in range(3)]
        track, offering = await listed_offering(
            client, session, artist, total_supply=20, artist_reserve=0
        )
        await fund(session, a, 10_000)
        await fund(session, b, 10_000)
        await buy(client, offering["id"], a, 1)
        await buy(client, offering["id"], b, 2)
        await fund(session, artist, 100)
        paid = await dividend(client, track.id, artist, "100")
        assert paid.status_code == 201, paid.text
        body = paid.json()
        by_payee = {line["payee"]: (line["shares"], line["amount"]) for line in body["lines"]}
        assert by_payee[f"user:{a.user.id}"][0] == 1 and by_payee[f"user:{b.user.id}"][0] == 2
        assert sorted(int(v[1]) for v in by_payee.values()) == [33, 67]
        assert await balance(session, artist) == 100 + 1_500 - 100
        assert await balance(session, a) + await balance(session, b) == 20_000 - 1_500 + 100
        stored = (
            await session.execute(
                text("select receipt from offerings_dividends where id = :id"), {"id": body["id"]}
            )
        ).scalar_one()
        assert [c for _, c in recompute(stored)] == [int(line[3]) for line in stored["lines"]]
        again = await dividend(client, track.id, artist, "100")
        assert (again.status_code, again.json()["id"]) == (200, body["id"])
        listed = await client.get(f"/v1/masters/{track.id}/dividends", headers=artist.headers)
        assert [d["id"] for d in listed.json()["items"]] == [body["id"]]

    async def test_holders_see_it_in_statements_and_claim_it(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist, holder = await account(client, session), await account(client, session)
        admin = await account(client, session, admin=True)
        track, offering = await listed_offering(
            client, session, artist, total_supply=20, artist_reserve=0
        )
        await buy(client, offering["id"], holder, 1, method="external")
        purchase = (await client.get("/v1/me/purchases", headers=holder.headers)).json()
        settled = await client.post(
            f"/v1/purchases/{purchase['items'][0]['id']}/settle",
            json={"payment_reference": "wire-1"},
            headers=admin.headers,
        )
        assert settled.status_code == 200
        paid = await dividend(client, track.id, admin, "5000")
        assert paid.status_code == 201 and paid.json()["funding"] == "external"
        statement = await client.get(
            f"/v1/payees/user:{holder.user.id}/statement", headers=holder.headers
        )
        assert statement.status_code == 200, statement.text
        lines = statement.json()["lines"]
        assert {"kind": "earnings", "source": "dividend", "amount": "5000"}.items() <= next(
            line for line in lines if line["source"] == "dividend"
        ).items()
        holdings = (await client.get("/v1/me/holdings", headers=holder.headers)).json()
        assert holdings["holdings"][0]["earned"] == [{"asset": "USD", "amount": "5000"}]
        claim = await client.post(
            "/v1/payouts", json={"asset": "USD", "amount": "5000"}, headers=holder.headers
        )
        assert claim.status_code == 201, claim.text

    async def test_who_may_pay_and_with_what(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist, holder, stranger = [await account(client, session) for _ in range(3)]
        track, offering = await listed_offering(
            client, session, artist, total_supply=20, artist_reserve=0
        )
        none_yet = await dividend(client, track.id, artist, "10")
        assert (none_yet.status_code, none_yet.json()["code"]) == (409, "no_holders")
        await fund(session, holder, 1_000)
        await buy(client, offering["id"], holder, 1)
        assert (await dividend(client, track.id, stranger, "10")).status_code == 403
        broke = await dividend(client, track.id, artist, "1000000", key="big")
        assert (broke.status_code, broke.json()["code"]) == (409, "insufficient_balance")
        listing = await client.get(f"/v1/masters/{track.id}/dividends", headers=stranger.headers)
        assert listing.status_code == 403
