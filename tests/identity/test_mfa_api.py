"""TOTP enrolment, sign-in with a second factor, backup codes, and aal2 for sensitive changes."""

from __future__ import annotations

import time
from typing import Any

import httpx
import jwt
import pyotp
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.auth import Aal2User
from backbeat.identity.models import TotpFactor
from tests.identity.factories import PASSWORD, ClientFactory, bearer, sign_in, signup

NEW_PASSWORD = "an entirely different passphrase"


def code_at(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def aal_of(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["aal"])


async def enrolled(client: httpx.AsyncClient) -> tuple[dict[str, Any], str, list[str]]:
    """A user with confirmed TOTP: (signup data, secret, backup codes)."""
    data = await signup(client)
    headers = bearer(data["access_token"])
    enrolment = (await client.post("/v1/auth/mfa/totp", headers=headers)).json()
    confirmed = await client.post(
        "/v1/auth/mfa/totp/verify", headers=headers, json={"code": code_at(enrolment["secret"])}
    )
    assert confirmed.status_code == 200, confirmed.text
    return data, enrolment["secret"], confirmed.json()["backup_codes"]


class TestEnrolment:
    async def test_returns_secret_and_otpauth_uri(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        data = await signup(client)
        response = await client.post("/v1/auth/mfa/totp", headers=bearer(data["access_token"]))
        body = response.json()
        assert response.status_code == 201
        assert body["otpauth_uri"].startswith("otpauth://totp/Backbeat:")
        stored = await session.scalar(
            select(TotpFactor.secret_sealed).where(TotpFactor.user_id == data["user"]["id"])
        )
        assert stored is not None and body["secret"].encode() not in stored

    async def test_confirming_gives_ten_backup_codes_and_aal2(
        self, client: httpx.AsyncClient
    ) -> None:
        data, _, codes = await enrolled(client)
        me = await client.get("/v1/me", headers=bearer(data["access_token"]))
        assert len(codes) == 10 and len(set(codes)) == 10
        assert me.json()["mfa_enabled"] is True

    async def test_wrong_code_does_not_confirm(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        headers = bearer(data["access_token"])
        await client.post("/v1/auth/mfa/totp", headers=headers)
        response = await client.post(
            "/v1/auth/mfa/totp/verify", headers=headers, json={"code": "000000"}
        )
        me = await client.get("/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_mfa_code"
        assert me.json()["mfa_enabled"] is False

    async def test_enrolling_twice_is_a_conflict(self, client: httpx.AsyncClient) -> None:
        data, _, _ = await enrolled(client)
        response = await client.post("/v1/auth/mfa/totp", headers=bearer(data["access_token"]))
        assert response.status_code == 409


class TestSignInWithMfa:
    async def test_without_a_code_is_mfa_required(self, client: httpx.AsyncClient) -> None:
        data, _, _ = await enrolled(client)
        response = await sign_in(client, data["user"]["email"])
        assert response.status_code == 401
        assert response.json()["code"] == "mfa_required"

    async def test_wrong_password_is_not_mfa_required(self, client: httpx.AsyncClient) -> None:
        data, _, _ = await enrolled(client)
        response = await sign_in(client, data["user"]["email"], "wrong wrong wrong")
        assert response.json()["code"] == "invalid_credentials"

    async def test_with_a_code_gives_aal2(self, client: httpx.AsyncClient) -> None:
        data, secret, _ = await enrolled(client)
        response = await sign_in(client, data["user"]["email"], totp_code=code_at(secret, 1))
        assert response.status_code == 200
        assert aal_of(response.json()["access_token"]) == "aal2"

    async def test_a_used_code_cannot_be_replayed(self, client: httpx.AsyncClient) -> None:
        data, secret, _ = await enrolled(client)
        code = code_at(secret, 1)
        first = await sign_in(client, data["user"]["email"], totp_code=code)
        second = await sign_in(client, data["user"]["email"], totp_code=code)
        assert first.status_code == 200
        assert second.status_code == 401

    async def test_backup_code_works_once(self, client: httpx.AsyncClient) -> None:
        data, _, codes = await enrolled(client)
        first = await sign_in(client, data["user"]["email"], totp_code=codes[0].upper())
        second = await sign_in(client, data["user"]["email"], totp_code=codes[0])
        assert first.status_code == 200
        assert aal_of(first.json()["access_token"]) == "aal2"
        assert second.status_code == 401


class TestStepUpAndSensitiveOperations:
    async def test_confirming_raises_the_session_to_aal2(self, client: httpx.AsyncClient) -> None:
        data, _, _ = await enrolled(client)
        refreshed = await client.post(
            "/v1/auth/token",
            json={"grant_type": "refresh_token", "refresh_token": data["refresh_token"]},
        )
        assert aal_of(refreshed.json()["access_token"]) == "aal2"

    async def test_without_mfa_aal1_is_enough(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        response = await client.post(
            "/v1/auth/password", json=body, headers=bearer(data["access_token"])
        )
        assert response.status_code == 204

    async def test_password_change_needs_aal2_then_steps_up(
        self, client: httpx.AsyncClient
    ) -> None:
        data = await signup(client)
        early = (await sign_in(client, data["user"]["email"])).json()["access_token"]
        headers = bearer(data["access_token"])
        secret = (await client.post("/v1/auth/mfa/totp", headers=headers)).json()["secret"]
        await client.post(
            "/v1/auth/mfa/totp/verify", headers=headers, json={"code": code_at(secret)}
        )
        body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        refused = await client.post("/v1/auth/password", json=body, headers=bearer(early))
        assert refused.status_code == 403
        assert refused.json()["code"] == "aal2_required"
        stepped = await client.post(
            "/v1/auth/mfa/totp/verify", headers=bearer(early), json={"code": code_at(secret, 1)}
        )
        assert stepped.status_code == 200 and stepped.json()["backup_codes"] is None
        token = stepped.json()["access_token"]
        assert aal_of(token) == "aal2"
        allowed = await client.post("/v1/auth/password", json=body, headers=bearer(token))
        assert allowed.status_code == 204

    async def test_mfa_removal_needs_aal2(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        before = data["access_token"]
        early = (await sign_in(client, data["user"]["email"])).json()["access_token"]
        enrolment = (await client.post("/v1/auth/mfa/totp", headers=bearer(before))).json()
        await client.post(
            "/v1/auth/mfa/totp/verify",
            headers=bearer(before),
            json={"code": code_at(enrolment["secret"])},
        )
        refused = await client.delete("/v1/auth/mfa/totp", headers=bearer(early))
        assert refused.status_code == 403
        assert refused.json()["code"] == "aal2_required"
        stepped = await client.post(
            "/v1/auth/mfa/totp/verify",
            headers=bearer(early),
            json={"code": code_at(enrolment["secret"], 1)},
        )
        removed = await client.delete(
            "/v1/auth/mfa/totp", headers=bearer(stepped.json()["access_token"])
        )
        assert removed.status_code == 204
        assert (await sign_in(client, data["user"]["email"])).status_code == 200


class TestAal2Dependency:
    async def test_later_routes_reuse_it(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        async def payout(caller: Aal2User) -> dict[str, str]:
            return {"ok": caller.aal}

        app.add_api_route("/test/payout", payout, methods=["POST"])
        plain = await signup(client)
        data = await signup(client)
        early = (await sign_in(client, data["user"]["email"])).json()["access_token"]
        headers = bearer(data["access_token"])
        secret = (await client.post("/v1/auth/mfa/totp", headers=headers)).json()["secret"]
        await client.post(
            "/v1/auth/mfa/totp/verify", headers=headers, json={"code": code_at(secret)}
        )
        without_mfa = await client.post("/test/payout", headers=bearer(plain["access_token"]))
        aal1 = await client.post("/test/payout", headers=bearer(early))
        assert without_mfa.status_code == 200
        assert aal1.status_code == 403 and aal1.json()["code"] == "aal2_required"


class TestCodeGuessing:
    async def test_wrong_codes_count_toward_the_lockout(self, client_with: ClientFactory) -> None:
        async with client_with(lockout_threshold=3) as client:
            data, _, _ = await enrolled(client)
            email = data["user"]["email"]
            guesses = [
                (await sign_in(client, email, totp_code="000000")).status_code for _ in range(3)
            ]
            locked = await sign_in(client, email, totp_code="000000")
        assert guesses == [401, 401, 401]
        assert locked.status_code == 429 and locked.json()["code"] == "account_locked"
