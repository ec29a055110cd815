"""GET /v1/tracks search and GET /v1/creators/{username}/store."""

from __future__ import annotations

import httpx

from tests.catalog.factories import new_track, new_user


class TestSearch:
    async def test_weighted_prefix_search(self, client: httpx.AsyncClient) -> None:
        alice = await new_user(client)
        in_desc = await new_track(client, alice, title="Other", description="a midnight mood")
        in_title = await new_track(client, alice, title="Midnight City")
        in_tags = await new_track(client, alice, title="Third", tags=["midnight"])
        found = await client.get("/v1/tracks", params={"q": "midn", "creator": alice.username})
        ids = [t["id"] for t in found.json()["items"]]
        assert ids == [in_title["id"], in_tags["id"], in_desc["id"]]
        assert found.json()["items"][0]["contact_info"] is None

    async def test_filters(self, client: httpx.AsyncClient) -> None:
        alice = await new_user(client)
        fast = await new_track(
            client, alice, sample_type="BEATS", bpm=140, key="F#m", tags=["trap"]
        )
        await new_track(client, alice, sample_type="vocals", bpm=90, key="C")
        params: dict[str, str | int] = {
            "creator": str(alice.id),
            "sample_type": "beats",
            "bpm_min": 120,
            "key": "f# minor",
            "tag": "TRAP",
        }
        found = await client.get("/v1/tracks", params=params)
        assert [t["id"] for t in found.json()["items"]] == [fast["id"]]
        bad = await client.get("/v1/tracks", params={"sample_type": "kazoo"})
        assert bad.status_code == 422

    async def test_keyset_pages_cover_everything_once(self, client: httpx.AsyncClient) -> None:
        alice = await new_user(client)
        for i in range(7):
            await new_track(client, alice, title=f"T{i}", bpm=100 + (i % 3))
        for sort in ("newest", "title", "bpm"):
            seen: list[str] = []
            cursor = None
            while True:
                params: dict[str, str | int] = {"creator": alice.username, "sort": sort, "limit": 3}
                if cursor:
                    params["cursor"] = cursor
                page = (await client.get("/v1/tracks", params=params)).json()
                seen += [t["id"] for t in page["items"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert len(seen) == 7 and len(set(seen)) == 7, sort
        titles = await client.get("/v1/tracks", params={"creator": alice.username, "sort": "title"})
        assert [t["title"] for t in titles.json()["items"]] == [f"T{i}" for i in range(7)]

    async def test_a_forged_cursor_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/tracks", params={"cursor": "not-a-cursor"})
        assert response.status_code == 422


class TestCreatorStore:
    async def test_public_tracks_and_counts(self, client: httpx.AsyncClient) -> None:
        alice = await new_user(client)
        await new_track(client, alice, sample_type="VOCALS")
        await new_track(client, alice, title="b", sample_type="vocals")
        await new_track(client, alice, title="c", sample_type="beats")
        await new_track(client, alice, title="d", sample_type="beats", visibility="private")
        store = await client.get(f"/v1/creators/{alice.username}/store")
        assert store.status_code == 200
        body = store.json()
        assert body["counts"] == {"beats": 1, "vocals": 2}
        assert body["total"] == 3 and len(body["tracks"]["items"]) == 3
        assert (await client.get("/v1/creators/nobody_here/store")).status_code == 404
