"""Row-level security of listening, attacked in SQL as the API's roles: listens, playing now,
imports and their files and refusals are their owner's alone; plays follow track visibility;
the listener-days and the cursor are the job's only."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from tests.rls import acting_as, make_track, make_user

AT = datetime(2025, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
async def world(session: AsyncSession) -> dict[str, uuid.UUID]:
    alice, bob = await make_user(session, "lrls_alice"), await make_user(session, "lrls_bob")
    public, private = (
        await make_track(session, alice, "public"),
        await make_track(session, alice, "private"),
    )
    await session.execute(text("select listening_ensure_partitions(:a, :a)"), {"a": AT})
    await session.execute(
        text(
            "insert into listening_listens (id, user_id, listened_at, artist_name, track_name, "
            "recording_msid, track_id) values (gen_random_uuid(), :u, :at, 'a', 't', "
            "gen_random_uuid(), :t)"
        ),
        {"u": alice, "at": AT, "t": public},
    )
    await session.execute(
        text(
            "insert into listening_playing_now (user_id, track_metadata, expires_at) "
            "values (:u, '{}', now() + interval '1 hour')"
        ),
        {"u": alice},
    )
    imported = uuid.uuid4()
    for statement in (
        "insert into listening_imports (id, user_id, format, filename) "
        "values (:i, :u, 'spotify', 'x.json')",
        "insert into listening_import_files values (:i, 'secret')",
        "insert into listening_import_refusals values (:i, 0, 'x.json#1', 'bad')",
    ):
        await session.execute(text(statement), {"i": imported, "u": alice})
    for track in (public, private):
        for statement in (
            "insert into listening_track_plays_daily values (:t, :d, 5, 2)",
            "insert into listening_track_listeners_daily values (:t, :d, :u)",
        ):
            await session.execute(text(statement), {"t": track, "d": date(2025, 6, 1), "u": alice})
    return {"alice": alice, "bob": bob, "public": public, "private": private, "import": imported}


COUNTS = {
    "listening_listens": "select count(*) from listening_listens where artist_name = 'a'",
    "listening_playing_now": "select count(*) from listening_playing_now",
    "listening_imports": "select count(*) from listening_imports",
    "listening_import_refusals": "select count(*) from listening_import_refusals",
}


class TestOwnRowsOnly:
    @pytest.mark.parametrize("table", sorted(COUNTS))
    async def test_only_the_owner_reads(
        self, session: AsyncSession, world: dict[str, uuid.UUID], table: str
    ) -> None:
        query = text(COUNTS[table])
        async with acting_as(session, world["alice"]):
            assert await session.scalar(query) == 1
        async with acting_as(session, world["bob"]):
            assert await session.scalar(query) == 0
        if table in ("listening_listens", "listening_playing_now"):
            async with acting_as(session):
                with pytest.raises(DBAPIError, match="permission denied"):
                    async with session.begin_nested():
                        await session.scalar(query)

    async def test_nobody_writes_listens_for_someone_else(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session, world["bob"]):
            with pytest.raises(DBAPIError, match="row-level security"):
                async with session.begin_nested():
                    await session.execute(
                        text(
                            "insert into listening_listens (id, user_id, listened_at, "
                            "artist_name, track_name, recording_msid) values "
                            "(gen_random_uuid(), :a, :at, 'x', 'y', gen_random_uuid())"
                        ),
                        {"a": world["alice"], "at": AT},
                    )
            deleted = await session.execute(text("delete from listening_listens"))
            assert deleted.rowcount == 0  # type: ignore[attr-defined]

    async def test_partitions_are_not_reachable_directly(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session, world["alice"]):
            with pytest.raises(DBAPIError, match="permission denied"):
                async with session.begin_nested():
                    await session.execute(text("select count(*) from listening_listens_p202506"))

    async def test_uploaded_files_are_never_readable(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session, world["alice"]):
            with pytest.raises(DBAPIError, match="permission denied"):
                async with session.begin_nested():
                    await session.execute(text("select body from listening_import_files"))

    async def test_a_file_cannot_be_attached_to_someone_elses_import(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session, world["bob"]):
            with pytest.raises(DBAPIError, match="row-level security"):
                async with session.begin_nested():
                    await session.execute(
                        text("insert into listening_import_files values (:i, 'x')"),
                        {"i": world["import"]},
                    )


class TestPlays:
    async def test_plays_follow_track_visibility(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        query = text("select count(*) from listening_track_plays_daily where plays = 5")
        async with acting_as(session):
            assert await session.scalar(query) == 1
        async with acting_as(session, world["bob"]):
            assert await session.scalar(query) == 1
        async with acting_as(session, world["alice"]):
            assert await session.scalar(query) == 2

    @pytest.mark.parametrize("table", ["listening_track_listeners_daily", "listening_plays_cursor"])
    async def test_job_tables_are_closed_to_api_roles(
        self, session: AsyncSession, world: dict[str, uuid.UUID], table: str
    ) -> None:
        async with acting_as(session, world["alice"]):
            with pytest.raises(DBAPIError, match="permission denied"):
                async with session.begin_nested():
                    await session.execute(text(f"select * from {table}"))  # noqa: S608

    async def test_listener_count_is_only_for_your_own_tracks(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        query = text("select listening_my_listeners(date '2025-01-01')")
        async with acting_as(session, world["alice"]):
            assert await session.scalar(query) == 1
        async with acting_as(session, world["bob"]):
            assert await session.scalar(query) == 0
