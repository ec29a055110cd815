"""The taste demo: every demo track has an audio vector, every demo listener a taste, and a
demo user's recommendations are non-empty and explained; a second load reports the same."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.demo import load_catalog_demo
from backbeat.identity.demo import load_demo_users
from backbeat.library.demo import load_library_demo
from backbeat.listening.demo import load_listening_demo
from backbeat.media.demo import load_media_demo
from backbeat.taste.demo import load_taste_demo
from tests.conftest import settings_for_tests
from tests.identity.factories import bearer, sign_in


async def scalar(session: AsyncSession, sql: str) -> int:
    return int(await session.scalar(text(sql)) or 0)


async def test_demo_taste_and_explained_recommendations(
    session: AsyncSession, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    settings = settings_for_tests(data_dir=tmp_path / "data")
    await load_demo_users(session)
    await load_catalog_demo(session)
    await load_media_demo(session, settings)
    await load_listening_demo(session)
    await load_library_demo(session)
    first = await load_taste_demo(session, settings)
    tracks = await scalar(
        session, "select count(*) from catalog_tracks where import_key like 'demo:%'"
    )
    embedded = await scalar(session, "select count(*) from taste_track_embeddings")
    listeners = await scalar(
        session, "select count(distinct user_id) from listening_listens where track_id is not null"
    )
    tasted = await scalar(session, "select count(*) from taste_user_vectors")
    assert embedded == tracks > 0
    assert tasted >= listeners > 0
    assert "recommendations, first" in first[-1] and "because you played" in first[-1]
    assert await load_taste_demo(session, settings) == first

    token = (await sign_in(client, "mia@demo.backbeat.local", "mia-demo-listens-2026")).json()
    response = await client.get(
        "/v1/me/recommendations", params={"k": 5}, headers=bearer(token["access_token"])
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert len(items) == 5
    assert all(item["because"] and item["because"][0]["title"] for item in items)
