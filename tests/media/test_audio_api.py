"""The analysis job writes its results on the audio file; GET returns them and the waveform."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.edge import state_of
from backbeat.media.storage import LocalStorage
from backbeat.media.tasks import analyse_audio_file
from tests.media.factories import RATE, as_user, click_loop, upload, wav_bytes


class TestAudioFiles:
    async def test_decoded_facts_at_once_and_analysis_after_the_job(
        self,
        api: httpx.AsyncClient,
        media_app: FastAPI,
        alice: uuid.UUID,
        session: AsyncSession,
        storage: LocalStorage,
    ) -> None:
        body = (await upload(api, alice, click_loop(), bucket="project-audio")).json()
        audio_url = f"/v1/audio-files/{body['audio_file_id']}"
        before = (await api.get(audio_url, headers=as_user(alice))).json()
        assert before["analysis_status"] == "pending"
        assert before["sample_rate"] == RATE and before["bit_depth"] == 24
        assert before["channels"] == 2 and abs(before["duration_seconds"] - 8.0) < 1e-6
        queued = await session.scalar(
            text(
                "select count(*) from procrastinate_jobs where task_name = 'backbeat:media.analyse'"
            )
        )
        assert queued == 1
        status = await analyse_audio_file(
            state_of(media_app).require_database(), storage, uuid.UUID(body["audio_file_id"])
        )
        assert status == "complete"
        after = (await api.get(audio_url, headers=as_user(alice))).json()
        assert after["analysis_status"] == "complete"
        assert abs(after["bpm"] - 120.0) < 2.0
        assert after["loudness_lufs"] is not None and after["true_peak_dbtp"] is not None
        assert len(after["waveform"]) == 1000
        coarse = (await api.get(audio_url, params={"points": 10}, headers=as_user(alice))).json()
        assert len(coarse["waveform"]) == 10
        assert all(low <= high for low, high in coarse["waveform"])

    async def test_private_audio_files_are_hidden_from_others(
        self, api: httpx.AsyncClient, alice: uuid.UUID, bob: uuid.UUID
    ) -> None:
        body = (await upload(api, alice, wav_bytes(), bucket="project-audio")).json()
        url = f"/v1/audio-files/{body['audio_file_id']}"
        assert (await api.get(url, headers=as_user(bob))).status_code == 404
        assert (await api.get(url)).status_code == 404

    async def test_stems_name_their_parent(self, api: httpx.AsyncClient, alice: uuid.UUID) -> None:
        mix = (await upload(api, alice, wav_bytes(), path=f"{alice}/mix.wav")).json()
        metadata = f'{{"parent_file_id": "{mix["audio_file_id"]}", "stem_type": "drums"}}'
        stem = await upload(
            api, alice, wav_bytes(freq=220), path=f"{alice}/drums.wav", metadata=metadata
        )
        assert stem.status_code == 201, stem.text
        record = (await api.get(f"/v1/audio-files/{stem.json()['audio_file_id']}")).json()
        assert record["parent_file_id"] == mix["audio_file_id"]
        assert record["stem_type"] == "drums"
