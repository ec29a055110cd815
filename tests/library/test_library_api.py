"""Likes, dislikes, follows (counts kept by the trigger) and the feed, over HTTP."""

from __future__ import annotations

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.catalog.factories import new_track, new_user


class TestLikes:
    async def test_like_list_unlike(self, client: httpx.AsyncClient) -> None:
        artist = await new_user(client)
        first = await new_track(client, artist, title="One")
        second = await new_track(client, artist, title="Two")
        fan = await new_user(client, "fan")
        for track in (first, second, first):
            liked = await client.put(f"/v1/me/library/tracks/{track['id']}", headers=fan.headers)
            assert liked.status_code == 204
        page = (await client.get("/v1/me/library/tracks", headers=fan.headers)).json()
        assert [i["track"]["title"] for i in page["items"]] == ["Two", "One"]
        await client.delete(f"/v1/me/library/tracks/{second['id']}", headers=fan.headers)
        page = (await client.get("/v1/me/library/tracks", headers=fan.headers)).json()
        assert [i["track_id"] for i in page["items"]] == [first["id"]]

    async def test_keyset_pages(self, client: httpx.AsyncClient) -> None:
        artist = await new_user(client)
        fan = await new_user(client, "fan")
        for n in range(3):
            track = await new_track(client, artist, title=f"T{n}")
            await client.put(f"/v1/me/library/tracks/{track['id']}", headers=fan.headers)
        first = (await client.get("/v1/me/library/tracks?limit=2", headers=fan.headers)).json()
        rest = await client.get(
            "/v1/me/library/tracks", params={"cursor": first["next_cursor"]}, headers=fan.headers
        )
        titles = [i["track"]["title"] for i in first["items"] + rest.json()["items"]]
        assert titles == ["T2", "T1", "T0"] and rest.json()["next_cursor"] is None

    async def test_a_liked_track_made_private_shows_unavailable(
        self, client: httpx.AsyncClient
    ) -> None:
        artist = await new_user(client)
        track = await new_track(client, artist, title="Secret")
        fan = await new_user(client, "fan")
        await client.put(f"/v1/me/library/tracks/{track['id']}", headers=fan.headers)
        hidden = await client.patch(
            f"/v1/tracks/{track['id']}", json={"visibility": "private"}, headers=artist.headers
        )
        assert hidden.status_code == 200, hidden.text
        (item,) = (await client.get("/v1/me/library/tracks", headers=fan.headers)).json()["items"]
        assert item["available"] is False and item["track"] is None

    async def test_a_dislike_replaces_a_like_and_unknown_tracks_404(
        self, client: httpx.AsyncClient
    ) -> None:
        artist = await new_user(client)
        track = await new_track(client, artist)
        fan = await new_user(client, "fan")
        await client.put(f"/v1/me/library/tracks/{track['id']}", headers=fan.headers)
        assert (
            await client.put(f"/v1/me/dislikes/{track['id']}", headers=fan.headers)
        ).status_code == 204
        page = (await client.get("/v1/me/library/tracks", headers=fan.headers)).json()
        assert page["items"] == []
        missing = await client.put(
            "/v1/me/library/tracks/00000000-0000-0000-0000-000000000000", headers=fan.headers
        )
        assert missing.status_code == 404


class TestFollows:
    async def test_counts_follow_follows_and_unfollows(self, client: httpx.AsyncClient) -> None:
        artist = await new_user(client)
        await new_track(client, artist)
        fans = [await new_user(client, "fan") for _ in range(3)]
        for fan in fans:
            put = await client.put(f"/v1/me/following/creator/{artist.id}", headers=fan.headers)
            assert put.status_code == 204, put.text
        await client.put(f"/v1/me/following/creator/{artist.id}", headers=fans[0].headers)
        await client.put(f"/v1/me/following/user/{artist.id}", headers=fans[0].headers)
        await client.delete(f"/v1/me/following/creator/{artist.id}", headers=fans[1].headers)
        page = (await client.get(f"/v1/users/{artist.username}/followers")).json()
        assert (page["creator_followers"], page["followers"]) == (2, 1)
        assert {i["user"]["username"] for i in page["items"]} == {
            fans[0].username,
            fans[2].username,
        }
        mine = (await client.get("/v1/me/following", headers=fans[0].headers)).json()
        assert sorted(i["kind"] for i in mine["items"]) == ["creator", "user"]

    async def test_refusals(self, client: httpx.AsyncClient) -> None:
        listener = await new_user(client, "listener")
        fan = await new_user(client, "fan")
        self_follow = await client.put(f"/v1/me/following/user/{fan.id}", headers=fan.headers)
        assert self_follow.status_code == 422
        not_creator = await client.put(
            f"/v1/me/following/creator/{listener.id}", headers=fan.headers
        )
        assert not_creator.json()["code"] == "not_a_creator"
        nobody = await client.put(
            "/v1/me/following/user/00000000-0000-0000-0000-000000000000", headers=fan.headers
        )
        assert nobody.status_code == 404


class TestFeed:
    async def test_new_public_tracks_of_followed_creators_newest_first(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        followed = await new_user(client)
        other = await new_user(client)
        fan = await new_user(client, "fan")
        old = await new_track(client, followed, title="Old")
        await client.put(f"/v1/me/following/creator/{followed.id}", headers=fan.headers)
        await new_track(client, followed, title="New")
        await session.execute(  # one test transaction: give "Old" an older time
            text("update catalog_tracks set created_at = now() - interval '1 day' where id = :id"),
            {"id": old["id"]},
        )
        await new_track(client, followed, title="Hidden", visibility="private")
        await new_track(client, other, title="Elsewhere")
        feed = (await client.get("/v1/me/feed?limit=1", headers=fan.headers)).json()
        assert [t["title"] for t in feed["items"]] == ["New"]
        more = await client.get(
            "/v1/me/feed", params={"cursor": feed["next_cursor"]}, headers=fan.headers
        )
        assert [t["title"] for t in more.json()["items"]] == ["Old"]
