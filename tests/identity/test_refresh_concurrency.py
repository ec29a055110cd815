"""Two refreshes racing with the same token, on a database that really commits."""

from __future__ import annotations

import asyncio

import httpx

from backbeat.app import create_app
from backbeat.db import Database
from tests.conftest import settings_for_tests
from tests.identity.factories import PASSWORD


async def test_exactly_one_concurrent_refresh_wins_and_the_family_is_revoked(
    committed_database: Database,
) -> None:
    app = create_app(settings_for_tests(), database=committed_database)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        signed = await client.post(
            "/v1/auth/signup",
            json={"email": "race@example.com", "password": PASSWORD, "username": "racer"},
        )
        body = {"grant_type": "refresh_token", "refresh_token": signed.json()["refresh_token"]}
        first, second = await asyncio.gather(
            client.post("/v1/auth/token", json=body), client.post("/v1/auth/token", json=body)
        )
        statuses = sorted([first.status_code, second.status_code])
        winner = first if first.status_code == 200 else second
        after = await client.post(
            "/v1/auth/token",
            json={"grant_type": "refresh_token", "refresh_token": winner.json()["refresh_token"]},
        )
        me = await client.get(
            "/v1/me", headers={"Authorization": f"Bearer {winner.json()['access_token']}"}
        )
        events = await client.get(
            "/v1/me/security-events",
            headers={"Authorization": f"Bearer {signed.json()['access_token']}"},
        )
    assert statuses == [200, 401]
    assert after.status_code == 401
    assert me.status_code == 401
    assert events.status_code == 401  # the whole family, including the original access token
