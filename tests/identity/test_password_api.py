"""Password change and the reset flow through the outbox mailer."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.models import EmailToken
from tests.identity.factories import PASSWORD, bearer, last_email, sign_in, signup, token_in

NEW_PASSWORD = "a new and much better passphrase"


class TestChangePassword:
    async def test_changes_it_and_revokes_every_other_session(
        self, client: httpx.AsyncClient
    ) -> None:
        data = await signup(client)
        other = (await sign_in(client, data["user"]["email"])).json()
        body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        response = await client.post(
            "/v1/auth/password", json=body, headers=bearer(data["access_token"])
        )
        assert response.status_code == 204
        assert (
            await client.get("/v1/me", headers=bearer(other["access_token"]))
        ).status_code == 401
        assert (await client.get("/v1/me", headers=bearer(data["access_token"]))).status_code == 200
        assert (await sign_in(client, data["user"]["email"], NEW_PASSWORD)).status_code == 200
        assert (await sign_in(client, data["user"]["email"])).status_code == 401

    async def test_wrong_current_password_is_refused(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        body = {"current_password": "not my password", "new_password": NEW_PASSWORD}
        response = await client.post(
            "/v1/auth/password", json=body, headers=bearer(data["access_token"])
        )
        assert response.status_code == 401
        assert (await sign_in(client, data["user"]["email"])).status_code == 200

    async def test_new_password_must_pass_the_policy(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        body = {"current_password": PASSWORD, "new_password": "password1"}
        response = await client.post(
            "/v1/auth/password", json=body, headers=bearer(data["access_token"])
        )
        assert response.status_code == 422
        assert response.json()["code"] == "unprocessable"


class TestReset:
    async def test_full_flow_revokes_every_session(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        data = await signup(client)
        email = data["user"]["email"]
        asked = await client.post("/v1/auth/password/reset-request", json={"email": email})
        token = token_in((await last_email(session, email)).body)
        reset = await client.post(
            "/v1/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD}
        )
        assert asked.status_code == 202
        assert reset.status_code == 204
        assert (await client.get("/v1/me", headers=bearer(data["access_token"]))).status_code == 401
        assert (await sign_in(client, email, NEW_PASSWORD)).status_code == 200

    async def test_token_is_single_use(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        data = await signup(client)
        email = data["user"]["email"]
        await client.post("/v1/auth/password/reset-request", json={"email": email})
        token = token_in((await last_email(session, email)).body)
        body = {"token": token, "new_password": NEW_PASSWORD}
        assert (await client.post("/v1/auth/password/reset", json=body)).status_code == 204
        again = await client.post("/v1/auth/password/reset", json=body)
        assert again.status_code == 400
        assert again.json()["code"] == "invalid_email_token"

    async def test_expired_token_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        data = await signup(client)
        email = data["user"]["email"]
        await client.post("/v1/auth/password/reset-request", json={"email": email})
        token = token_in((await last_email(session, email)).body)
        await session.execute(
            update(EmailToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        body = {"token": token, "new_password": NEW_PASSWORD}
        assert (await client.post("/v1/auth/password/reset", json=body)).status_code == 400

    async def test_unknown_email_gets_the_same_answer_and_no_email(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        response = await client.post(
            "/v1/auth/password/reset-request", json={"email": "ghost@example.com"}
        )
        assert response.status_code == 202
        with pytest.raises(AssertionError):
            await last_email(session, "ghost@example.com")

    async def test_only_the_hash_is_stored(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        data = await signup(client)
        email = data["user"]["email"]
        await client.post("/v1/auth/password/reset-request", json={"email": email})
        token = token_in((await last_email(session, email)).body)
        rows = (await session.scalars(select(EmailToken.token_hash))).all()
        assert token not in rows and all(len(h) == 64 for h in rows)


class TestNothingLeaks:
    async def test_tokens_and_passwords_never_reach_the_logs(
        self, client: httpx.AsyncClient, session: AsyncSession, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        data = await signup(client)
        email = data["user"]["email"]
        await client.post("/v1/auth/password/reset-request", json={"email": email})
        token = token_in((await last_email(session, email)).body)
        refreshed = await client.post(
            "/v1/auth/token",
            json={"grant_type": "refresh_token", "refresh_token": data["refresh_token"]},
        )
        await sign_in(client, email, "a wrong password here")
        headers = bearer(refreshed.json()["access_token"])
        pat = await client.post(
            "/v1/me/tokens", json={"name": "ci", "scopes": ["read"]}, headers=headers
        )
        totp = await client.post("/v1/auth/mfa/totp", headers=headers)
        await client.put(
            "/v1/me/connections/spotify", json={"access_token": "oauth-SECRET-1"}, headers=headers
        )
        secrets = [
            pat.json()["token"],
            totp.json()["secret"],
            "oauth-SECRET-1",
            PASSWORD,
            token,
            data["access_token"],
            data["refresh_token"],
            refreshed.json()["refresh_token"],
        ]
        logged = caplog.text + "".join(str(r.args) for r in caplog.records)
        assert "email queued" in caplog.text
        for secret in secrets:
            assert secret not in logged
