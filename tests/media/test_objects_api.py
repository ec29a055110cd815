"""Plain uploads, content addressing, serving with Range and ETag, signed URLs, list, delete."""

from __future__ import annotations

import hashlib
import io
import uuid
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backbeat.edge import state_of
from backbeat.media.cid import cid_v1_raw
from backbeat.media.models import Blob
from backbeat.media.storage import LocalStorage
from backbeat.media.tasks import sweep_blobs
from tests.conftest import RollbackReader
from tests.media.factories import (
    GPS_IFD,
    as_user,
    geotagged_jpeg,
    leftovers,
    object_count,
    png_bytes,
    upload,
    wav_bytes,
)


class TestMultipartUpload:
    async def test_audio_is_stored_by_content_with_its_upload_status(
        self, api: httpx.AsyncClient, alice: uuid.UUID, storage: LocalStorage
    ) -> None:
        data = wav_bytes()
        response = await upload(
            api, alice, data, path=f"{alice}/loops/a.wav", metadata='{"title": "Loop"}'
        )
        assert response.status_code == 201, response.text
        body = response.json()
        digest = hashlib.sha256(data).digest()
        assert body["sha256"] == digest.hex()
        assert body["cid"] == cid_v1_raw(digest)
        assert body["size"] == len(data)
        assert body["content_type"] == "audio/wav"
        assert body["metadata"] == {"title": "Loop"}
        assert body["audio_file_id"] is not None
        assert body["upload"]["state"] == "complete" and body["upload"]["progress"] == 100
        assert storage.stored_keys() == [digest.hex()]
        status = await api.get(f"/v1/uploads/{body['upload_id']}", headers=as_user(alice))
        assert status.json()["state"] == "complete"
        assert status.json()["object_id"] == body["id"]

    async def test_path_defaults_to_the_owner_folder_and_filename(
        self, api: httpx.AsyncClient, alice: uuid.UUID
    ) -> None:
        response = await upload(api, alice, wav_bytes(), name="../../etc/x.wav")
        assert response.status_code == 201
        assert response.json()["path"] == f"{alice}/x.wav"

    async def test_identical_bytes_are_stored_once(
        self,
        api: httpx.AsyncClient,
        alice: uuid.UUID,
        session: AsyncSession,
        storage: LocalStorage,
    ) -> None:
        data = wav_bytes()
        first = await upload(api, alice, data, path=f"{alice}/one.wav")
        second = await upload(api, alice, data, path=f"{alice}/two.wav")
        assert first.json()["sha256"] == second.json()["sha256"]
        assert storage.stored_keys() == [first.json()["sha256"]]
        blob = await session.get(Blob, first.json()["sha256"])
        assert blob is not None and blob.refcount == 2

    async def test_same_path_twice_is_a_conflict(
        self, api: httpx.AsyncClient, alice: uuid.UUID
    ) -> None:
        await upload(api, alice, wav_bytes(), path=f"{alice}/a.wav")
        again = await upload(api, alice, wav_bytes(freq=220), path=f"{alice}/a.wav")
        assert again.status_code == 409
        assert again.json()["code"] == "object_exists"

    async def test_signed_out_callers_cannot_upload(self, api: httpx.AsyncClient) -> None:
        response = await upload(api, None, wav_bytes())
        assert response.status_code == 401

    async def test_unknown_bucket(self, api: httpx.AsyncClient, alice: uuid.UUID) -> None:
        response = await upload(api, alice, wav_bytes(), bucket="nope")
        assert response.status_code == 404
        assert response.json()["code"] == "bucket_not_found"


