"""Masters: the guarded, audited lifecycle; offerings: configuration rules and the listing."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.offerings.factories import listed_offering, offering_body, owned_track, step
from tests.royalties.factories import account


class TestLifecycle:
    async def test_each_step_is_guarded_and_audited(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist = await account(client, session)
        track = await owned_track(session, artist)
        fresh = (await client.get(f"/v1/masters/{track.id}")).json()
        assert (fresh["state"], fresh["allowed"], fresh["history"]) == (
            "draft",
            ["in_vstudio", "locked"],
            [],
        )
        refused = await step(client, track, "listed", artist)
        assert refused.status_code == 409
        assert refused.json()["code"] == "transition_refused"
        assert refused.json()["allowed"] == ["in_vstudio", "locked"]
        assert (await step(client, track, "in_vstudio", artist)).status_code == 200
        locked = (await step(client, track, "locked", artist)).json()
        assert locked["allowed"] == ["draft"]  # no `minted` without an offering
        assert [(h["from_state"], h["to_state"]) for h in locked["history"]] == [
            ("draft", "in_vstudio"),
            ("in_vstudio", "locked"),
        ]
        assert {h["actor_id"] for h in locked["history"]} == {str(artist.user.id)}

    async def test_listing_publishes_and_minting_records_the_collection_cid(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist = await account(client, session)
        track, _ = await listed_offering(client, session, artist)
        master = (await client.get(f"/v1/masters/{track.id}")).json()
        assert master["state"] == "listed" and master["published_at"] is not None
        collection = (await client.get(f"/v1/masters/{track.id}/contract-metadata")).json()
        assert master["metadata_cid"] == collection["cid"]
        back = await step(client, track, "draft", artist)
        assert (back.status_code, back.json()["allowed"]) == (409, ["sold"])

    async def test_only_the_creator_moves_it(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist, stranger = await account(client, session), await account(client, session)
        track = await owned_track(session, artist)
        assert (await step(client, track, "locked", stranger)).status_code == 403

    async def test_genre_and_moods_until_minted(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist = await account(client, session)
        track = await owned_track(session, artist)
        put = await client.put(
            f"/v1/masters/{track.id}",
            json={"genre": "house", "mood_tags": ["warm", "late"]},
            headers=artist.headers,
        )
        assert put.status_code == 200
        assert (put.json()["genre"], put.json()["mood_tags"]) == ("house", ["warm", "late"])


async def offer(client: httpx.AsyncClient, session: AsyncSession, **config: Any) -> httpx.Response:
    artist = await account(client, session)
    track = await owned_track(session, artist)
    await step(client, track, "locked", artist)
    return await client.post(
        f"/v1/masters/{track.id}/offering", json=offering_body(**config), headers=artist.headers
    )


class TestOfferingConfiguration:
    async def test_default_tiers_are_mover_advantage(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        created = await offer(client, session, total_supply=1000, artist_reserve=0)
        tiers = [(t["count"], t["pool"], t["per_share"]) for t in created.json()["tiers"]]
        assert tiers == [
            (10, "10", "1"),
            (40, "5", "0.125"),
            (50, "3", "0.06"),
            (900, "1", "0.00111111"),
        ]

    async def test_custom_tiers_with_the_rest(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        created = await offer(
            client, session, total_supply=30, tiers=[{"count": 5, "pool": "20.5"}, {"pool": "2"}]
        )
        assert created.status_code == 201, created.text
        assert [(t["first_token"], t["last_token"]) for t in created.json()["tiers"]] == [
            (1, 5),
            (6, 30),
        ]

    async def test_errors_name_the_field(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        cases: list[tuple[dict[str, Any], str]] = [
            ({"tiers": [{"count": 100, "pool": "60"}, {"pool": "50"}]}, "tiers[1].pool"),
            ({"tiers": [{"pool": "1"}, {"pool": "1"}]}, "tiers[0].count"),
            ({"tiers": [{"count": 10, "pool": "1"}]}, "tiers"),
            ({"artist_reserve": 200}, "artist_reserve"),
            ({"asset": "XYZ"}, "asset"),
            ({"ends_at": "2020-01-01T00:00:00Z"}, "ends_at"),
        ]
        for config, field in cases:
            refused = await offer(client, session, **config)
            assert refused.status_code == 422, (config, refused.text)
            assert refused.json()["field"] == field

    async def test_an_offering_needs_a_locked_master(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        artist = await account(client, session)
        track = await owned_track(session, artist)
        refused = await client.post(
            f"/v1/masters/{track.id}/offering", json=offering_body(), headers=artist.headers
        )
        assert (refused.status_code, refused.json()["code"]) == (409, "transition_refused")

    async def test_the_listing_pages_newest_first_with_sold_counts(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await session.execute(text("delete from offerings_shares; delete from offerings_tiers"))
        await session.execute(text("delete from offerings_offerings"))
        ids = [(await offer(client, session)).json()["id"] for _ in range(3)]
        first = (await client.get("/v1/offerings?limit=2")).json()
        assert [o["id"] for o in first["items"]] == ids[::-1][:2]
        rest = (await client.get(f"/v1/offerings?limit=2&cursor={first['next_cursor']}")).json()
        assert [o["id"] for o in rest["items"]] == ids[:1] and rest["next_cursor"] is None
        assert first["items"][0]["sold"] == 0 and first["items"][0]["remaining"] == 180
