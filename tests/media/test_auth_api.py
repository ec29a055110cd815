"""Media behind identity's real bearer tokens: the signed-in user's folder is theirs alone."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from backbeat.edge import state_of
from backbeat.identity.auth import resolve_claims
from tests.identity.factories import bearer, signup
from tests.media.factories import wav_bytes


class TestBearerTokens:
    async def test_upload_and_read_back_with_an_access_token(
        self, api: httpx.AsyncClient, media_app: FastAPI
    ) -> None:
        state_of(media_app).claims_resolver = resolve_claims
        tokens = await signup(api)
        me = (await api.get("/v1/me", headers=bearer(tokens["access_token"]))).json()
        data = wav_bytes()
        response = await api.post(
            "/v1/storage/project-audio/objects",
            files={"file": ("a.wav", data, "audio/wav")},
            headers=bearer(tokens["access_token"]),
        )
        assert response.status_code == 201, response.text
        assert response.json()["path"] == f"{me['id']}/a.wav"
        url = f"/v1/storage/project-audio/objects/{me['id']}/a.wav"
        assert (await api.get(url, headers=bearer(tokens["access_token"]))).content == data
        other = await signup(api)
        assert (await api.get(url, headers=bearer(other["access_token"]))).status_code == 404
        assert (await api.get(url)).status_code == 404