class TestImages:
    async def test_preset_strips_location_and_stores_a_thumbnail(
        self, api: httpx.AsyncClient, alice: uuid.UUID, tmp_path: object
    ) -> None:
        from pathlib import Path

        source = geotagged_jpeg(Path(str(tmp_path)) / "photo.jpg", (2400, 1600))
        response = await upload(
            api, alice, source.read_bytes(), name="photo.jpg", mime="image/jpeg", preset="balanced"
        )
        assert response.status_code == 201, response.text
        path = response.json()["path"]
        stored = await api.get(f"/v1/storage/ip-track-assets/objects/{path}")
        with Image.open(io.BytesIO(stored.content)) as image:
            assert max(image.size) == 1000
            assert not image.getexif().get_ifd(GPS_IFD)
        thumb = await api.get(
            f"/v1/storage/ip-track-assets/objects/{path}", params={"variant": "thumbnail"}
        )
        assert thumb.headers["content-type"] == "image/webp"
        with Image.open(io.BytesIO(thumb.content)) as image:
            assert max(image.size) == 256

    async def test_gif_animation_is_preserved(
        self, api: httpx.AsyncClient, alice: uuid.UUID
    ) -> None:
        frames = [Image.new("RGB", (40, 40), (i * 60, 0, 0)) for i in range(4)]
        buffer = io.BytesIO()
        frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=80)
        response = await upload(api, alice, buffer.getvalue(), name="a.gif", mime="image/gif")
        assert response.status_code == 201, response.text
        stored = await api.get(f"/v1/storage/ip-track-assets/objects/{response.json()['path']}")
        with Image.open(io.BytesIO(stored.content)) as image:
            assert getattr(image, "n_frames", 1) == 4


class TestServing:
    async def test_whole_object_with_etag_then_304(
        self, api: httpx.AsyncClient, alice: uuid.UUID
    ) -> None:
        data = wav_bytes()
        body = (await upload(api, alice, data)).json()
        url = f"/v1/storage/ip-track-assets/objects/{body['path']}"
        whole = await api.get(url)
        assert whole.status_code == 200 and whole.content == data
        assert whole.headers["etag"] == f'"{body["sha256"]}"'
        assert whole.headers["accept-ranges"] == "bytes"
        cached = await api.get(url, headers={"If-None-Match": whole.headers["etag"]})
        assert cached.status_code == 304

    async def test_ranges(self, api: httpx.AsyncClient, alice: uuid.UUID) -> None:
        data = wav_bytes()
        url = (
            f"/v1/storage/ip-track-assets/objects/{(await upload(api, alice, data)).json()['path']}"
        )
        part = await api.get(url, headers={"Range": "bytes=100-199"})
        assert part.status_code == 206
        assert part.content == data[100:200]
        assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
        tail = await api.get(url, headers={"Range": "bytes=-10"})
        assert tail.content == data[-10:]
        beyond = await api.get(url, headers={"Range": f"bytes={len(data)}-"})
        assert beyond.status_code == 416
        assert beyond.headers["content-range"] == f"bytes */{len(data)}"
        assert beyond.json()["code"] == "range_not_satisfiable"

    async def test_private_bucket_needs_the_owner_or_a_signed_url(
        self, api: httpx.AsyncClient, alice: uuid.UUID, bob: uuid.UUID
    ) -> None:
        data = wav_bytes()
        body = (await upload(api, alice, data, bucket="project-audio")).json()
        url = f"/v1/storage/project-audio/objects/{body['path']}"
        assert (await api.get(url)).status_code == 404
        assert (await api.get(url, headers=as_user(bob))).status_code == 404
        assert (await api.get(url, headers=as_user(alice))).content == data
        signed = await api.post(
            "/v1/storage/project-audio/signed-urls",
            json={"path": body["path"], "expires_in": 60},
            headers=as_user(alice),
        )
        assert signed.status_code == 200, signed.text
        parts = urlsplit(signed.json()["url"])
        fetched = await api.get(f"{parts.path}?{parts.query}")
        assert fetched.status_code == 200 and fetched.content == data
        tampered = await api.get(f"{parts.path}?{parts.query.replace('expires=', 'expires=9')}")
        assert tampered.status_code == 403
        assert tampered.json()["code"] == "invalid_signature"
        not_ascii = await api.get(url, params={"expires": "9999999999", "signature": "é"})
        assert not_ascii.status_code == 403
        assert not_ascii.json()["code"] == "invalid_signature"

    async def test_expired_signed_url_is_refused(
        self, api: httpx.AsyncClient, alice: uuid.UUID
    ) -> None:
        from backbeat.media import signing

        body = (await upload(api, alice, wav_bytes(), bucket="project-audio")).json()
        app = api._transport.app  # type: ignore[attr-defined]
        key = signing.signing_key(state_of(app).settings.secret_key.get_secret_value())
        url = signing.signed_url("http://testserver", key, "project-audio", body["path"], 1000)
        response = await api.get(url)
        assert response.status_code == 403
        assert "expired" in response.json()["detail"]

    async def test_others_cannot_sign_my_objects(
        self, api: httpx.AsyncClient, alice: uuid.UUID, bob: uuid.UUID
    ) -> None:
        body = (await upload(api, alice, wav_bytes())).json()
        response = await api.post(
            "/v1/storage/ip-track-assets/signed-urls",
            json={"path": body["path"]},
            headers=as_user(bob),
        )
        assert response.status_code == 404


