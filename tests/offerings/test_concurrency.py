"""Against a committed database over real HTTP: racing buyers never oversell, and purchases,
transfers and dividends commit (the ledger's balance check runs at commit, as the buyer)."""

from __future__ import annotations

import asyncio

import httpx
import psycopg

from backbeat.db import Database, session_scope
from backbeat.embedded import DatabaseUrls
from backbeat.royalties.verify import verify
from bench.offerings import PRICE, accounts, open_offering, race, seed_track, sold_tokens
from bench.support import api_server

BUYERS, SUPPLY = 30, 50


def available(owner: str, user_id: str) -> int:
    with psycopg.connect(owner) as conn:
        found = conn.execute(
            "select coalesce(sum(b.balance), 0) from royalties_accounts a "
            "join royalties_balances b on b.account_id = a.id join catalog_payees p "
            "on p.id = a.payee_id where p.user_id = %s and a.kind = 'payee'",
            [user_id],
        ).fetchone()
    assert found is not None
    return int(found[0])


async def verified(urls: DatabaseUrls) -> list[str]:
    database = Database.connect(urls, pool_size=1)
    try:
        async with session_scope(database) as session:
            return (await verify(session)).problems
    finally:
        await database.dispose()


async def test_racing_buyers_sell_the_supply_exactly_once(committed_urls: DatabaseUrls) -> None:
    with api_server(committed_urls, BACKBEAT_RATE_LIMIT_IP_PER_MINUTE="100000") as base:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            (artist, token), *buyers = await accounts(client, BUYERS + 1)
            track = seed_track(committed_urls.owner, artist, [b for b, _ in buyers], 10_000)
            offering = await open_offering(client, track, token, SUPPLY)
            paid, refused, _ = await race(client, offering, [t for _, t in buyers], 2)
            assert sum(len(p["shares"]) for p in paid) == SUPPLY and refused == BUYERS
            tokens = sorted(s["token"] for p in paid for s in p["shares"])
            assert tokens == list(range(1, SUPPLY + 1))
            assert sold_tokens(committed_urls.owner, offering) == tokens
            assert available(committed_urls.owner, artist) == SUPPLY * PRICE
            first = next(p for p in paid if p["shares"][0]["token"] == 1)
            holder = next(t for b, t in buyers if t == first["buyer"])
            headers = {"Authorization": f"Bearer {holder}"}
            share = await share_id(committed_urls.owner, offering, 1)
            moved = await client.post(
                f"/v1/shares/{share}/transfers", json={"to": f"user:{artist}"}, headers=headers
            )
            assert moved.status_code == 201, moved.text
            dividend = await client.post(
                f"/v1/masters/{track}/dividends",
                json={"amount": "1001", "asset": "USD", "idempotency_key": "d1"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert dividend.status_code == 201, dividend.text
            assert sum(int(line["amount"]) for line in dividend.json()["lines"]) == 1001
    assert await verified(committed_urls) == []


async def share_id(owner: str, offering: str, token: int) -> str:
    def find() -> str:
        with psycopg.connect(owner) as conn:
            row = conn.execute(
                "select id from offerings_shares where offering_id = %s and token = %s",
                [offering, token],
            ).fetchone()
        assert row is not None
        return str(row[0])

    return await asyncio.to_thread(find)
