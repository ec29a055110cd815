"""Taste over HTTP: models and vectors, the profile, taste, recommendations that move with
what a listener plays, skips and likes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.taste.service import vectors
from tests.catalog.factories import User, new_track, new_user
from tests.identity.factories import bearer
from tests.listening.factories import new_pat
from tests.taste.worlds import admin_user

CLUSTERS = {"house": 0, "ambient": 1, "drums": 2}


async def model_of(client: httpx.AsyncClient, admin: User, name: str = "api-four") -> str:
    body = {"name": name, "version": "1", "dimension": 4}
    response = await client.post("/v1/embedding-models", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    return name


async def catalog(
    client: httpx.AsyncClient, admin: User, model: str, per_cluster: int = 6
) -> dict[str, list[str]]:
    """Tracks in three styles, each with a vector near its style's axis."""
    rng = np.random.default_rng(3)
    artist = await new_user(client, "taste_artist")
    tracks: dict[str, list[str]] = {}
    for style, axis in CLUSTERS.items():
        for i in range(per_cluster):
            track = await new_track(client, artist, title=f"{style} {i}", sample_type="beats")
            vector = [float(v) for v in 0.1 + rng.uniform(0, 0.2, 4)]
            vector[axis] = 1.0
            response = await client.put(
                f"/v1/tracks/{track['id']}/embeddings/{model}",
                json={"vector": vector},
                headers=admin.headers,
            )
            assert response.status_code == 200, response.text
            tracks.setdefault(style, []).append(track["id"])
    return tracks


async def play(
    client: httpx.AsyncClient, user: User, track: str, *, skipped: bool = False, ago: int = 60
) -> None:
    body = {
        "listened_at": (datetime.now(UTC) - timedelta(seconds=ago)).isoformat(),
        "artist_name": "a",
        "track_name": track,
        "track_id": track,
        "duration_ms": 200_000,
        "ms_played": 20_000 if skipped else 200_000,
        "skipped": skipped,
    }
    response = await client.post("/v1/listens", json=body, headers=user.headers)
    assert response.status_code == 201, response.text