class TestListAndDelete:
    async def test_lists_own_objects_by_prefix_with_a_cursor(
        self, api: httpx.AsyncClient, alice: uuid.UUID, bob: uuid.UUID
    ) -> None:
        for index in range(3):
            await upload(api, alice, wav_bytes(freq=300 + index), path=f"{alice}/set/{index}.wav")
        await upload(api, alice, wav_bytes(freq=500), path=f"{alice}/other.wav")
        await upload(api, bob, wav_bytes(freq=600), path=f"{bob}/set/0.wav")
        url = "/v1/storage/ip-track-assets/objects"
        first = await api.get(
            url, params={"prefix": f"{alice}/set/", "limit": 2}, headers=as_user(alice)
        )
        assert [o["path"] for o in first.json()["items"]] == [
            f"{alice}/set/0.wav",
            f"{alice}/set/1.wav",
        ]
        cursor = first.json()["next_cursor"]
        second = await api.get(
            url, params={"prefix": f"{alice}/set/", "cursor": cursor}, headers=as_user(alice)
        )
        assert [o["path"] for o in second.json()["items"]] == [f"{alice}/set/2.wav"]
        assert second.json()["next_cursor"] is None

    async def test_a_page_costs_the_same_queries_however_many_audio_files_it_holds(
        self,
        api: httpx.AsyncClient,
        media_app: FastAPI,
        alice: uuid.UUID,
        connection: AsyncConnection,
    ) -> None:
        reader = state_of(media_app).require_database().reader
        assert isinstance(reader, RollbackReader)

        async def statements_for_one_page() -> int:
            seen: list[str] = []

            def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
                seen.append(statement)

            target = connection.sync_connection
            event.listen(target, "before_cursor_execute", record)
            lean_before = reader.fetches
            try:
                page = await api.get("/v1/storage/ip-track-assets/objects", headers=as_user(alice))
            finally:
                event.remove(target, "before_cursor_execute", record)
            assert all(item["audio_file_id"] for item in page.json()["items"])
            return len(seen) + reader.fetches - lean_before

        await upload(api, alice, wav_bytes(freq=300), path=f"{alice}/0.wav")
        with_one = await statements_for_one_page()
        for index in range(1, 4):
            await upload(api, alice, wav_bytes(freq=300 + index), path=f"{alice}/{index}.wav")
        assert await statements_for_one_page() == with_one

    async def test_delete_releases_the_bytes_to_the_sweep(
        self,
        api: httpx.AsyncClient,
        alice: uuid.UUID,
        bob: uuid.UUID,
        session: AsyncSession,
        storage: LocalStorage,
    ) -> None:
        body = (await upload(api, alice, wav_bytes())).json()
        url = f"/v1/storage/ip-track-assets/objects/{body['path']}"
        assert (await api.delete(url, headers=as_user(bob))).status_code in (403, 404)
        assert (await api.delete(url, headers=as_user(alice))).status_code == 204
        assert (await api.get(url)).status_code == 404
        refcount = await session.scalar(select(Blob.refcount).where(Blob.sha256 == body["sha256"]))
        assert refcount == 0
        await session.execute(text("reset role"))
        from datetime import timedelta

        assert await sweep_blobs(session, storage, grace=timedelta(0)) == 1
        assert storage.stored_keys() == []
        assert await object_count(session) == 0
        assert leftovers(storage) == []


class TestPng:
    async def test_png_in_avatars(self, api: httpx.AsyncClient, alice: uuid.UUID) -> None:
        response = await upload(
            api, alice, png_bytes(), bucket="avatars", name="me.png", mime="image/png"
        )
        assert response.status_code == 201
        assert response.json()["audio_file_id"] is None
