"""The listening and library demo: a year of listens with skips, plays counted, charts that are
not empty, likes, follows and two playlists per account; a second load adds nothing."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.catalog.demo import load_catalog_demo
from backbeat.identity.demo import load_demo_users
from backbeat.library.demo import load_library_demo
from backbeat.listening.demo import load_listening_demo


async def scalar(session: AsyncSession, sql: str) -> int:
    return int(await session.scalar(text(sql)) or 0)


async def test_demo_loads_a_year_and_loads_once(session: AsyncSession) -> None:
    await load_demo_users(session)
    await load_catalog_demo(session)
    first = await load_listening_demo(session)
    listens = await scalar(session, "select count(*) from listening_listens")
    people = await scalar(session, "select count(distinct user_id) from listening_listens")
    assert first[0].startswith(f"{listens} demo listens of {people} accounts, ")
    assert people == 19 and listens > people * 300
    span = await scalar(
        session,
        "select extract(day from max(listened_at) - min(listened_at)) from listening_listens",
    )
    assert span >= 360
    skipped = await scalar(session, "select count(*) from listening_listens where skipped")
    assert 0.1 < skipped / listens < 0.25
    assert await scalar(session, "select count(*) from listening_track_plays_daily") > 100
    library = await load_library_demo(session)
    assert library[0].startswith("38 playlists, ") and library[0].endswith("of 19 accounts")
    assert await scalar(session, "select count(*) from library_playlist_items") == 38 * 8
    assert await scalar(session, "select count(*) from library_follows") > 0
    assert await load_listening_demo(session) == first  # a second run adds nothing
    assert await load_library_demo(session) == library
    assert await scalar(session, "select count(*) from listening_listens") == listens
