from __future__ import annotations

import httpx

from tests.catalog.helpers import new_track, new_user


async def test_smoke(client: httpx.AsyncClient) -> None:
    alice = await new_user(client)
    track = await new_track(client, alice)
    r = await client.get(f"/v1/tracks/{track['id']}/splits")
    assert r.status_code == 200, r.text
    assert r.json()["composition"]["entries"] == [
        {"payee": alice.payee, "share": "100", "role": "composer"}
    ]
