"""Row-level security of generations, day counts and bands, attacked in SQL as other users:
generations and counts are their owner's (the worker alone moves a generation on); bands are
read when public or yours and written by their owner; a band holds only its owner's generated
tracks; counts change only through the triggers."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from tests.generation_support import make_generated
from tests.rls import acting_as, make_track, make_user

World = dict[str, uuid.UUID]


@pytest.fixture
async def world(session: AsyncSession) -> World:
    alice, bob = await make_user(session, "grls_alice"), await make_user(session, "grls_bob")
    track = await make_generated(session, alice)
    public, private = uuid.uuid4(), uuid.uuid4()
    for band, is_public in ((public, True), (private, False)):
        await session.execute(
            text(
                "insert into taste_bands (id, owner_id, name, bio, is_public) "
                "values (:b, :a, 'x', '', :p)"
            ),
            {"b": band, "a": alice, "p": is_public},
        )
        await session.execute(
            text("insert into taste_band_tracks (band_id, track_id) values (:b, :t)"),
            {"b": band, "t": track},
        )
    await session.execute(
        text("insert into taste_generation_days (user_id, day, used) values (:a, current_date, 2)"),
        {"a": alice},
    )
    return {"alice": alice, "bob": bob, "track": track, "public": public, "private": private}


async def count(session: AsyncSession, sql: str, **params: object) -> int:
    return int(await session.scalar(text(sql), params) or 0)


async def refused(session: AsyncSession, sql: str, match: str, **params: object) -> None:
    with pytest.raises(DBAPIError, match=match):
        async with session.begin_nested():
            await session.execute(text(sql), params)


class TestGenerations:
    async def test_only_the_owner_reads_them(self, session: AsyncSession, world: World) -> None:
        for who, seen in (("alice", 1), ("bob", 0)):
            async with acting_as(session, world[who]):
                assert await count(session, "select count(*) from taste_generations") == seen
                assert await count(session, "select count(*) from taste_generation_days") == seen
        async with acting_as(session):
            await refused(session, "select count(*) from taste_generations", "permission denied")

    async def test_nobody_queues_for_another_or_skips_the_job(
        self, session: AsyncSession, world: World
    ) -> None:
        insert = (
            "insert into taste_generations (user_id, id, mode, status, duration_seconds, seed, "
            "generator, generator_version, quota_day) values (:u, gen_random_uuid(), 'new', "
            ":s, 5, 1, 'g', '1', current_date)"
        )
        async with acting_as(session, world["bob"]):
            await refused(session, insert, "row-level security", u=world["alice"], s="queued")
            await refused(session, insert, "row-level security", u=world["bob"], s="generating")
            await session.execute(text(insert), {"u": world["bob"], "s": "queued"})
        async with acting_as(session, world["alice"]):
            await refused(
                session, "update taste_generations set status = 'failed'", "permission denied"
            )
            await refused(session, "update taste_generation_days set used = 0", "permission denied")


class TestBands:
    async def test_who_reads_which_band_and_its_tracks(
        self, session: AsyncSession, world: World
    ) -> None:
        for who, bands, tracks in ((None, 1, 0), ("bob", 1, 0), ("alice", 2, 2)):
            async with acting_as(session, world[who] if who else None):
                assert await count(session, "select count(*) from taste_bands") == bands
                assert await count(session, "select count(*) from taste_band_tracks") == tracks

    async def test_only_the_owner_writes(self, session: AsyncSession, world: World) -> None:
        bobs = await make_generated(session, world["bob"])
        async with acting_as(session, world["bob"]):
            changed = await session.execute(text("update taste_bands set name = 'mine'"))
            assert changed.rowcount == 0  # type: ignore[attr-defined]
            gone = await session.execute(text("delete from taste_bands"))
            assert gone.rowcount == 0  # type: ignore[attr-defined]
            await refused(
                session,
                "insert into taste_bands (id, owner_id, name, bio) "
                "values (gen_random_uuid(), :a, 'x', '')",
                "row-level security",
                a=world["alice"],
            )
            await refused(
                session,
                "insert into taste_band_tracks (band_id, track_id) values (:b, :t)",
                "row-level security",
                b=world["public"],
                t=bobs,
            )

    async def test_a_band_holds_only_generated_tracks(
        self, session: AsyncSession, world: World
    ) -> None:
        plain = await make_track(session, world["alice"], "public")
        async with acting_as(session, world["alice"]):
            await refused(
                session,
                "insert into taste_band_tracks (band_id, track_id) values (:b, :t)",
                "row-level security",
                b=world["public"],
                t=plain,
            )

    async def test_counts_only_through_the_triggers(
        self, session: AsyncSession, world: World
    ) -> None:
        async with acting_as(session, world["alice"]):
            await refused(session, "update taste_bands set track_count = 9", "permission denied")
            await refused(session, "update taste_bands set follower_count = 9", "permission denied")
            assert (
                await count(
                    session, "select track_count from taste_bands where id = :b", b=world["public"]
                )
                == 1
            )
        async with acting_as(session, world["bob"]):
            await session.execute(
                text(
                    "insert into library_follows (follower_id, kind, target_id) "
                    "values (:f, 'band', :b)"
                ),
                {"f": world["bob"], "b": world["public"]},
            )
            assert (
                await count(
                    session,
                    "select follower_count from taste_bands where id = :b",
                    b=world["public"],
                )
                == 1
            )
