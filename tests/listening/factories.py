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


def spotify_row(track: str = "Night Drive", **fields: Any) -> dict[str, Any]:
    """A Spotify extended-streaming-history row, its fields as Spotify writes them."""
    return {
        "ts": "2024-03-04T12:34:56Z",
        "platform": "ios",
        "ms_played": 200_000,
        "conn_country": "NL",
        "master_metadata_track_name": track,
        "master_metadata_album_artist_name": "Luna",
        "master_metadata_album_album_name": "Roads",
        "spotify_track_uri": "spotify:track:4uLU6hMCjMI75M1A2tKUQC",
        "episode_name": None,
        "episode_show_name": None,
        "spotify_episode_uri": None,
        "reason_start": "trackdone",
        "reason_end": "trackdone",
        "shuffle": False,
        "skipped": False,
        "offline": False,
        "incognito_mode": False,
        **fields,
    }


def spotify_export() -> list[dict[str, Any]]:
    """Two listens, and one row of every kind that is not a listen."""
    return [
        spotify_row("One"),
        spotify_row("Two", ts="2024-03-04T13:00:00Z"),
        spotify_row("Pod", episode_name="Talk", spotify_episode_uri="spotify:episode:x"),
        spotify_row("Secret", incognito_mode=True),
        spotify_row("Skip", ms_played=12_000, reason_end="fwdbtn"),
        spotify_row("Broken", ts="yesterday"),
    ]
