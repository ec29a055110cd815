"""Bands over HTTP: made of your generated tracks, named from their style when unnamed, a style
vector kept as the mean of the tracks' embeddings, counts kept by triggers, followed through the
library, similar bands by style."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import pytest_asyncio
from fastapi import FastAPI
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backbeat.db import Database
from backbeat.taste.band_style import add_to_mean, band_bio, band_name, remove_from_mean
from backbeat.taste.generators import Shape
from tests.catalog.factories import User, new_user
from tests.conftest import rollback_client
from tests.generation_support import basis, generation_app, make_generated
from tests.rls import make_track

vectors = st.lists(
    st.lists(st.floats(-10, 10, allow_nan=False), min_size=4, max_size=4), min_size=1, max_size=12
)


class TestStyle:
    @settings(max_examples=60, deadline=None)
    @given(vectors)
    def test_adding_one_at_a_time_is_the_mean(self, values: list[list[float]]) -> None:
        mean: list[float] | None = None
        for count, vector in enumerate(values):
            mean = add_to_mean(mean, count, vector)
        assert mean is not None
        assert np.allclose(mean, np.mean(values, axis=0), atol=1e-9)

    @settings(max_examples=60, deadline=None)
    @given(vectors, st.data())
    def test_removing_one_is_the_mean_of_the_rest(
        self, values: list[list[float]], data: st.DataObject
    ) -> None:
        mean = list(np.mean(values, axis=0))
        gone = data.draw(st.integers(0, len(values) - 1))
        rest = values[:gone] + values[gone + 1 :]
        after = remove_from_mean(mean, len(values), values[gone])
        if not rest:
            assert after is None
        else:
            assert after is not None and np.allclose(after, np.mean(rest, axis=0), atol=1e-6)

    def test_names_are_deterministic_and_follow_the_style(self) -> None:
        shape = Shape(128.0, "Am", 0.8)
        assert band_name(shape, [0.1, 0.2]) == band_name(shape, [0.1, 0.2])
        names = {band_name(shape, [float(i), 0.0]) for i in range(20)}
        assert len(names) > 10
        assert band_name(shape, None).startswith("The ")
        bio = band_bio("The Neon Tides", shape)
        assert "driving" in bio and "minor" in bio and "restless" in bio and "128 BPM" in bio


@pytest_asyncio.fixture(loop_scope="session")
async def gen_app(
    database: Database, connection: AsyncConnection, tmp_path: Path
) -> AsyncIterator[FastAPI]:
    async with generation_app(database, connection, tmp_path / "data") as app:
        yield app


@pytest_asyncio.fixture(loop_scope="session")
async def api(gen_app: FastAPI, connection: AsyncConnection) -> AsyncIterator[httpx.AsyncClient]:
    async with rollback_client(gen_app, connection) as http:
        yield http


@pytest_asyncio.fixture(loop_scope="session")
async def alice(api: httpx.AsyncClient) -> User:
    return await new_user(api, "alice")


@pytest_asyncio.fixture(loop_scope="session")
async def bob(api: httpx.AsyncClient, alice: User) -> User:
    return await new_user(api, "bob")


async def new_band(api: httpx.AsyncClient, user: User, **body: Any) -> dict[str, Any]:
    body = {"track_ids": [], **body}
    body["track_ids"] = [str(t) for t in body["track_ids"]]
    response = await api.post("/v1/bands", json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def style_of(session: AsyncSession, band_id: str) -> tuple[list[float] | None, int]:
    row = (
        await session.execute(
            text("select style_vector::text, style_count from taste_bands where id = :b"),
            {"b": band_id},
        )
    ).one()
    return (None if row[0] is None else json.loads(row[0])), row[1]


class TestCreate:
    async def test_named_from_the_style_when_unnamed(
        self, api: httpx.AsyncClient, alice: User, session: AsyncSession
    ) -> None:
        tracks = [await make_generated(session, alice.id, embedding=basis(0)) for _ in range(2)]
        first = await new_band(api, alice, track_ids=tracks)
        again = await new_band(api, alice, track_ids=tracks)
        assert first["name"] == again["name"] and first["name"].startswith("The ")
        assert first["bio"].startswith(first["name"]) and "120 BPM in Am" in first["bio"]
        assert (first["track_count"], first["is_public"], first["style_model"]) == (
            2,
            False,
            "backbeat-audio-v1",
        )
        assert {t["track_id"] for t in first["tracks"]} == {str(t) for t in tracks}

    async def test_given_name_and_bio_are_kept(self, api: httpx.AsyncClient, alice: User) -> None:
        band = await new_band(api, alice, name="Night Shift", bio="", is_public=True)
        assert (band["name"], band["bio"], band["is_public"]) == ("Night Shift", "", True)
        assert band["style_model"] is None and band["track_count"] == 0

    async def test_only_your_generated_tracks(
        self, api: httpx.AsyncClient, alice: User, bob: User, session: AsyncSession
    ) -> None:
        bobs = await make_generated(session, bob.id)
        plain = await make_track(session, alice.id, "public")
        for track in (bobs, plain):
            body = {"track_ids": [str(track)]}
            response = await api.post("/v1/bands", json=body, headers=alice.headers)
            assert response.status_code == 422, response.text


class TestTracks:
    async def test_the_style_is_the_mean_kept_on_add_and_remove(
        self, api: httpx.AsyncClient, alice: User, session: AsyncSession
    ) -> None:
        a = await make_generated(session, alice.id, embedding=basis(0, 3.0))
        b = await make_generated(session, alice.id, embedding=basis(1, 3.0))
        c = await make_generated(session, alice.id)  # not embedded yet: no part in the style
        band = await new_band(api, alice, track_ids=[a])
        url = f"/v1/bands/{band['id']}/tracks"
        for track in (b, c):
            added = await api.post(url, json={"track_id": str(track)}, headers=alice.headers)
            assert added.status_code == 201, added.text
        assert added.json()["track_count"] == 3
        vector, count = await style_of(session, band["id"])
        assert count == 2 and vector is not None
        assert np.allclose(vector[:2], [1.5, 1.5])
        again = await api.post(url, json={"track_id": str(b)}, headers=alice.headers)
        assert again.status_code == 409
        for track in (a, c):
            gone = await api.delete(f"{url}/{track}", headers=alice.headers)
            assert gone.status_code == 204
        vector, count = await style_of(session, band["id"])
        assert count == 1 and vector is not None and np.allclose(vector[:2], [0.0, 3.0])
        assert (await api.delete(f"{url}/{b}", headers=alice.headers)).status_code == 204
        assert await style_of(session, band["id"]) == (None, 0)
        shown = (await api.get(f"/v1/bands/{band['id']}", headers=alice.headers)).json()
        assert (shown["track_count"], shown["tracks"], shown["style_model"]) == (0, [], None)
        missing = await api.delete(f"{url}/{b}", headers=alice.headers)
        assert missing.status_code == 404

    async def test_only_the_owner_changes_a_band(
        self, api: httpx.AsyncClient, alice: User, bob: User, session: AsyncSession
    ) -> None:
        band = await new_band(api, alice, is_public=True)
        track = await make_generated(session, bob.id)
        url = f"/v1/bands/{band['id']}"
        attempts = [
            await api.post(f"{url}/tracks", json={"track_id": str(track)}, headers=bob.headers),
            await api.patch(url, json={"name": "Mine"}, headers=bob.headers),
            await api.delete(url, headers=bob.headers),
        ]
        assert [r.status_code for r in attempts] == [403, 403, 403]


class TestReadAndChange:
    async def test_private_bands_are_hidden(
        self, api: httpx.AsyncClient, alice: User, bob: User
    ) -> None:
        band = await new_band(api, alice)
        assert (await api.get(f"/v1/bands/{band['id']}", headers=bob.headers)).status_code == 404
        assert (await api.get(f"/v1/bands/{band['id']}")).status_code == 404
        assert (await api.get(f"/v1/bands/{band['id']}", headers=alice.headers)).status_code == 200

    async def test_public_band_lists_only_tracks_the_reader_may_see(
        self, api: httpx.AsyncClient, alice: User, session: AsyncSession
    ) -> None:
        track = await make_generated(session, alice.id)
        band = await new_band(api, alice, track_ids=[track], is_public=True)
        shown = (await api.get(f"/v1/bands/{band['id']}")).json()
        assert shown["track_count"] == 1 and shown["tracks"] == []

    async def test_patch_and_delete(self, api: httpx.AsyncClient, alice: User) -> None:
        band = await new_band(api, alice)
        url = f"/v1/bands/{band['id']}"
        changed = await api.patch(
            url, json={"name": "Renamed", "is_public": True}, headers=alice.headers
        )
        assert changed.status_code == 200
        assert (changed.json()["name"], changed.json()["is_public"]) == ("Renamed", True)
        nulled = await api.patch(url, json={"name": None}, headers=alice.headers)
        assert nulled.status_code == 422
        assert (await api.delete(url, headers=alice.headers)).status_code == 204
        assert (await api.get(url, headers=alice.headers)).status_code == 404


class TestFollows:
    async def test_followers_are_counted_and_go_with_the_band(
        self, api: httpx.AsyncClient, alice: User, bob: User, session: AsyncSession
    ) -> None:
        band = await new_band(api, alice, is_public=True)
        url = f"/v1/me/following/band/{band['id']}"
        assert (await api.put(url, headers=bob.headers)).status_code == 204
        assert (await api.put(url, headers=bob.headers)).status_code == 204  # again: no-op
        shown = (await api.get(f"/v1/bands/{band['id']}")).json()
        assert shown["follower_count"] == 1
        assert (await api.delete(url, headers=bob.headers)).status_code == 204
        assert (await api.get(f"/v1/bands/{band['id']}")).json()["follower_count"] == 0
        assert (await api.put(url, headers=bob.headers)).status_code == 204
        await api.delete(f"/v1/bands/{band['id']}", headers=alice.headers)
        left = await session.scalar(
            text("select count(*) from library_follows where target_id = :b"), {"b": band["id"]}
        )
        assert left == 0

    async def test_a_private_or_unknown_band_cannot_be_followed(
        self, api: httpx.AsyncClient, alice: User, bob: User
    ) -> None:
        hidden = await new_band(api, alice)
        for band_id in (hidden["id"], str(uuid.uuid4())):
            url = f"/v1/me/following/band/{band_id}"
            assert (await api.put(url, headers=bob.headers)).status_code == 404

    async def test_following_users_still_works(
        self, api: httpx.AsyncClient, alice: User, bob: User, session: AsyncSession
    ) -> None:
        assert (
            await api.put(f"/v1/me/following/user/{alice.id}", headers=bob.headers)
        ).status_code == 204
        missing = await api.put(f"/v1/me/following/user/{uuid.uuid4()}", headers=bob.headers)
        assert missing.status_code == 404
        with pytest.raises(Exception, match="no user"):
            async with session.begin_nested():
                await session.execute(
                    text(
                        "insert into library_follows (follower_id, kind, target_id) "
                        "values (:f, 'user', gen_random_uuid())"
                    ),
                    {"f": bob.id},
                )


class TestSimilar:
    async def test_nearest_public_bands_first(
        self, api: httpx.AsyncClient, alice: User, bob: User, session: AsyncSession
    ) -> None:
        mine = await new_band(
            api, alice, track_ids=[await make_generated(session, alice.id, embedding=basis(0))]
        )
        near = await make_generated(session, bob.id, embedding=[1.0, 0.2] + [0.0] * 62)
        far = await make_generated(session, bob.id, embedding=basis(5))
        hidden = await make_generated(session, bob.id, embedding=basis(0))
        close = await new_band(api, bob, track_ids=[near], is_public=True)
        distant = await new_band(api, bob, track_ids=[far], is_public=True)
        await new_band(api, bob, track_ids=[hidden])
        found = (await api.get(f"/v1/bands/{mine['id']}/similar", headers=alice.headers)).json()
        assert [i["band"]["id"] for i in found["items"]] == [close["id"], distant["id"]]
        assert found["items"][0]["match"] > 90 and found["items"][1]["match"] == 0
        empty = await new_band(api, alice)
        none = (await api.get(f"/v1/bands/{empty['id']}/similar", headers=alice.headers)).json()
        assert none == {"items": []}
