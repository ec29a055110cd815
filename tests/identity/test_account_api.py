"""/v1/me, public profiles, personal access tokens, OAuth connections, security events, roles."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.edge import state_of
from backbeat.identity.auth import IDENTITY
from backbeat.identity.models import OAuthConnection, PersonalAccessToken, User
from backbeat.identity.service.connections import open_tokens
from tests.identity.factories import bearer, sign_in, signup


async def make_admin(session: AsyncSession, client: httpx.AsyncClient) -> dict[str, Any]:
    data = await signup(client)
    user = await session.get_one(User, data["user"]["id"])
    user.roles = ["listener", "admin"]
    await session.flush()
    signed: dict[str, Any] = (await sign_in(client, data["user"]["email"])).json()
    return signed


class TestMe:
    async def test_updates_profile_and_studio_preferences(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        patch = {
            "display_name": "Nova",
            "bio": "loops and stems",
            "avatar_url": "https://cdn.example.com/a.png",
            "preferred_genres": ["house", "ambient"],
            "default_bpm": 124,
            "default_key": "F#m",
            "preferred_lufs_target": -14,
        }
        response = await client.patch("/v1/me", json=patch, headers=bearer(data["access_token"]))
        body = response.json()
        assert response.status_code == 200, response.text
        assert body["display_name"] == "Nova"
        assert body["studio"] == {
            "preferred_genres": ["house", "ambient"],
            "default_bpm": 124,
            "default_key": "F#m",
            "preferred_lufs_target": -14.0,
        }

    async def test_refuses_out_of_range_preferences(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        for bad in (
            {"default_bpm": 5},
            {"preferred_lufs_target": 3},
            {"default_key": "H"},
            {"roles": ["admin"]},
            {"email": "x@example.com"},
        ):
            response = await client.patch("/v1/me", json=bad, headers=bearer(data["access_token"]))
            assert response.status_code == 422, bad

    async def test_renaming_to_a_taken_username_is_a_conflict(
        self, client: httpx.AsyncClient
    ) -> None:
        alice, bob = await signup(client), await signup(client)
        response = await client.patch(
            "/v1/me",
            json={"username": bob["user"]["username"].upper()},
            headers=bearer(alice["access_token"]),
        )
        assert response.status_code == 409


class TestPublicProfile:
    async def test_anyone_reads_public_fields_only(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        response = await client.get(f"/v1/users/{data['user']['username'].upper()}")
        body = response.json()
        assert response.status_code == 200
        assert body["id"] == data["user"]["id"]
        assert "email" not in body and "last_login_at" not in body

    async def test_unknown_user_is_a_404(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/v1/users/nobody_here")).status_code == 404


class TestPersonalAccessTokens:
    async def test_is_shown_once_and_stored_hashed(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        data = await signup(client)
        headers = bearer(data["access_token"])
        created = await client.post(
            "/v1/me/tokens", json={"name": "CI", "scopes": ["read"]}, headers=headers
        )
        token = created.json()["token"]
        listed = await client.get("/v1/me/tokens", headers=headers)
        stored = await session.scalar(select(PersonalAccessToken.token_hash))
        assert created.status_code == 201 and token.startswith("bbp_")
        assert token not in listed.text and "token_hash" not in listed.text
        assert listed.json()[0]["hint"].startswith("bbp_")
        assert stored is not None and stored != token

    async def test_reads_with_read_scope_but_cannot_write(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        created = await client.post(
            "/v1/me/tokens",
            json={"name": "reader", "scopes": ["read"]},
            headers=bearer(data["access_token"]),
        )
        headers = bearer(created.json()["token"])
        me = await client.get("/v1/me", headers=headers)
        patch = await client.patch("/v1/me", json={"bio": "x"}, headers=headers)
        assert me.status_code == 200 and me.json()["id"] == data["user"]["id"]
        assert patch.status_code == 403 and patch.json()["code"] == "insufficient_scope"

    async def test_cannot_mint_more_tokens_or_sessions(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        created = await client.post(
            "/v1/me/tokens",
            json={"name": "writer", "scopes": ["read", "write"]},
            headers=bearer(data["access_token"]),
        )
        headers = bearer(created.json()["token"])
        more = await client.post(
            "/v1/me/tokens", json={"name": "x", "scopes": ["read"]}, headers=headers
        )
        assert more.status_code == 403 and more.json()["code"] == "session_required"

    async def test_revoked_token_stops_working(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        headers = bearer(data["access_token"])
        created = (
            await client.post(
                "/v1/me/tokens", json={"name": "t", "scopes": ["read"]}, headers=headers
            )
        ).json()
        revoked = await client.delete(f"/v1/me/tokens/{created['id']}", headers=headers)
        assert revoked.status_code == 204
        assert (await client.get("/v1/me", headers=bearer(created["token"]))).status_code == 401

    async def test_admin_scope_needs_an_admin_and_domain_scopes_are_accepted(
        self, client: httpx.AsyncClient
    ) -> None:
        data = await signup(client)
        headers = bearer(data["access_token"])
        admin = await client.post(
            "/v1/me/tokens", json={"name": "a", "scopes": ["admin"]}, headers=headers
        )
        domain = await client.post(
            "/v1/me/tokens", json={"name": "d", "scopes": ["revenue:write"]}, headers=headers
        )
        bad = await client.post(
            "/v1/me/tokens", json={"name": "b", "scopes": ["everything"]}, headers=headers
        )
        assert admin.status_code == 403
        assert domain.status_code == 201
        assert bad.status_code == 422


class TestConnections:
    async def test_stores_tokens_sealed_and_never_returns_them(
        self, client: httpx.AsyncClient, session: AsyncSession, app: FastAPI
    ) -> None:
        data = await signup(client)
        headers = bearer(data["access_token"])
        body = {
            "access_token": "spotify-access-SECRET",
            "refresh_token": "spotify-refresh-SECRET",
            "expires_at": "2030-01-01T00:00:00Z",
            "scopes": ["user-library-read"],
            "provider_account_id": "nova",
        }
        put = await client.put("/v1/me/connections/spotify", json=body, headers=headers)
        listed = await client.get("/v1/me/connections", headers=headers)
        row = await session.scalar(select(OAuthConnection))
        assert put.status_code == 200, put.text
        assert "SECRET" not in put.text and "SECRET" not in listed.text
        assert listed.json()[0]["provider"] == "spotify"
        assert listed.json()[0]["expires_at"].startswith("2030-01-01")
        assert row is not None and b"SECRET" not in row.access_token_sealed
        opened = await open_tokens(
            session,
            state_of(app).component(IDENTITY).keys.oauth_box,
            user_id=row.user_id,
            provider="spotify",
        )
        assert opened == ("spotify-access-SECRET", "spotify-refresh-SECRET")

    async def test_put_replaces_and_delete_removes(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        headers = bearer(data["access_token"])
        url = "/v1/me/connections/youtube"
        await client.put(url, json={"access_token": "one", "scopes": ["a"]}, headers=headers)
        second = await client.put(
            url, json={"access_token": "two", "scopes": ["b"]}, headers=headers
        )
        assert second.json()["scopes"] == ["b"]
        assert (await client.delete(url, headers=headers)).status_code == 204
        assert (await client.delete(url, headers=headers)).status_code == 404
        assert (await client.get("/v1/me/connections", headers=headers)).json() == []

    async def test_unknown_provider_is_a_422(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        response = await client.put(
            "/v1/me/connections/myspace",
            json={"access_token": "x"},
            headers=bearer(data["access_token"]),
        )
        assert response.status_code == 422


class TestSecurityEvents:
    async def test_user_sees_own_events_newest_first(self, client: httpx.AsyncClient) -> None:
        data = await signup(client)
        await sign_in(client, data["user"]["email"], "definitely wrong password")
        other = await signup(client)
        response = await client.get("/v1/me/security-events", headers=bearer(data["access_token"]))
        kinds = [e["kind"] for e in response.json()]
        assert kinds[:2] == ["sign_in_failed", "sign_in"]
        assert other["user"]["id"] not in response.text

    async def test_admin_reads_anyones_events_and_others_cannot(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        target = await signup(client)
        admin = await make_admin(session, client)
        url = f"/v1/admin/users/{target['user']['id']}/security-events"
        as_admin = await client.get(url, headers=bearer(admin["access_token"]))
        as_user = await client.get(url, headers=bearer(target["access_token"]))
        assert as_admin.status_code == 200 and as_admin.json()[0]["kind"] == "sign_in"
        assert as_user.status_code == 403


class TestRoles:
    async def test_only_an_admin_grants_admin(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        user, other = await signup(client), await signup(client)
        url = f"/v1/admin/users/{other['user']['username']}/roles"
        refused = await client.put(
            url, json={"roles": ["admin"]}, headers=bearer(user["access_token"])
        )
        admin = await make_admin(session, client)
        granted = await client.put(
            url, json={"roles": ["artist", "admin"]}, headers=bearer(admin["access_token"])
        )
        assert refused.status_code == 403
        assert granted.status_code == 200
        assert granted.json()["roles"] == ["artist", "admin"]
