"""Tracks link uploaded files; analysis fills bpm, key and duration unless the owner set them."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.models import Track
from backbeat.catalog.vocabulary import normalise_key
from backbeat.edge import state_of
from backbeat.identity.auth import resolve_claims
from backbeat.media.links import fill
from backbeat.media.storage import LocalStorage
from backbeat.media.tasks import analyse_audio_file
from tests.catalog.factories import User, new_user
from tests.media.factories import click_loop, png_bytes, wav_bytes


@pytest_asyncio.fixture(loop_scope="session")
async def alice(api: httpx.AsyncClient, media_app: FastAPI) -> User:
    """Catalog routes need a real signed-in caller: identity's own token resolver."""
    state_of(media_app).claims_resolver = resolve_claims
    return await new_user(api, "alice")


@pytest_asyncio.fixture(loop_scope="session")
async def bob(api: httpx.AsyncClient, alice: User) -> User:
    return await new_user(api, "bob")


async def new_track(api: httpx.AsyncClient, owner: User, **fields: Any) -> dict[str, Any]:
    body = {"title": "Night Drive", "artist": "Luna", "sample_type": "beats", **fields}
    response = await api.post("/v1/tracks", json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def get_track(api: httpx.AsyncClient, owner: User, track_id: str) -> Any:
    return (await api.get(f"/v1/tracks/{track_id}", headers=owner.headers)).json()


async def patch(api: httpx.AsyncClient, owner: User, track_id: str, **body: Any) -> Any:
    return await api.patch(f"/v1/tracks/{track_id}", json=body, headers=owner.headers)


async def uploaded(
    api: httpx.AsyncClient,
    owner: User,
    data: bytes,
    *,
    name: str = "a.wav",
    mime: str = "audio/wav",
) -> Any:
    response = await api.post(
        "/v1/storage/ip-track-assets/objects",
        files={"file": (name, data, mime)},
        data={"path": f"{owner.id}/{uuid.uuid4().hex}"},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def analyse(app: FastAPI, storage: LocalStorage, audio: dict[str, Any]) -> None:
    status = await analyse_audio_file(
        state_of(app).require_database(), storage, uuid.UUID(audio["audio_file_id"])
    )
    assert status == "complete"


class TestFill:
    @pytest.mark.parametrize(
        ("current", "filled", "updates", "after"),
        [
            ({"bpm": None, "key": None}, [], {"bpm": 120.0, "key": "Am"}, ["bpm", "key"]),
            ({"bpm": 95.0, "key": None}, [], {"key": "Am"}, ["key"]),
            ({"bpm": 118.0, "key": "C"}, ["bpm"], {"bpm": 120.0}, ["bpm"]),
            ({"bpm": 95.0, "key": "C"}, [], {}, []),
        ],
    )
    def test_only_unset_or_analysis_filled_fields_change(
        self,
        current: dict[str, Any],
        filled: list[str],
        updates: dict[str, Any],
        after: list[str],
    ) -> None:
        assert fill(current, filled, {"bpm": 120.0, "key": "Am"}) == (updates, after)

    def test_nothing_found_fills_nothing(self) -> None:
        assert fill({"bpm": None}, [], {"bpm": None}) == ({}, [])


class TestLinking:
    async def test_analysis_keeps_owner_bpm_fills_key_and_duration(
        self, api: httpx.AsyncClient, media_app: FastAPI, alice: User, storage: LocalStorage
    ) -> None:
        audio = await uploaded(api, alice, click_loop(bpm=120.0))
        track = await new_track(api, alice, bpm=92)
        linked = await patch(api, alice, track["id"], audio_object_id=audio["id"])
        assert linked.status_code == 200, linked.text
        assert linked.json()["duration_seconds"] == pytest.approx(8.0)
        assert linked.json()["key"] is None
        await analyse(media_app, storage, audio)
        after = await get_track(api, alice, track["id"])
        record = (await api.get(f"/v1/audio-files/{audio['audio_file_id']}")).json()
        assert after["bpm"] == 92
        assert record["bpm"] == pytest.approx(120.0, abs=2.0)
        assert record["key"] is not None and after["key"] == normalise_key(record["key"])
        assert after["duration_seconds"] == pytest.approx(8.0)

    async def test_a_track_linked_after_analysis_takes_the_values_at_once(
        self, api: httpx.AsyncClient, media_app: FastAPI, alice: User, storage: LocalStorage
    ) -> None:
        audio = await uploaded(api, alice, click_loop(bpm=100.0, seconds=6.0))
        await analyse(media_app, storage, audio)
        track = await new_track(api, alice, audio_object_id=audio["id"])
        assert track["bpm"] == pytest.approx(100.0, abs=2.0)
        assert track["key"] is not None
        assert track["duration_seconds"] == pytest.approx(6.0)

    async def test_owner_values_set_later_win_over_analysis(
        self, api: httpx.AsyncClient, media_app: FastAPI, alice: User, storage: LocalStorage
    ) -> None:
        audio = await uploaded(api, alice, click_loop(bpm=100.0, seconds=6.0))
        track = await new_track(api, alice, audio_object_id=audio["id"])
        await patch(api, alice, track["id"], bpm=87)
        await analyse(media_app, storage, audio)
        after = await get_track(api, alice, track["id"])
        assert after["bpm"] == 87 and after["key"] is not None

    async def test_relinking_replaces_what_the_old_audio_filled(
        self, api: httpx.AsyncClient, alice: User
    ) -> None:
        first = await uploaded(api, alice, wav_bytes(2.0))
        second = await uploaded(api, alice, wav_bytes(3.0, freq=330))
        track = await new_track(api, alice, audio_object_id=first["id"])
        assert track["duration_seconds"] == pytest.approx(2.0)
        relinked = await patch(api, alice, track["id"], audio_object_id=second["id"])
        assert relinked.json()["duration_seconds"] == pytest.approx(3.0)
        unlinked = await patch(api, alice, track["id"], audio_object_id=None)
        assert unlinked.json()["duration_seconds"] is None

    async def test_deleted_tracks_are_not_filled(
        self,
        api: httpx.AsyncClient,
        media_app: FastAPI,
        alice: User,
        storage: LocalStorage,
        session: AsyncSession,
    ) -> None:
        audio = await uploaded(api, alice, click_loop(bpm=100.0, seconds=6.0))
        track = await new_track(api, alice, audio_object_id=audio["id"])
        assert (await api.delete(f"/v1/tracks/{track['id']}", headers=alice.headers)).is_success
        await analyse(media_app, storage, audio)
        row = await session.get(Track, uuid.UUID(track["id"]), populate_existing=True)
        assert row is not None and row.bpm is None

    async def test_deleting_a_linked_object_unlinks_it(
        self, api: httpx.AsyncClient, alice: User
    ) -> None:
        audio = await uploaded(api, alice, wav_bytes(2.0))
        cover = await uploaded(api, alice, png_bytes(), name="c.png", mime="image/png")
        track = await new_track(
            api, alice, bpm=90, audio_object_id=audio["id"], cover_object_id=cover["id"]
        )
        for stored in (audio, cover):
            url = f"/v1/storage/ip-track-assets/objects/{stored['path']}"
            assert (await api.delete(url, headers=alice.headers)).status_code == 204
        after = await get_track(api, alice, track["id"])
        assert after["audio_object_id"] is None and after["cover_object_id"] is None
        assert after["duration_seconds"] is None and after["bpm"] == 90


class TestLinkRefusals:
    async def test_an_unknown_object_is_refused(self, api: httpx.AsyncClient, alice: User) -> None:
        track = await new_track(api, alice)
        response = await patch(api, alice, track["id"], audio_object_id=str(uuid.uuid4()))
        assert response.status_code == 422
        assert response.json()["code"] == "linked_object_not_found"

    async def test_another_users_object_is_refused(
        self, api: httpx.AsyncClient, alice: User, bob: User
    ) -> None:
        bobs = await uploaded(api, bob, wav_bytes())
        track = await new_track(api, alice)
        response = await patch(api, alice, track["id"], audio_object_id=bobs["id"])
        assert response.status_code == 403
        assert response.json()["code"] == "foreign_object"

    async def test_audio_and_cover_must_be_the_right_kind(
        self, api: httpx.AsyncClient, alice: User
    ) -> None:
        image = await uploaded(api, alice, png_bytes(), name="c.png", mime="image/png")
        sound = await uploaded(api, alice, wav_bytes())
        track = await new_track(api, alice)
        wrong_audio = await patch(api, alice, track["id"], audio_object_id=image["id"])
        wrong_cover = await patch(api, alice, track["id"], cover_object_id=sound["id"])
        assert wrong_audio.json()["code"] == wrong_cover.json()["code"] == "wrong_object_kind"
        right = await patch(api, alice, track["id"], cover_object_id=image["id"])
        assert right.status_code == 200 and right.json()["cover_object_id"] == image["id"]

    async def test_creating_a_track_checks_its_references_too(
        self, api: httpx.AsyncClient, alice: User
    ) -> None:
        body = {"title": "X", "artist": "Y", "sample_type": "beats"}
        body["cover_object_id"] = str(uuid.uuid4())
        response = await api.post("/v1/tracks", json=body, headers=alice.headers)
        assert response.status_code == 422
        assert response.json()["code"] == "linked_object_not_found"
