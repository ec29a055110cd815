"""Plays per day (the incremental job), track stats, the trending chart and the dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection

from backbeat.db import Database
from backbeat.listening.service.plays import id_bound
from backbeat.listening.tasks import count_plays
from tests.catalog.factories import User, new_track, new_user
from tests.conftest import rollback_database, settings_for_tests


async def listen(
    client: httpx.AsyncClient,
    user: User,
    track: dict[str, Any],
    days_ago: int,
    minutes: int = 1,
    **fields: Any,
) -> None:
    """A listen of `track` by `user`, `days_ago` days and `minutes` minutes ago."""
    at = datetime.now(UTC) - timedelta(days=days_ago, minutes=minutes)
    body = {
        "listened_at": at.isoformat(),
        "artist_name": track["artist"],
        "track_name": track["title"],
        "track_id": track["id"],
        **fields,
    }
    response = await client.post("/v1/listens", json=body, headers=user.headers)
    assert response.status_code == 201, response.text


async def count(database: Database, connection: AsyncConnection) -> int:
    """Run the plays job over the test's transaction, with no lag."""
    settings = settings_for_tests(listening_plays_lag_seconds=0)
    return await count_plays(rollback_database(database, connection), settings)


class TestPlays:
    async def test_plays_and_unique_listeners_per_day_counted_once(
        self, client: httpx.AsyncClient, database: Database, connection: AsyncConnection
    ) -> None:
        artist = await new_user(client)
        track = await new_track(client, artist)
        fans = [await new_user(client, "fan") for _ in range(2)]
        await listen(client, fans[0], track, 0)
        await listen(client, fans[0], track, 0, minutes=2)
        await listen(client, fans[1], track, 0, ms_played=45_000)
        await listen(client, fans[1], track, 1, ms_played=5_000, skipped=True)  # not a play
        await listen(client, fans[1], track, 2)
        assert await count(database, connection) == 4
        assert await count(database, connection) == 0  # incremental: nothing twice
        stats = (await client.get(f"/v1/tracks/{track['id']}/stats")).json()
        today = datetime.now(UTC).date()
        assert stats["total_plays"] == 4
        by_day = {d["day"]: (d["plays"], d["listeners"]) for d in stats["days"]}
        assert by_day[str(today)] == (3, 2)
        assert by_day[str(today - timedelta(days=2))] == (1, 1)
        await listen(client, fans[0], track, 0, minutes=3)
        assert await count(database, connection) == 1
        again = (await client.get(f"/v1/tracks/{track['id']}/stats")).json()
        assert {d["day"]: d["listeners"] for d in again["days"]}[str(today)] == 2

    async def test_a_short_loop_counts_when_half_of_it_was_played(
        self, client: httpx.AsyncClient, database: Database, connection: AsyncConnection
    ) -> None:
        artist, fan = await new_user(client), await new_user(client, "fan")
        track = await new_track(client, artist)
        await listen(client, fan, track, 0, duration_ms=4_000, ms_played=2_000)
        await listen(client, fan, track, 0, minutes=2, duration_ms=4_000, ms_played=1_999)
        await listen(client, fan, track, 0, minutes=3, ms_played=2_000)  # no duration: too short
        assert await count(database, connection) == 1

    async def test_the_job_stays_behind_by_the_lag(
        self, client: httpx.AsyncClient, database: Database, connection: AsyncConnection
    ) -> None:
        artist = await new_user(client)
        track = await new_track(client, artist)
        await listen(client, artist, track, 0)
        lagging = settings_for_tests(listening_plays_lag_seconds=600)
        assert await count_plays(rollback_database(database, connection), lagging) == 0
        assert await count(database, connection) == 1

    def test_the_id_bound_is_the_last_uuid7_of_its_millisecond(self) -> None:
        moment = datetime(2026, 1, 1, tzinfo=UTC)
        assert id_bound(moment).int >> 80 == int(moment.timestamp() * 1000)
        assert id_bound(moment) < id_bound(moment + timedelta(milliseconds=1))


class TestChartsAndDashboard:
    async def test_trending_weighs_recent_plays_and_shows_public_tracks_only(
        self, client: httpx.AsyncClient, database: Database, connection: AsyncConnection
    ) -> None:
        artist = await new_user(client)
        old = await new_track(client, artist, title="Old hit")
        new = await new_track(client, artist, title="New hit")
        hidden = await new_track(client, artist, title="Hidden", visibility="private")
        fan = await new_user(client, "fan")
        for minutes in (1, 2, 3):
            await listen(client, fan, old, 20, minutes)
        for minutes in (1, 2):
            await listen(client, fan, new, 0, minutes)
        await listen(client, artist, hidden, 0)
        await count(database, connection)
        chart = (await client.get("/v1/charts/trending")).json()["items"]
        titles = [entry["track"]["title"] for entry in chart]
        assert titles.index("New hit") < titles.index("Old hit") and "Hidden" not in titles
        assert chart[0]["rank"] == 1 and chart[0]["score"] >= chart[1]["score"]

    async def test_dashboard(
        self, client: httpx.AsyncClient, database: Database, connection: AsyncConnection
    ) -> None:
        artist = await new_user(client)
        a = await new_track(client, artist, title="A")
        b = await new_track(client, artist, title="B")
        fans = [await new_user(client, "fan") for _ in range(2)]
        for fan in fans:
            await listen(client, fan, a, 1)
            await client.put(f"/v1/me/following/creator/{artist.id}", headers=fan.headers)
        await listen(client, fans[0], b, 3)
        await count(database, connection)
        board = (await client.get("/v1/me/dashboard", headers=artist.headers)).json()
        assert (board["plays"], board["listeners"], board["followers"]) == (3, 2, 2)
        assert [t["title"] for t in board["top_tracks"]] == ["A", "B"]
        assert board["earnings"] == []
        assert (await client.get("/v1/me/dashboard")).status_code == 401
