"""The issue's bad inputs: each gets its own problem+json and leaves no object and no bytes."""

from __future__ import annotations

import struct
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.media.storage import LocalStorage
from tests.media.factories import (
    as_user,
    bomb_png,
    leftovers,
    mp3_bytes,
    object_count,
    png_bytes,
    upload,
    wav_bytes,
)

AUDIO = "ip-track-assets"
CUT_MP3 = mp3_bytes()[: len(mp3_bytes()) // 2 + 7]
BOMB = bomb_png(30_000, 30_000, rows=1)
JPEG_HEADER = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
MB = 1024 * 1024


async def assert_nothing_left(session: AsyncSession, storage: LocalStorage) -> None:
    assert await object_count(session) == 0
    assert leftovers(storage) == []


class TestRefusedFiles:
    @pytest.mark.parametrize(
        ("name", "data", "mime", "bucket", "status", "code"),
        [
            ("png.wav", png_bytes(), "audio/wav", "project-audio", 415, "type_not_allowed"),
            ("png.wav", png_bytes(), "audio/wav", "ip-track-assets", 415, "type_mismatch"),
            ("glued.wav", JPEG_HEADER + wav_bytes(), "audio/wav", AUDIO, 422, "polyglot_file"),
            ("cut.mp3", CUT_MP3, "audio/mpeg", AUDIO, 422, "undecodable_file"),
            ("empty.wav", b"", "audio/wav", "ip-track-assets", 422, "empty_file"),
            ("noise.wav", b"just text, not audio", "audio/wav", AUDIO, 415, "unknown_type"),
            ("bomb.png", BOMB, "image/png", AUDIO, 422, "too_many_pixels"),
        ],
    )  # fmt: skip
    async def test_refused_with_a_specific_problem(
        self,
        api: httpx.AsyncClient,
        alice: uuid.UUID,
        session: AsyncSession,
        storage: LocalStorage,
        name: str,
        data: bytes,
        mime: str,
        bucket: str,
        status: int,
        code: str,
    ) -> None:
        response = await upload(api, alice, data, bucket=bucket, name=name, mime=mime)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == code
        await assert_nothing_left(session, storage)
        upload_id = await session.scalar(
            text("select id from media_uploads order by created_at desc limit 1")
        )
        assert upload_id is not None  # the failure is visible on the upload
        status_doc = (await api.get(f"/v1/uploads/{upload_id}", headers=as_user(alice))).json()
        assert status_doc["state"] == "failed" and status_doc["failure_code"] == code

    async def test_path_with_dot_dot(
        self, api: httpx.AsyncClient, alice: uuid.UUID, session: AsyncSession, storage: LocalStorage
    ) -> None:
        response = await upload(api, alice, wav_bytes(), path=f"{alice}/../{alice}/x.wav")
        assert response.status_code == 422
        assert response.json()["code"] == "invalid_path"
        await assert_nothing_left(session, storage)

    @pytest.mark.parametrize("path", ["/abs/x.wav", "a\x01b/x.wav", "a//b.wav"])
    async def test_other_bad_paths(
        self, api: httpx.AsyncClient, alice: uuid.UUID, path: str
    ) -> None:
        response = await upload(api, alice, wav_bytes(), path=path)
        assert response.json()["code"] == "invalid_path"

    async def test_another_users_folder(
        self,
        api: httpx.AsyncClient,
        alice: uuid.UUID,
        bob: uuid.UUID,
        session: AsyncSession,
        storage: LocalStorage,
    ) -> None:
        response = await upload(api, alice, wav_bytes(), path=f"{bob}/stolen.wav")
        assert response.status_code == 403
        assert response.json()["code"] == "foreign_folder"
        await assert_nothing_left(session, storage)


def multipart_stream(
    boundary: str, header: bytes, total: int, sent: list[int]
) -> AsyncIterator[bytes]:
    """A form whose file part is `header` then zeros up to `total` bytes, one MB at a time."""

    async def chunks() -> AsyncIterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.wav"\r\n'
            "Content-Type: audio/wav\r\n\r\n"
        ).encode()
        yield header
        left = total - len(header)
        block = bytes(MB)
        while left > 0:
            piece = block[: min(MB, left)]
            left -= len(piece)
            sent[0] += len(piece)
            yield piece
        yield f"\r\n--{boundary}--\r\n".encode()

    return chunks()


class TestSizeLimit:
    async def test_over_50_mb_is_refused_once_the_limit_is_passed(
        self, api: httpx.AsyncClient, alice: uuid.UUID, session: AsyncSession, storage: LocalStorage
    ) -> None:
        limit = 50 * MB
        total = limit + 1
        riff = b"RIFF" + struct.pack("<I", total - 8) + b"WAVE"
        sent = [0]
        boundary = "bbboundary"
        body = multipart_stream(boundary, riff, total, sent)
        response = await api.post(
            "/v1/storage/ip-track-assets/objects",
            content=body,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                **as_user(alice),
            },
        )
        assert response.status_code == 413
        assert response.json()["code"] == "file_too_large"
        assert response.json()["limit_bytes"] == limit
        await assert_nothing_left(session, storage)

    async def test_the_server_stops_reading_after_the_limit(
        self, api: httpx.AsyncClient, alice: uuid.UUID, session: AsyncSession, storage: LocalStorage
    ) -> None:
        sent = [0]
        boundary = "bbboundary"
        body = multipart_stream(boundary, b"RIFF", 200 * MB, sent)
        response = await api.post(
            "/v1/storage/avatars/objects",  # 5 MB
            content=body,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                **as_user(alice),
            },
        )
        assert response.status_code == 413
        assert sent[0] <= 7 * MB
        await assert_nothing_left(session, storage)


class TestQuota:
    @pytest.fixture
    def media_settings_overrides(self) -> dict[str, object]:
        return {"media_quota_bytes": 150_000}

    async def test_quota_per_user_per_bucket(
        self, api: httpx.AsyncClient, alice: uuid.UUID, session: AsyncSession, storage: LocalStorage
    ) -> None:
        first = await upload(api, alice, wav_bytes(0.5), path=f"{alice}/1.wav")  # ~88 KB
        assert first.status_code == 201
        second = await upload(api, alice, wav_bytes(0.5, freq=220), path=f"{alice}/2.wav")
        assert second.status_code == 413
        assert second.json()["code"] == "quota_exceeded"
        assert await object_count(session) == 1
        elsewhere = await upload(
            api, alice, wav_bytes(0.5, freq=220), bucket="project-audio", path=f"{alice}/2.wav"
        )
        assert elsewhere.status_code == 201
