"""Concurrent inserts between the same two items all land, in order, without renumbering."""

from __future__ import annotations

import asyncio

import httpx

from backbeat.app import create_app
from backbeat.db import Database
from tests.catalog.factories import new_track, new_user
from tests.conftest import settings_for_tests


async def test_concurrent_inserts_between_the_same_neighbours_all_land(
    committed_database: Database,
) -> None:
    app = create_app(settings_for_tests(), database=committed_database)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        owner = await new_user(client)
        friend = await new_user(client, "fan")
        track = await new_track(client, owner)
        made = await client.post(
            "/v1/playlists", json={"name": "Race", "collaborative": True}, headers=owner.headers
        )
        playlist = made.json()["id"]
        await client.post(
            f"/v1/playlists/{playlist}/members",
            json={"username": friend.username},
            headers=owner.headers,
        )
        url = f"/v1/playlists/{playlist}/items"
        low = (await client.post(url, json={"track_id": track["id"]}, headers=owner.headers)).json()
        high = (
            await client.post(url, json={"track_id": track["id"]}, headers=owner.headers)
        ).json()
        before = (await client.get(f"/v1/playlists/{playlist}", headers=owner.headers)).json()
        body = {"track_id": track["id"], "after": low["id"], "before": high["id"]}
        responses = await asyncio.gather(
            *(client.post(url, json=body, headers=who.headers) for who in [owner, friend] * 4)
        )
        assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
        after = (await client.get(f"/v1/playlists/{playlist}", headers=owner.headers)).json()
    ids = [item["id"] for item in after["items"]]
    new = {r.json()["id"] for r in responses}
    assert ids[0] == low["id"] and ids[-1] == high["id"] and set(ids[1:-1]) == new
    positions = [item["position"] for item in after["items"]]
    assert positions == sorted(positions) and len(set(positions)) == 10
    kept = {i["id"]: i["position"] for i in before["items"]}
    assert {i["id"]: i["position"] for i in after["items"] if i["id"] in kept} == kept
