"""tus 1.0: creation, offsets, resume after a dropped connection, expiry; progress over SSE."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Message

from backbeat.media.storage import LocalStorage
from backbeat.media.tasks import expire_uploads
from tests.media.factories import TEST_USER_HEADER, as_user, leftovers, object_count, wav_bytes

TUS = {"Tus-Resumable": "1.0.0"}
BUCKET_URL = "/v1/storage/ip-track-assets/uploads"


def metadata(**pairs: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in pairs.items())


async def create(
    api: httpx.AsyncClient, user: uuid.UUID, length: int, **pairs: str
) -> httpx.Response:
    pairs = {"filename": "loop.wav", "filetype": "audio/wav", **pairs}
    headers = {**TUS, "Upload-Length": str(length), "Upload-Metadata": metadata(**pairs)}
    return await api.post(BUCKET_URL, headers={**headers, **as_user(user)})


async def patch(
    api: httpx.AsyncClient, user: uuid.UUID, location: str, offset: int, body: bytes
) -> httpx.Response:
    headers = {
        **TUS,
        "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream",
        **as_user(user),
    }
    return await api.patch(location, content=body, headers=headers)


async def drop_mid_patch(
    app: FastAPI, user: uuid.UUID, location: str, offset: int, part: bytes
) -> None:
    """What uvicorn does when a client vanishes: some body, then http.disconnect."""
    path = httpx.URL(location).path
    messages: list[Message] = [
        {"type": "http.request", "body": part, "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> Message:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        return None

    headers = [
        (b"tus-resumable", b"1.0.0"),
        (b"upload-offset", str(offset).encode()),
        (b"content-type", b"application/offset+octet-stream"),
        (b"content-length", b"999999999"),
        (TEST_USER_HEADER.encode(), str(user).encode()),
    ]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "PATCH",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 1), "server": ("t", 80),
    }  # fmt: skip
    await app(scope, receive, send)


class TestTus:
    async def test_options_describe_the_server(self, api: httpx.AsyncClient) -> None:
        response = await api.options(BUCKET_URL)
        assert response.status_code == 204
        assert response.headers["tus-resumable"] == "1.0.0"
        assert response.headers["tus-version"] == "1.0.0"
        assert "creation" in response.headers["tus-extension"]
        assert response.headers["tus-max-size"] == str(50 * 1024 * 1024)

    async def test_create_patch_in_parts_complete(
        self, api: httpx.AsyncClient, alice: uuid.UUID, storage: LocalStorage
    ) -> None:
        data = wav_bytes()
        created = await create(api, alice, len(data), path=f"{alice}/tus/loop.wav")
        assert created.status_code == 201, created.text
        assert created.headers["tus-resumable"] == "1.0.0"
        location = created.headers["location"]
        half = len(data) // 2
        first = await patch(api, alice, location, 0, data[:half])
        assert first.status_code == 204
        assert first.headers["upload-offset"] == str(half)
        head = await api.head(location, headers={**TUS, **as_user(alice)})
        assert head.headers["upload-offset"] == str(half)
        assert head.headers["upload-length"] == str(len(data))
        assert head.headers["cache-control"] == "no-store"
        last = await patch(api, alice, location, half, data[half:])
        assert last.status_code == 204, last.text
        upload_id = location.rsplit("/", 1)[1]
        status = (await api.get(f"/v1/uploads/{upload_id}", headers=as_user(alice))).json()
        assert status["state"] == "complete" and status["progress"] == 100
        listed = await api.get(
            "/v1/storage/ip-track-assets/objects", params={"prefix": f"{alice}/tus/"},
            headers=as_user(alice),
        )  # fmt: skip
        assert listed.json()["items"][0]["sha256"] == hashlib.sha256(data).hexdigest()
        assert [k for k in leftovers(storage) if k.startswith("tus-")] == []

    async def test_resume_after_a_dropped_connection(
        self, api: httpx.AsyncClient, media_app: FastAPI, alice: uuid.UUID
    ) -> None:
        data = wav_bytes()
        location = (await create(api, alice, len(data))).headers["location"]
        await drop_mid_patch(media_app, alice, location, 0, data[:30_000])
        head = await api.head(location, headers={**TUS, **as_user(alice)})
        assert head.headers["upload-offset"] == "30000"
        rest = await patch(api, alice, location, 30_000, data[30_000:])
        assert rest.status_code == 204, rest.text
        path = f"{alice}/loop.wav"
        stored = await api.get(f"/v1/storage/ip-track-assets/objects/{path}")
        assert stored.content == data

    async def test_patch_at_the_wrong_offset(
        self,
        api: httpx.AsyncClient,
        alice: uuid.UUID,
        session: AsyncSession,
        storage: LocalStorage,
    ) -> None:
        data = wav_bytes()
        location = (await create(api, alice, len(data))).headers["location"]
        await patch(api, alice, location, 0, data[:1000])
        wrong = await patch(api, alice, location, 500, data[500:])
        assert wrong.status_code == 409
        assert wrong.json()["code"] == "offset_mismatch"
        assert wrong.headers["upload-offset"] == "1000"
        assert wrong.headers["tus-resumable"] == "1.0.0"
        assert await object_count(session) == 0
        assert storage.stored_keys() == []

    async def test_protocol_errors(self, api: httpx.AsyncClient, alice: uuid.UUID) -> None:
        no_version = await api.post(BUCKET_URL, headers={"Upload-Length": "10", **as_user(alice)})
        assert no_version.status_code == 412
        assert no_version.headers["tus-resumable"] == "1.0.0"
        too_big = await create(api, alice, 50 * 1024 * 1024 + 1)
        assert too_big.status_code == 413 and too_big.json()["code"] == "file_too_large"
        foreign = await create(api, alice, 10, path=f"{uuid.uuid4()}/x.wav")
        assert foreign.status_code == 403 and foreign.json()["code"] == "foreign_folder"
        location = (await create(api, alice, 10)).headers["location"]
        wrong_type = await api.patch(
            location,
            content=b"x",
            headers={**TUS, "Upload-Offset": "0", "Content-Type": "text/plain", **as_user(alice)},
        )
        assert wrong_type.status_code == 415

    async def test_another_user_cannot_see_or_continue_my_upload(
        self, api: httpx.AsyncClient, alice: uuid.UUID, bob: uuid.UUID
    ) -> None:
        location = (await create(api, alice, 100)).headers["location"]
        assert (await api.head(location, headers={**TUS, **as_user(bob)})).status_code == 404
        assert (await patch(api, bob, location, 0, b"x")).status_code == 404

    async def test_a_refused_file_fails_the_upload_and_leaves_nothing(
        self, api: httpx.AsyncClient, alice: uuid.UUID, session: AsyncSession,
        storage: LocalStorage,
    ) -> None:  # fmt: skip
        junk = b"not audio at all" * 100
        location = (await create(api, alice, len(junk))).headers["location"]
        response = await patch(api, alice, location, 0, junk)
        assert response.status_code == 415
        assert response.json()["code"] == "unknown_type"
        assert leftovers(storage) == []
        assert await object_count(session) == 0

    async def test_abandoned_uploads_expire(
        self,
        api: httpx.AsyncClient,
        alice: uuid.UUID,
        session: AsyncSession,
        storage: LocalStorage,
    ) -> None:
        location = (await create(api, alice, 1000)).headers["location"]
        await patch(api, alice, location, 0, b"RIFF")
        await session.execute(text("update media_uploads set expires_at = now() - interval '1s'"))
        assert await expire_uploads(session, storage, now=datetime.now(UTC)) == 1
        assert leftovers(storage) == []
        head = await api.head(location, headers={**TUS, **as_user(alice)})
        assert head.status_code == 410


class TestUploadStatus:
    @pytest.mark.parametrize("suffix", ["", "/events"])
    async def test_anonymous_callers_are_asked_to_sign_in(
        self, api: httpx.AsyncClient, alice: uuid.UUID, suffix: str
    ) -> None:
        location = (await create(api, alice, 100)).headers["location"]
        response = await api.get(f"/v1/uploads/{location.rsplit('/', 1)[1]}{suffix}")
        assert response.status_code == 401, response.text
        assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.parametrize("suffix", ["", "/events"])
    async def test_another_users_upload_is_not_found(
        self, api: httpx.AsyncClient, alice: uuid.UUID, bob: uuid.UUID, suffix: str
    ) -> None:
        location = (await create(api, alice, 100)).headers["location"]
        url = f"/v1/uploads/{location.rsplit('/', 1)[1]}{suffix}"
        assert (await api.get(url, headers=as_user(bob))).status_code == 404


class TestProgressEvents:
    async def test_finished_upload_streams_its_final_state(
        self, api: httpx.AsyncClient, alice: uuid.UUID
    ) -> None:
        data = wav_bytes()
        location = (await create(api, alice, len(data))).headers["location"]
        await patch(api, alice, location, 0, data)
        upload_id = location.rsplit("/", 1)[1]
        events = await api.get(f"/v1/uploads/{upload_id}/events", headers=as_user(alice))
        assert events.headers["content-type"].startswith("text/event-stream")
        states = [
            json.loads(line[6:])["state"]
            for line in events.text.splitlines()
            if line.startswith("data: ")
        ]
        assert states == ["complete"]

    async def test_live_stages_in_order(
        self, api: httpx.AsyncClient, media_app: FastAPI, alice: uuid.UUID
    ) -> None:
        data = wav_bytes()
        location = (await create(api, alice, len(data))).headers["location"]
        upload_id = location.rsplit("/", 1)[1]
        transport = httpx.ASGITransport(app=media_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as sse:
            listening = asyncio.create_task(
                sse.get(f"/v1/uploads/{upload_id}/events", headers=as_user(alice))
            )
            await asyncio.sleep(0.5)  # let the stream subscribe
            assert (await patch(api, alice, location, 0, data)).status_code == 204
            events = await asyncio.wait_for(listening, 10)
        lines = events.text.splitlines()
        payloads = [json.loads(line[6:]) for line in lines if line.startswith("data: ")]
        stages = [(p["state"], p["progress"]) for p in payloads]
        assert stages[0] == ("receiving", 0)
        pipeline = [s for s in stages if s[0] != "receiving"]
        assert pipeline == [
            ("analysing", 0), ("compressing", 20), ("storing", 50), ("finalising", 80),
            ("complete", 100),
        ]  # fmt: skip
