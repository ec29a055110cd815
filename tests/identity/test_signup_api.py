"""POST /v1/auth/signup and the password grant of POST /v1/auth/token."""

from __future__ import annotations

import statistics
import time

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.models import Credential, User
from tests.identity.factories import (
    PASSWORD,
    ClientFactory,
    bearer,
    last_email,
    sign_in,
    signup,
    token_in,
    unique_name,
)


class TestSignup:
    async def test_creates_the_account_and_signs_in(self, client: httpx.AsyncClient) -> None:
        data = await signup(client, username="Nova_Beat", email="Nova@Example.COM")
        assert data["user"]["email"] == "nova@example.com"
        assert data["user"]["username"] == "nova_beat"
        assert data["user"]["roles"] == ["listener"]
        assert data["expires_in"] == 900
        assert data["refresh_token"].startswith("bbr_")
        me = await client.get("/v1/me", headers=bearer(data["access_token"]))
        assert me.status_code == 200
        assert me.json()["id"] == data["user"]["id"]

    async def test_stores_an_argon2id_hash(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        data = await signup(client)
        stored = await session.scalar(
            select(Credential.password_hash).where(Credential.user_id == data["user"]["id"])
        )
        assert stored is not None and stored.startswith("$argon2id$")

    async def test_email_is_unique_case_insensitively(self, client: httpx.AsyncClient) -> None:
        await signup(client, email="dup@example.com")
        body = {
            "email": "DUP@example.com",
            "password": PASSWORD,
            "username": unique_name(),
            "display_name": "x",
        }
        response = await client.post("/v1/auth/signup", json=body)
        assert response.status_code == 409
        assert response.json()["code"] == "email_taken"

    async def test_username_is_unique_case_insensitively(self, client: httpx.AsyncClient) -> None:
        await signup(client, username="samename")
        body = {
            "email": "other@example.com",
            "password": PASSWORD,
            "username": "SameName",
            "display_name": "x",
        }
        response = await client.post("/v1/auth/signup", json=body)
        assert response.status_code == 409
        assert response.json()["code"] == "username_taken"

    async def test_refuses_bad_usernames(self, client: httpx.AsyncClient) -> None:
        for bad in ("ab", "has space", "x" * 31, "dash-name", "ünï"):
            body = {"email": "u@example.com", "password": PASSWORD, "username": bad}
            response = await client.post("/v1/auth/signup", json=body)
            assert response.status_code == 422, bad

    async def test_refuses_short_and_common_passwords(self, client: httpx.AsyncClient) -> None:
        for weak in ("short", "password123", "1234567890"):
            body = {"email": "weak@example.com", "password": weak, "username": unique_name()}
            response = await client.post("/v1/auth/signup", json=body)
            assert response.status_code == 422, weak
            assert weak not in response.text

    async def test_sends_a_verification_email(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        data = await signup(client)
        email = await last_email(session, data["user"]["email"])
        token = token_in(email.body)
        verified = await client.post("/v1/auth/email/verify", json={"token": token})
        again = await client.post("/v1/auth/email/verify", json={"token": token})
        me = await client.get("/v1/me", headers=bearer(data["access_token"]))
        assert verified.status_code == 204
        assert again.status_code == 400
        assert me.json()["email_verified"] is True


class TestPasswordGrant:
    async def test_signs_in_with_any_email_case(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        response = await sign_in(client, data["user"]["email"].upper())
        assert response.status_code == 200
        assert response.json()["user"]["id"] == data["user"]["id"]

    async def test_wrong_password_and_unknown_email_answer_alike(
        self, client: httpx.AsyncClient
    ) -> None:
        data = await signup(client)
        wrong = await sign_in(client, data["user"]["email"], "not the password at all")
        unknown = await sign_in(client, "nobody@example.com", "not the password at all")
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json() == unknown.json()
        assert wrong.json()["code"] == "invalid_credentials"

    async def test_imported_bcrypt_hash_is_upgraded_at_login(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        import bcrypt

        data = await signup(client)
        user_id = data["user"]["id"]
        credential = await session.get_one(Credential, user_id)
        credential.password_hash = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
        await session.flush()
        response = await sign_in(client, data["user"]["email"])
        await session.refresh(credential)
        assert response.status_code == 200
        assert credential.password_hash.startswith("$argon2id$")

    async def test_records_last_login(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        data = await signup(client)
        await sign_in(client, data["user"]["email"])
        user = await session.get_one(User, data["user"]["id"])
        await session.refresh(user)
        assert user.last_login_at is not None


class TestTiming:
    async def test_unknown_email_takes_as_long_as_a_wrong_password(
        self, client_with: ClientFactory
    ) -> None:
        settings = {
            "lockout_threshold": 1000,
            "rate_limit_ip_per_minute": 1000,
            "rate_limit_account_per_15_minutes": 1000,
        }
        async with client_with(**settings) as client:
            data = await signup(client)
            wrong, unknown = [], []
            for index in range(7):
                started = time.perf_counter()
                await sign_in(client, data["user"]["email"], "wrong password here")
                wrong.append(time.perf_counter() - started)
                started = time.perf_counter()
                await sign_in(client, f"ghost{index}@example.com", "wrong password here")
                unknown.append(time.perf_counter() - started)
        ratio = statistics.median(unknown) / statistics.median(wrong)
        assert 0.5 < ratio < 2.0, ratio
