"""Playlists over HTTP: order by fractional keys, collaborators, privacy, JSPF and M3U."""

from __future__ import annotations

from typing import Any

import httpx

from tests.catalog.factories import User, new_track, new_user


async def new_playlist(client: httpx.AsyncClient, owner: User, **fields: Any) -> dict[str, Any]:
    response = await client.post(
        "/v1/playlists", json={"name": "Night mix", **fields}, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def add(
    client: httpx.AsyncClient,
    user: User,
    playlist: dict[str, Any],
    track: dict[str, Any],
    **where: str,
) -> httpx.Response:
    body = {"track_id": track["id"], **where}
    return await client.post(
        f"/v1/playlists/{playlist['id']}/items", json=body, headers=user.headers
    )


async def titles(
    client: httpx.AsyncClient, user: User | None, playlist: dict[str, Any]
) -> list[Any]:
    headers = user.headers if user else {}
    got = await client.get(f"/v1/playlists/{playlist['id']}", headers=headers)
    assert got.status_code == 200, got.text
    return [i["track"]["title"] if i["available"] else None for i in got.json()["items"]]


class TestItems:
    async def test_insert_before_after_and_at_the_end(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        a, b, c, d = [await new_track(client, owner, title=t) for t in "ABCD"]
        playlist = await new_playlist(client, owner)
        first = (await add(client, owner, playlist, a)).json()["id"]
        last = (await add(client, owner, playlist, c)).json()["id"]
        assert (await add(client, owner, playlist, b, after=first)).status_code == 201
        assert (await add(client, owner, playlist, d, before=first)).status_code == 201
        assert await titles(client, owner, playlist) == ["D", "A", "B", "C"]
        moved = await client.patch(
            f"/v1/playlists/{playlist['id']}/items/{last}",
            json={"before": first},
            headers=owner.headers,
        )
        assert moved.status_code == 204
        assert await titles(client, owner, playlist) == ["D", "C", "A", "B"]

    async def test_after_must_come_before_before(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        tracks = [await new_track(client, owner, title=t) for t in "ABC"]
        playlist = await new_playlist(client, owner)
        ids = [(await add(client, owner, playlist, t)).json()["id"] for t in tracks]
        wrong = await add(client, owner, playlist, tracks[0], after=ids[2], before=ids[0])
        assert wrong.status_code == 409 and wrong.json()["code"] == "bad_neighbours"
        apart = await add(client, owner, playlist, tracks[1], after=ids[0], before=ids[2])
        assert apart.status_code == 201
        assert await titles(client, owner, playlist) == ["A", "B", "B", "C"]

    async def test_many_inserts_at_one_place_stay_in_order_and_rebalance(
        self, client: httpx.AsyncClient
    ) -> None:
        owner = await new_user(client)
        head = await new_track(client, owner, title="head")
        track = await new_track(client, owner, title="x")
        playlist = await new_playlist(client, owner)
        anchor = (await add(client, owner, playlist, head)).json()["id"]
        for _ in range(300):  # each new item goes right after the anchor: keys grow, then spread
            assert (await add(client, owner, playlist, track, after=anchor)).status_code == 201
        got = (
            await client.get(f"/v1/playlists/{playlist['id']}?limit=500", headers=owner.headers)
        ).json()
        positions = [i["position"] for i in got["items"]]
        assert got["item_count"] == 301 and positions == sorted(positions)
        assert max(len(p) for p in positions) <= 48

    async def test_a_private_track_shows_as_unavailable_to_others(
        self, client: httpx.AsyncClient
    ) -> None:
        owner = await new_user(client)
        mine = await new_track(client, owner, title="Mine", visibility="private")
        playlist = await new_playlist(client, owner, is_public=True)
        await add(client, owner, playlist, mine)
        assert await titles(client, owner, playlist) == ["Mine"]
        other = await client.get(f"/v1/playlists/{playlist['id']}")
        (item,) = other.json()["items"]
        assert item == {**item, "available": False, "track": None, "track_id": None}


class TestAccess:
    async def test_private_playlists_are_hidden_and_only_the_owner_edits(
        self, client: httpx.AsyncClient
    ) -> None:
        owner = await new_user(client)
        stranger = await new_user(client, "fan")
        track = await new_track(client, owner)
        playlist = await new_playlist(client, owner)
        assert (await client.get(f"/v1/playlists/{playlist['id']}")).status_code == 404
        assert (await add(client, stranger, playlist, track)).status_code == 404
        public = await new_playlist(client, owner, is_public=True)
        refused = await add(client, stranger, public, track)
        assert refused.status_code == 403
        listed = (await client.get(f"/v1/users/{owner.username}/playlists")).json()
        assert [p["id"] for p in listed["items"]] == [public["id"]]

    async def test_members_of_a_collaborative_playlist_add_and_move(
        self, client: httpx.AsyncClient
    ) -> None:
        owner = await new_user(client)
        friend = await new_user(client, "fan")
        track = await new_track(client, owner)
        playlist = await new_playlist(client, owner, collaborative=True)
        joined = await client.post(
            f"/v1/playlists/{playlist['id']}/members",
            json={"username": friend.username},
            headers=owner.headers,
        )
        assert joined.status_code == 201
        assert (await add(client, friend, playlist, track)).status_code == 201
        assert await titles(client, friend, playlist) == ["Night Drive"]
        renamed = await client.patch(
            f"/v1/playlists/{playlist['id']}", json={"name": "x"}, headers=friend.headers
        )
        assert renamed.status_code == 403


class TestTransfer:
    async def test_jspf_and_m3u_export_and_jspf_import(self, client: httpx.AsyncClient) -> None:
        owner = await new_user(client)
        a = await new_track(client, owner, title="Alpha", artist="Luna", duration_seconds=61.4)
        b = await new_track(client, owner, title="Beta", artist="Sol")
        playlist = await new_playlist(client, owner, is_public=True, description="Late")
        for track in (a, b):
            await add(client, owner, playlist, track)
        exported = await client.get(f"/v1/playlists/{playlist['id']}/export?format=jspf")
        document = exported.json()
        assert exported.headers["content-type"].startswith("application/jspf+json")
        tracks = document["playlist"]["track"]
        assert [(t["title"], t["creator"]) for t in tracks] == [("Alpha", "Luna"), ("Beta", "Sol")]
        assert tracks[0]["duration"] == 61400 and tracks[0]["identifier"][0].endswith(a["id"])
        m3u = (await client.get(f"/v1/playlists/{playlist['id']}/export?format=m3u")).text
        assert m3u.splitlines()[:4] == [
            "#EXTM3U",
            "#PLAYLIST:Night mix",
            "#EXTINF:61,Luna - Alpha",
            f"http://localhost:8000/v1/tracks/{a['id']}",
        ]
        document["playlist"]["track"].append({"creator": " sol ", "title": "BETA"})
        document["playlist"]["track"].append({"creator": "Nobody", "title": "Nothing"})
        imported = await client.post("/v1/playlists/import", json=document, headers=owner.headers)
        assert imported.status_code == 201, imported.text
        assert (imported.json()["added"], imported.json()["unmatched"]) == (3, 1)
        copy = {"id": imported.json()["playlist_id"]}
        assert await titles(client, owner, copy) == ["Alpha", "Beta", "Beta"]
