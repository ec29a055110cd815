"""Holders at an instant from the transfer history; the reserve, snapshot and expiry jobs."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.offerings.tasks import mint_started_reserves, take_snapshot
from tests.offerings.factories import NOW, buy, fund, listed_offering, move_ownership_instants
from tests.royalties.factories import EPOCH, account


class TestHoldersAt:
    async def test_ownership_at_any_instant(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist, first, second = [await account(client, session) for _ in range(3)]
        track, offering = await listed_offering(client, session, artist, artist_reserve=0)
        await fund(session, first, 10_000)
        await buy(client, offering["id"], first, 3)
        await move_ownership_instants(session, track.id, "mint", EPOCH)
        share = (
            await session.execute(
                text("select id from offerings_shares where track_id = :t and token = 2"),
                {"t": track.id},
            )
        ).scalar_one()
        await client.post(
            f"/v1/shares/{share}/transfers",
            json={"to": f"user:{second.user.id}"},
            headers=first.headers,
        )
        await move_ownership_instants(session, track.id, "transfer", EPOCH + timedelta(days=5))
        url = f"/v1/masters/{track.id}/holders"
        before = (await client.get(url, params={"at": "2025-12-31T00:00:00Z"})).json()
        assert (before["minted"], before["holders"]) == (0, [])
        early = (await client.get(url, params={"at": "2026-01-02T00:00:00Z"})).json()
        assert early["holders"] == [
            {"payee": f"user:{first.user.id}", "shares": 3, "tiers": {"1": 3}}
        ]
        now = (await client.get(url)).json()
        assert {h["payee"]: h["shares"] for h in now["holders"]} == {
            f"user:{first.user.id}": 2,
            f"user:{second.user.id}": 1,
        }
        stolen = await client.post(
            f"/v1/shares/{share}/transfers",
            json={"to": f"user:{first.user.id}"},
            headers=first.headers,
        )
        assert stolen.status_code == 403


class TestJobs:
    async def test_a_reserve_is_minted_once_the_offering_starts(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist = await account(client, session)
        _, offering = await listed_offering(
            client,
            session,
            artist,
            starts_at=(NOW + timedelta(days=1)).isoformat(),
            ends_at=(NOW + timedelta(days=2)).isoformat(),
        )
        assert await mint_started_reserves(session) == 0
        await session.execute(
            text("update offerings_offerings set starts_at = now() where id = :o"),
            {"o": offering["id"]},
        )
        assert await mint_started_reserves(session) == 1
        found = (await client.get(f"/v1/offerings/{offering['id']}")).json()
        assert found["reserve_minted_at"] is not None
        minted = await session.execute(
            text(
                "select count(*), min(token) from offerings_shares "
                "where offering_id = :o and status = 'minted'"
            ),
            {"o": offering["id"]},
        )
        assert tuple(minted.one()) == (20, 181)

    async def test_snapshots_count_minted_shares_per_holder(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist = await account(client, session)
        track, _ = await listed_offering(client, session, artist)
        await take_snapshot(session)
        rows = await session.execute(
            text("select shares from offerings_ownership_snapshots where track_id = :t"),
            {"t": track.id},
        )
        assert rows.scalars().all() == [20]
