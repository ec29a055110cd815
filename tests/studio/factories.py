"""Factories shared by studio tests: users with tokens, projects, saves."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from tests.identity.factories import bearer, signup, unique_name

PATCH_JSON = {"Content-Type": "application/json-patch+json"}


@dataclass(frozen=True)
class User:
    id: uuid.UUID
    username: str
    email: str
    headers: dict[str, str]


async def new_user(client: httpx.AsyncClient, prefix: str = "producer") -> User:
    name = unique_name(prefix)
    data = await signup(client, username=name)
    me = await client.get("/v1/me", headers=bearer(data["access_token"]))
    assert me.status_code == 200, me.text
    return User(
        uuid.UUID(me.json()["id"]), name, f"{name}@example.com", bearer(data["access_token"])
    )


def session_document() -> dict[str, Any]:
    """A small DAW document: tracks and clips keyed by id, a mixer."""
    return {
        "tracks": [
            {"id": "drums", "name": "Drums", "volume": 0.8, "clips": [{"id": "c1", "start": 0}]},
            {"id": "bass", "name": "Bass", "volume": 0.7, "clips": []},
        ],
        "mixer": {"master": {"volume": 1.0, "limiter": True}},
        "markers": [0, 16, 32],
    }


async def new_project(
    client: httpx.AsyncClient, user: User, document: dict[str, Any] | None = None, **fields: Any
) -> dict[str, Any]:
    body = {"name": "Night Session", "document": document or session_document(), **fields}
    response = await client.post("/v1/projects", json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def patch(
    client: httpx.AsyncClient, user: User, project_id: object, base: int, ops: list[dict[str, Any]]
) -> httpx.Response:
    return await client.patch(
        f"/v1/projects/{project_id}",
        params={"base": base},
        json=ops,
        headers={**user.headers, **PATCH_JSON},
    )


async def add_member(
    client: httpx.AsyncClient, owner: User, project_id: object, member: User, role: str
) -> None:
    invited = await client.post(
        f"/v1/projects/{project_id}/members",
        json={"username": member.username, "role": role},
        headers=owner.headers,
    )
    assert invited.status_code == 201, invited.text
    accepted = await client.post(
        f"/v1/project-invitations/{invited.json()['id']}/accept", headers=member.headers
    )
    assert accepted.status_code == 200, accepted.text
