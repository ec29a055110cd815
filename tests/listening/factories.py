"""Factories shared by listening tests: personal access tokens, ListenBrainz documents."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.catalog.factories import User


async def new_pat(client: httpx.AsyncClient, user: User, scopes: list[str] | None = None) -> str:
    """A personal access token for `user` (with `listens:write` unless told otherwise)."""
    body = {"name": "scrobbler", "scopes": scopes or ["listens:write"]}
    response = await client.post("/v1/me/tokens", json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def token(pat: str) -> dict[str, str]:
    return {"Authorization": f"Token {pat}"}


def lb_listen(
    track: str = "Night Drive", artist: str = "Luna", at: int | None = None, **info: Any
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"track_name": track, "artist_name": artist}
    if info:
        metadata["additional_info"] = info
    return {"listened_at": int(time.time()) - 60 if at is None else at, "track_metadata": metadata}


def document(listen_type: str, *listens: dict[str, Any]) -> dict[str, Any]:
    return {"listen_type": listen_type, "payload": list(listens)}