async def recommended(
    client: httpx.AsyncClient, user: User, model: str, k: int = 5, **filters: Any
) -> dict[str, Any]:
    response = await client.get(
        "/v1/me/recommendations", params={"model": model, "k": k, **filters}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def styles(body: dict[str, Any]) -> list[str]:
    return [item["track"]["title"].split()[0] for item in body["items"]]


class TestModels:
    async def test_admins_register_models_others_cannot(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin, someone = await admin_user(client, session), await new_user(client, "tm_plain")
        body = {"name": "mert-768", "version": "1.0", "dimension": 768}
        refused = await client.post("/v1/embedding-models", json=body, headers=someone.headers)
        made = await client.post("/v1/embedding-models", json=body, headers=admin.headers)
        again = await client.post("/v1/embedding-models", json=body, headers=admin.headers)
        listed = (await client.get("/v1/embedding-models")).json()
        assert refused.status_code == 403
        assert made.status_code == 201 and made.json()["dimension"] == 768
        assert again.status_code == 409 and again.json()["code"] == "model_exists"
        assert {"backbeat-audio-v1", "mert-768"} <= {m["name"] for m in listed}


class TestVectors:
    async def test_dimension_owner_and_scope_are_checked(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await admin_user(client, session)
        model = await model_of(client, admin)
        owner, other = await new_user(client, "tv_own"), await new_user(client, "tv_other")
        track = (await new_track(client, owner))["id"]
        url = f"/v1/tracks/{track}/embeddings/{model}"
        wrong = await client.put(url, json={"vector": [1, 0]}, headers=admin.headers)
        foreign = await client.put(url, json={"vector": [1, 0, 0, 0]}, headers=other.headers)
        listen_pat = await new_pat(client, owner, ["listens:write"])
        unscoped = await client.put(url, json={"vector": [1, 0, 0, 0]}, headers=bearer(listen_pat))
        pat = await new_pat(client, owner, ["embeddings:write"])
        pushed = await client.put(url, json={"vector": [3, 4, 0, 0]}, headers=bearer(pat))
        unknown = await client.put(
            f"/v1/tracks/{track}/embeddings/nope", json={"vector": [1]}, headers=admin.headers
        )
        assert wrong.status_code == 422 and wrong.json()["code"] == "wrong_dimension"
        assert foreign.status_code == 403
        assert unscoped.status_code == 403
        assert pushed.status_code == 200 and pushed.json()["dimension"] == 4
        assert unknown.status_code == 404


class TestRecommendations:
    async def test_plays_skips_and_likes_move_recommendations(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await admin_user(client, session)
        model = await model_of(client, admin)
        tracks = await catalog(client, admin, model)
        listener = await new_user(client, "tr_listener")
        none_yet = await client.get(
            "/v1/me/recommendations", params={"model": model}, headers=listener.headers
        )
        assert none_yet.status_code == 404 and none_yet.json()["code"] == "no_taste"

        for i, track in enumerate(tracks["house"][:3]):
            await play(client, listener, track, ago=3600 + i)
        await vectors.fold_pending(session, half_life_days=30)
        first = await recommended(client, listener, model)
        assert styles(first) == ["house"] * 3 + styles(first)[3:]
        assert set(styles(first)[3:]) <= {"ambient", "drums"}
        assert not {item["track"]["id"] for item in first["items"]} & set(tracks["house"][:3])
        assert first["items"][0]["because"][0]["track_id"] in tracks["house"][:3]

        for track in tracks["house"][:3]:
            await play(client, listener, track, skipped=True, ago=30)
        for track in tracks["ambient"][:2]:
            await play(client, listener, track, ago=20)
            liked = await client.put(f"/v1/me/library/tracks/{track}", headers=listener.headers)
            assert liked.status_code == 204
        await vectors.fold_pending(session, half_life_days=30)
        after = await recommended(client, listener, model)
        assert styles(after)[:4] == ["ambient"] * 4
        assert after["items"][0]["because"][0]["track_id"] in tracks["ambient"][:2]
        assert after["items"][0]["because"][0]["title"].startswith("ambient")

        taste = await client.get("/v1/me/taste", params={"model": model}, headers=listener.headers)
        assert taste.status_code == 200
        assert taste.json()["influences"][0]["track_id"] in tracks["ambient"][:2]

    async def test_always_k_under_filters_and_similar(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        admin = await admin_user(client, session)
        model = await model_of(client, admin)
        tracks = await catalog(client, admin, model, per_cluster=8)
        slow = tracks["drums"][:3]
        await session.execute(
            text("update catalog_tracks set bpm = 70 where id = any(cast(:ids as uuid[]))"),
            {"ids": slow},
        )
        listener = await new_user(client, "tk_listener")
        for track in tracks["house"][:2]:
            await play(client, listener, track)
        await vectors.fold_pending(session, half_life_days=30)
        full = await recommended(client, listener, model, k=20)
        filtered = await recommended(client, listener, model, k=3, bpm_max=100)
        fewer = await recommended(client, listener, model, k=8, bpm_max=100)
        assert len(full["items"]) == 20  # 24 tracks, 2 heard recently
        assert all(0 <= item["match"] <= 100 for item in full["items"])
        assert {item["track"]["id"] for item in filtered["items"]} == set(slow)
        assert len(fewer["items"]) == 3  # only three exist

        drum = tracks["drums"][0]
        similar = await client.get(
            f"/v1/tracks/{drum}/similar", params={"model": model, "k": 7}, headers=listener.headers
        )
        assert similar.status_code == 200, similar.text
        items = similar.json()["items"]
        assert len(items) == 7 and {i["track"]["title"].split()[0] for i in items} == {"drums"}
        assert drum not in {i["track"]["id"] for i in items}
        assert items[0]["because"] == [{"track_id": drum, "title": "drums 0", "weight": 1.0}]
        anonymous = await client.get(f"/v1/tracks/{drum}/similar", params={"model": model})
        assert anonymous.status_code == 200, anonymous.text
