"""Factories shared by catalog tests: users with tokens, tracks, wallets, CSV imports."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from backbeat.identity.stacks import c32_address
from tests.identity.factories import bearer, signup, unique_name


@dataclass(frozen=True)
class User:
    id: uuid.UUID
    username: str
    headers: dict[str, str]

    @property
    def payee(self) -> str:
        return f"user:{self.id}"


async def new_user(client: httpx.AsyncClient, prefix: str = "artist") -> User:
    name = unique_name(prefix)
    data = await signup(client, username=name)
    token = data["access_token"]
    me = await client.get("/v1/me", headers=bearer(token))
    assert me.status_code == 200, me.text
    return User(uuid.UUID(me.json()["id"]), name, bearer(token))


def wallet(seed: str) -> str:
    """A valid Stacks mainnet address derived from a seed."""
    return c32_address(22, hashlib.sha256(seed.encode()).digest()[:20])


async def new_track(client: httpx.AsyncClient, user: User, **fields: Any) -> dict[str, Any]:
    body = {"title": "Night Drive", "artist": "Luna", "sample_type": "vocals", **fields}
    response = await client.post("/v1/tracks", json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


CSV_HEADER = (
    "title,artist,sample_type,tags,composition_split_1_wallet,composition_split_1_percentage,"
    "composition_split_2_wallet,composition_split_2_percentage,"
    "production_split_1_wallet,production_split_1_percentage\n"
)


def csv_row(title: str, c1: str = "50", c2: str = "50") -> str:
    """One track in the seed's CSV layout, split between wallets a and b."""
    return f"{title},Luna,VOCALS,lofi,{wallet('a')},{c1},{wallet('b')},{c2},{wallet('a')},100\n"


GOOD_CSV = CSV_HEADER + csv_row("One") + csv_row("Two") + csv_row("Three")
ONE_BAD_CSV = CSV_HEADER + csv_row("One") + csv_row("Two", c1="60") + csv_row("Three")
