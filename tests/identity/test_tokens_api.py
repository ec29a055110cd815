"""Bearer tokens: what the API accepts and refuses; refresh rotation; sessions and devices."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.config import Settings
from backbeat.edge import state_of
from backbeat.identity import access_tokens
from backbeat.identity.auth import IDENTITY
from backbeat.identity.keys import IdentityKeys
from backbeat.identity.models import SecurityEvent, Session
from tests.identity.factories import bearer, sign_in, signup


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def forge(claims: dict[str, Any], *, key: str, alg: str = "HS256", kid: str = "x") -> str:
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


async def status_with(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/v1/me", headers=bearer(token))


class TestAccessTokens:
    async def test_carries_the_documented_claims(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        claims = claims_of(data["access_token"])
        header = jwt.get_unverified_header(data["access_token"])
        assert claims["sub"] == data["user"]["id"]
        assert claims["role"] == "listener"
        assert claims["aal"] == "aal1"
        assert "session_id" in claims
        assert claims["exp"] - claims["iat"] == 900
        assert header["alg"] == "HS256" and header["kid"]

    async def test_alg_none_is_refused(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        claims = claims_of(data["access_token"])
        unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': 'x'})}.{_b64(claims)}."
        response = await status_with(client, unsigned)
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_token"
        assert response.headers["www-authenticate"].startswith("Bearer")

    async def test_other_algorithm_is_refused(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        data = await signup(client)
        keyring = state_of(app).component(IDENTITY).keys.keyring
        kid = keyring.signing_kid
        token = forge(
            claims_of(data["access_token"]),
            key=keyring.secret(kid).decode(),
            alg="HS512",
            kid=kid,
        )
        assert (await status_with(client, token)).status_code == 401

    async def test_wrong_key_is_refused(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        data = await signup(client)
        kid = state_of(app).component(IDENTITY).keys.keyring.signing_kid
        token = forge(claims_of(data["access_token"]), key="k" * 40, kid=kid)
        assert (await status_with(client, token)).status_code == 401

    async def test_unknown_kid_is_refused(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        data = await signup(client)
        keyring = state_of(app).component(IDENTITY).keys.keyring
        secret = keyring.secret(keyring.signing_kid).decode()
        token = forge(claims_of(data["access_token"]), key=secret, kid="not-a-kid")
        assert (await status_with(client, token)).status_code == 401

    async def test_expired_token_is_refused(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        data = await signup(client)
        claims = claims_of(data["access_token"])
        token = access_tokens.issue_access_token(
            state_of(app).component(IDENTITY).keys.keyring,
            sub=claims["sub"],
            role="listener",
            aal="aal1",
            session_id=claims["session_id"],
            wallet_address=None,
            now=datetime.now(UTC) - timedelta(minutes=16),
        )
        assert (await status_with(client, token)).status_code == 401

    async def test_garbage_and_wrong_scheme_are_refused(self, client: httpx.AsyncClient) -> None:
        garbage = await client.get("/v1/me", headers=bearer("not.a.jwt"))
        basic = await client.get("/v1/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
        assert garbage.status_code == basic.status_code == 401

    async def test_missing_token_is_a_401(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/me")
        assert response.status_code == 401

    async def test_revoked_session_is_refused(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        token = data["access_token"]
        assert (await client.post("/v1/auth/logout", headers=bearer(token))).status_code == 204
        assert (await status_with(client, token)).status_code == 401

    async def test_previous_secret_still_verifies_after_rotation(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        data = await signup(client)
        old_settings: Settings = state_of(app).settings
        rotated = Settings(
            environment="test",
            secret_key="a-brand-new-secret-key-of-enough-length!",
            previous_secret_keys=[old_settings.secret_key],
        )
        original = state_of(app).component(IDENTITY)
        state_of(app).provide(
            IDENTITY,
            type(original)(
                rotated, IdentityKeys.from_settings(rotated), original.limiter, original.mailer
            ),
        )
        try:
            response = await status_with(client, data["access_token"])
            fresh = await sign_in(client, data["user"]["email"])
        finally:
            state_of(app).provide(IDENTITY, original)
        new_kid = jwt.get_unverified_header(fresh.json()["access_token"])["kid"]
        old_kid = jwt.get_unverified_header(data["access_token"])["kid"]
        assert response.status_code == 200
        assert new_kid != old_kid


class TestRefresh:
    async def test_rotates_the_refresh_token(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        body = {"grant_type": "refresh_token", "refresh_token": data["refresh_token"]}
        first = await client.post("/v1/auth/token", json=body)
        assert first.status_code == 200
        assert first.json()["refresh_token"] != data["refresh_token"]
        again = await client.post(
            "/v1/auth/token",
            json={"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]},
        )
        assert again.status_code == 200

    async def test_reuse_revokes_the_whole_family(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        data = await signup(client)
        old = {"grant_type": "refresh_token", "refresh_token": data["refresh_token"]}
        rotated = (await client.post("/v1/auth/token", json=old)).json()
        reused = await client.post("/v1/auth/token", json=old)
        assert reused.status_code == 401
        assert reused.json()["code"] == "invalid_refresh_token"
        newest = {"grant_type": "refresh_token", "refresh_token": rotated["refresh_token"]}
        assert (await client.post("/v1/auth/token", json=newest)).status_code == 401
        assert (await status_with(client, rotated["access_token"])).status_code == 401
        kinds = await session.scalars(
            select(SecurityEvent.kind).where(SecurityEvent.user_id == data["user"]["id"])
        )
        assert "refresh_token_reused" in list(kinds)

    async def test_unknown_refresh_token_is_refused(self, client: httpx.AsyncClient) -> None:
        body = {"grant_type": "refresh_token", "refresh_token": "bbr_nope"}
        response = await client.post("/v1/auth/token", json=body)
        assert response.status_code == 401

    async def test_refresh_after_logout_is_refused(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        await client.post("/v1/auth/logout", headers=bearer(data["access_token"]))
        body = {"grant_type": "refresh_token", "refresh_token": data["refresh_token"]}
        assert (await client.post("/v1/auth/token", json=body)).status_code == 401

    async def test_unknown_grant_type_is_a_422(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/auth/token", json={"grant_type": "magic"})
        assert response.status_code == 422


class TestSessions:
    async def test_lists_sessions_with_device_details(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        device = {"id": "mac-1", "name": "Studio Mac", "type": "desktop"}
        await sign_in(client, data["user"]["email"], device=device)
        response = await client.get("/v1/auth/sessions", headers=bearer(data["access_token"]))
        rows = response.json()
        assert response.status_code == 200
        assert len(rows) == 2
        assert sum(r["current"] for r in rows) == 1
        assert {r["device_type"] for r in rows} == {"web", "desktop"}
        assert any(r["device_name"] == "Studio Mac" for r in rows)

    async def test_revokes_one_session(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        other = (await sign_in(client, data["user"]["email"])).json()
        other_id = claims_of(other["access_token"])["session_id"]
        headers = bearer(data["access_token"])
        response = await client.delete(f"/v1/auth/sessions/{other_id}", headers=headers)
        assert response.status_code == 204
        assert (await status_with(client, other["access_token"])).status_code == 401
        assert (await status_with(client, data["access_token"])).status_code == 200
        again = await client.delete(f"/v1/auth/sessions/{other_id}", headers=headers)
        assert again.status_code == 404

    async def test_cannot_revoke_someone_elses_session(self, client: httpx.AsyncClient) -> None:
        alice, bob = await signup(client), await signup(client)
        bob_session = claims_of(bob["access_token"])["session_id"]
        response = await client.delete(
            f"/v1/auth/sessions/{bob_session}", headers=bearer(alice["access_token"])
        )
        assert response.status_code == 404
        assert (await status_with(client, bob["access_token"])).status_code == 200

    async def test_revoke_all_keeps_the_current_one(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        others = [(await sign_in(client, data["user"]["email"])).json() for _ in range(2)]
        response = await client.post(
            "/v1/auth/sessions/revoke-all", headers=bearer(data["access_token"])
        )
        assert response.json() == {"revoked": 2}
        for other in others:
            assert (await status_with(client, other["access_token"])).status_code == 401
        assert (await status_with(client, data["access_token"])).status_code == 200

    async def test_revoke_all_can_include_the_current_one(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        response = await client.post(
            "/v1/auth/sessions/revoke-all?include_current=true",
            headers=bearer(data["access_token"]),
        )
        assert response.json() == {"revoked": 1}
        assert (await status_with(client, data["access_token"])).status_code == 401


class TestDeviceTokens:
    async def test_desktop_sign_in_gets_a_revocable_device_token(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        data = await signup(client)
        device = {"id": "daw-7", "name": "MixClub Studio", "type": "desktop"}
        signed = (await sign_in(client, data["user"]["email"], device=device)).json()
        device_token = signed["device_token"]
        assert device_token.startswith("bbd_")
        assert (await status_with(client, device_token)).status_code == 200
        row = await session.scalar(select(Session).where(Session.device_id == "daw-7"))
        assert row is not None and row.device_token_hash != device_token
        await client.delete(f"/v1/auth/sessions/{row.id}", headers=bearer(data["access_token"]))
        assert (await status_with(client, device_token)).status_code == 401

    async def test_web_sign_in_gets_no_device_token(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        assert data["device_token"] is None


class TestActivity:
    async def test_a_request_records_last_activity(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        data = await signup(client)
        session_id = claims_of(data["access_token"])["session_id"]
        row = await session.get_one(Session, session_id)
        row.last_active_at = datetime.now(UTC) - timedelta(minutes=5)
        await session.flush()
        await status_with(client, data["access_token"])
        await session.refresh(row)
        assert datetime.now(UTC) - row.last_active_at < timedelta(minutes=1)
