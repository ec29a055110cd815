"""Entitlements decide other domains' limits at once: media's storage quota per bucket
(`storage.bytes`, else media_quota_bytes), studio's projects per owner and collaborators per
project. A plan change applies to the very next request."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.billing_factories import make_plan, make_subscription
from tests.identity.factories import bearer, signup
from tests.media.conftest import alice, api, media_app, media_settings_overrides, storage
from tests.media.factories import upload, wav_bytes

__all__ = ["alice", "api", "media_app", "media_settings_overrides", "storage"]


async def set_entitlements(session: AsyncSession, plan: uuid.UUID, values: dict[str, Any]) -> None:
    await session.execute(
        text("update billing_plans set entitlements = cast(:e as jsonb) where id = :p"),
        {"e": json.dumps(values), "p": plan},
    )


class TestStorageQuota:
    @pytest.fixture
    def media_settings_overrides(self) -> dict[str, object]:
        return {"media_quota_bytes": 150_000}

    async def test_the_plan_decides_at_once(
        self, api: httpx.AsyncClient, alice: uuid.UUID, session: AsyncSession
    ) -> None:
        assert (await upload(api, alice, wav_bytes(0.5), path=f"{alice}/1.wav")).status_code == 201
        refused = await upload(api, alice, wav_bytes(0.5, freq=220), path=f"{alice}/2.wav")
        assert refused.status_code == 413  # the setting: free users' quota

        plan = await make_plan(session, "pro", {"storage.bytes": 1_000_000})
        await make_subscription(session, alice, plan)
        second = await upload(api, alice, wav_bytes(0.5, freq=220), path=f"{alice}/2.wav")
        assert second.status_code == 201, second.text

        await set_entitlements(session, plan, {"storage.bytes": 200_000})
        third = await upload(api, alice, wav_bytes(0.5, freq=330), path=f"{alice}/3.wav")
        assert third.status_code == 413
        assert third.json()["code"] == "quota_exceeded"  # 1 MB would have taken it

        await set_entitlements(session, plan, {"storage.bytes": None})
        unlimited = await upload(api, alice, wav_bytes(0.5, freq=330), path=f"{alice}/3.wav")
        assert unlimited.status_code == 201, unlimited.text


async def new_project(
    client: httpx.AsyncClient, headers: dict[str, str], name: str
) -> httpx.Response:
    body = {"name": name, "document": {"tracks": []}}
    return await client.post("/v1/projects", json=body, headers=headers)


class TestStudioLimits:
    async def test_projects_per_owner(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        created = await signup(client)
        user, headers = uuid.UUID(created["user"]["id"]), bearer(created["access_token"])
        plan = await make_plan(session, "free", {"studio.projects": 1})
        assert (await new_project(client, headers, "one")).status_code == 201
        refused = await new_project(client, headers, "two")
        assert refused.status_code == 403
        assert refused.json()["code"] == "plan_limit_reached"
        await make_subscription(
            session, user, await make_plan(session, "pro", {"studio.projects": 2})
        )
        assert (await new_project(client, headers, "two")).status_code == 201
        await set_entitlements(session, plan, {"studio.projects": None})
        assert (await new_project(client, headers, "three")).status_code == 403  # pro's 2 rule

    async def test_collaborators_per_project(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        owner = await signup(client)
        headers = bearer(owner["access_token"])
        friends = [(await signup(client))["user"]["username"] for _ in range(3)]
        plan = await make_plan(session, "free", {"studio.collaborators": 1})
        project = (await new_project(client, headers, "band")).json()["id"]

        async def invite(name: str) -> httpx.Response:
            body = {"username": name, "role": "editor"}
            return await client.post(f"/v1/projects/{project}/members", json=body, headers=headers)

        assert (await invite(friends[0])).status_code == 201
        refused = await invite(friends[1])
        assert refused.status_code == 403 and refused.json()["code"] == "plan_limit_reached"
        await set_entitlements(session, plan, {"studio.collaborators": 3})
        assert (await invite(friends[1])).status_code == 201
