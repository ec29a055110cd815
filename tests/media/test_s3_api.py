"""The whole media path on the S3 backend: upload, ranged download, thumbnail, analysis, sweep."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.edge import state_of
from backbeat.media.router import STORAGE
from backbeat.media.storage_s3 import S3Storage
from backbeat.media.tasks import analyse_audio_file, sweep_blobs
from tests.media.factories import as_user, png_bytes, s3_settings, upload, wav_bytes


@pytest.fixture
def media_settings_overrides(s3_endpoint: str) -> dict[str, object]:
    return s3_settings(s3_endpoint)


@pytest.fixture
def s3(media_app: FastAPI) -> S3Storage:
    found = state_of(media_app).component(STORAGE)
    assert isinstance(found, S3Storage)
    return found


class TestOnS3:
    async def test_upload_range_analysis_and_sweep(
        self,
        api: httpx.AsyncClient,
        media_app: FastAPI,
        s3: S3Storage,
        alice: uuid.UUID,
        session: AsyncSession,
    ) -> None:
        data = wav_bytes(2.0)
        body = (await upload(api, alice, data, path=f"{alice}/s3.wav")).json()
        assert s3.stored_keys() == [body["sha256"]]
        assert list(s3.staging.iterdir()) == []
        url = f"/v1/storage/ip-track-assets/objects/{alice}/s3.wav"
        ranged = await api.get(url, headers={"Range": "bytes=100-199"})
        assert ranged.status_code == 206 and ranged.content == data[100:200]
        assert (await api.get(url)).content == data
        status = await analyse_audio_file(
            state_of(media_app).require_database(), s3, uuid.UUID(body["audio_file_id"])
        )
        assert status == "complete"
        assert list(s3.staging.iterdir()) == []
        deleted = await api.delete(url, headers=as_user(alice))
        assert deleted.status_code == 204
        assert await sweep_blobs(session, s3, grace=timedelta(0)) == 1
        assert s3.stored_keys() == []

    async def test_images_and_thumbnails(
        self, api: httpx.AsyncClient, s3: S3Storage, alice: uuid.UUID
    ) -> None:
        response = await upload(api, alice, png_bytes((800, 600)), name="c.png", mime="image/png")
        assert response.status_code == 201, response.text
        url = f"/v1/storage/ip-track-assets/objects/{alice}/c.png"
        thumb = await api.get(url, params={"variant": "thumbnail"})
        assert thumb.status_code == 200 and thumb.content[8:12] == b"WEBP"
        assert len(s3.stored_keys()) == 2

    async def test_a_refused_upload_leaves_nothing_in_the_bucket(
        self, api: httpx.AsyncClient, s3: S3Storage, alice: uuid.UUID
    ) -> None:
        response = await upload(api, alice, png_bytes(), name="x.wav", mime="audio/wav")
        assert response.status_code == 415
        assert s3.stored_keys() == [] and list(s3.staging.iterdir()) == []
