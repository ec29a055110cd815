"""API helpers: real sign-ups and tokens through identity's endpoints."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.identity.models import User
from backbeat.royalties.distribution import Planner, distribute_batch
from backbeat.royalties.rights import Policy
from tests.identity.factories import bearer, sign_in, signup


@dataclass(frozen=True)
class Account:
    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


async def account(
    client: httpx.AsyncClient, session: AsyncSession, *, admin: bool = False
) -> Account:
    """A signed-up user (an admin when asked: roles set, then signed in again)."""
    created = await signup(client)
    user_id = uuid.UUID(created["user"]["id"])
    token = created["access_token"]
    if admin:
        await session.execute(
            text("update identity_users set roles = array['admin'] where id = :id"), {"id": user_id}
        )
        response = await sign_in(client, created["user"]["email"])
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
    user = await session.get(User, user_id)
    assert user is not None
    return Account(user, token)


async def personal_token(client: httpx.AsyncClient, owner: Account, *scopes: str) -> str:
    response = await client.post(
        "/v1/me/tokens", json={"name": "sales", "scopes": list(scopes)}, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


async def distribute_all(session: AsyncSession, policy: Policy | None = None) -> int:
    planner = Planner(policy or Policy())
    total = 0
    while done := await distribute_batch(session, planner, 500):
        total += done
    return total
