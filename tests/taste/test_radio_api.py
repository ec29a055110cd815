"""Radio: a station from a seed never repeats, drifts, and skips steer it away."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.catalog.factories import User, new_track, new_user
from tests.taste.worlds import admin_user


async def fan(client: httpx.AsyncClient, admin: User, model: str) -> dict[str, list[str]]:
    """A seed on axis 0 and tracks leaving it towards axis 1 ("left") and axis 2 ("right")."""
    artist = await new_user(client, "radio_artist")
    made: dict[str, list[str]] = {"seed": [], "left": [], "right": []}
    shape = [("seed", 0, 0.0)] + [
        (side, step, step * 4.0) for step in range(1, 11) for side in ("left", "right")
    ]
    for side, step, degrees in shape:
        angle = math.radians(degrees)
        vector = [math.cos(angle), 0.0, 0.0, 0.01]
        vector[1 if side == "left" else 2] = math.sin(angle)
        track = await new_track(client, artist, title=f"{side} {step}", artist="Fan")
        response = await client.put(
            f"/v1/tracks/{track['id']}/embeddings/{model}",
            json={"vector": vector},
            headers=admin.headers,
        )
        assert response.status_code == 200, response.text
        made[side].append(track["id"])
    return made


async def next_batch(
    client: httpx.AsyncClient, user: User, station: str, n: int
) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/radio/{station}/next", params={"n": n}, headers=user.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class TestRadio:
    async def test_no_repeats_drift_and_skips_steer(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await admin_user(client, session)
        made = await client.post(
            "/v1/embedding-models",
            json={"name": "radio-four", "version": "1", "dimension": 4},
            headers=admin.headers,
        )
        assert made.status_code == 201
        tracks = await fan(client, admin, "radio-four")
        listener = await new_user(client, "radio_listener")
        started = await client.post(
            "/v1/radio",
            json={"seed": "track", "track_id": tracks["seed"][0], "model": "radio-four"},
            headers=listener.headers,
        )
        assert started.status_code == 201, started.text
        station = started.json()["id"]

        first = await next_batch(client, listener, station, 4)
        titles = [item["track"]["title"] for item in first]
        assert sorted(titles) == ["left 1", "left 2", "right 1", "right 2"]
        assert first[0]["because"][0]["track_id"] == tracks["seed"][0]
        for item in first:
            if item["track"]["title"].startswith("left"):
                listen = {
                    "listened_at": datetime.now(UTC).isoformat(),
                    "artist_name": "Fan",
                    "track_name": item["track"]["title"],
                    "track_id": item["track"]["id"],
                    "skipped": True,
                }
                posted = await client.post("/v1/listens", json=listen, headers=listener.headers)
                assert posted.status_code == 201
        second = await next_batch(client, listener, station, 6)
        sides = [item["track"]["title"].split()[0] for item in second]
        assert sides.count("right") > sides.count("left") and sides[:2] == ["right"] * 2, sides
        handed = [item["track"]["id"] for item in first + second]
        assert len(handed) == len(set(handed)) and tracks["seed"][0] not in handed
        assert min(i["match"] for i in first) >= max(i["match"] for i in second) - 1

    async def test_stations_are_their_listeners(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await admin_user(client, session)
        await client.post(
            "/v1/embedding-models",
            json={"name": "radio-own", "version": "1", "dimension": 4},
            headers=admin.headers,
        )
        tracks = await fan(client, admin, "radio-own")
        listener, other = await new_user(client, "radio_a"), await new_user(client, "radio_b")
        started = await client.post(
            "/v1/radio",
            json={"seed": "artist", "artist": "fan", "model": "radio-own"},
            headers=listener.headers,
        )
        assert started.status_code == 201, started.text
        station = started.json()["id"]
        stolen = await client.get(f"/v1/radio/{station}/next", headers=other.headers)
        no_taste = await client.post(
            "/v1/radio", json={"seed": "taste", "model": "radio-own"}, headers=other.headers
        )
        missing = await client.post(
            "/v1/radio", json={"seed": "track", "model": "radio-own"}, headers=other.headers
        )
        assert stolen.status_code == 404
        assert no_taste.status_code == 404
        assert missing.status_code == 422
        assert len(await next_batch(client, listener, station, 5)) == 5
        assert tracks
