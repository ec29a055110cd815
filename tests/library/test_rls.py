"""Row-level security of the library, attacked in SQL: likes and dislikes are their owner's;
follows and counts are public but written only by the follower (counts only by the trigger);
playlists are readable when public or yours or shared with you, and edited by their editors."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from tests.rls import acting_as, make_user


@pytest.fixture
async def world(session: AsyncSession) -> dict[str, uuid.UUID]:
    alice, bob, carol = [await make_user(session, f"brls_{n}") for n in ("alice", "bob", "carol")]
    track = uuid.uuid4()
    await session.execute(
        text(
            "insert into catalog_tracks (id, title, artist, sample_type, created_by) "
            "values (:t, 'x', 'y', 'beats', :a)"
        ),
        {"t": track, "a": alice},
    )
    private, public = uuid.uuid4(), uuid.uuid4()
    params = {"a": alice, "b": bob, "c": carol, "t": track, "private": private, "public": public}
    for statement in (
        "insert into library_likes values (:a, :t)",
        "insert into library_dislikes values (:b, :t)",
        "insert into library_follows (follower_id, kind, target_id) values (:b, 'user', :a)",
        "insert into library_playlists (id, owner_id, name, collaborative) "
        "values (:private, :a, 'private', true)",
        "insert into library_playlists (id, owner_id, name, is_public) "
        "values (:public, :a, 'public', true)",
        "insert into library_playlist_members values (:private, :c)",
        "insert into library_playlist_items (id, playlist_id, position, track_id) values "
        "(gen_random_uuid(), :private, 'V', :t), (gen_random_uuid(), :public, 'V', :t)",
    ):
        await session.execute(text(statement), params)
    return {"alice": alice, "bob": bob, "carol": carol, "track": track, "private": private}


async def count(session: AsyncSession, sql: str) -> int:
    return int(await session.scalar(text(sql)) or 0)


class TestLikes:
    @pytest.mark.parametrize(
        ("table", "owner"), [("library_likes", "alice"), ("library_dislikes", "bob")]
    )
    async def test_only_the_owner_reads_and_writes(
        self, session: AsyncSession, world: dict[str, uuid.UUID], table: str, owner: str
    ) -> None:
        stranger = "carol"
        async with acting_as(session, world[owner]):
            assert await count(session, f"select count(*) from {table}") == 1  # noqa: S608
        async with acting_as(session, world[stranger]):
            assert await count(session, f"select count(*) from {table}") == 0  # noqa: S608
            with pytest.raises(DBAPIError, match="row-level security"):
                async with session.begin_nested():
                    await session.execute(
                        text(f"insert into {table} values (:o, :t)"),  # noqa: S608
                        {"o": world[owner], "t": world["track"]},
                    )


class TestFollows:
    async def test_follows_are_public_but_only_the_follower_writes(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session):
            assert await count(session, "select count(*) from library_follows") == 1
            assert await count(session, "select sum(followers) from library_follow_counts") == 1
        async with acting_as(session, world["carol"]):
            with pytest.raises(DBAPIError, match="row-level security"):
                async with session.begin_nested():
                    await session.execute(
                        text(
                            "insert into library_follows (follower_id, kind, target_id) "
                            "values (:b, 'user', :c)"
                        ),
                        {"b": world["bob"], "c": world["carol"]},
                    )
            gone = await session.execute(text("delete from library_follows"))
            assert gone.rowcount == 0  # type: ignore[attr-defined]

    async def test_counts_change_only_through_the_trigger(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session, world["alice"]):
            with pytest.raises(DBAPIError, match="permission denied"):
                async with session.begin_nested():
                    await session.execute(text("update library_follow_counts set followers = 99"))
        async with acting_as(session, world["carol"]):
            await session.execute(
                text(
                    "insert into library_follows (follower_id, kind, target_id) "
                    "values (:c, 'user', :a)"
                ),
                {"c": world["carol"], "a": world["alice"]},
            )
            assert await count(session, "select sum(followers) from library_follow_counts") == 2


class TestPlaylists:
    async def test_who_sees_which_playlist_and_items(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        names = "select string_agg(name, ',' order by name) from library_playlists"
        for who, expected, items in [
            (None, "public", 1),
            ("bob", "public", 1),
            ("carol", "private,public", 2),
            ("alice", "private,public", 2),
        ]:
            async with acting_as(session, world[who] if who else None):
                assert await session.scalar(text(names)) == expected
                assert await count(session, "select count(*) from library_playlist_items") == items

    async def test_only_editors_change_items_and_only_the_owner_the_playlist(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        add = text(
            "insert into library_playlist_items (id, playlist_id, position, track_id, added_by) "
            "values (gen_random_uuid(), :p, 'k', :t, :me)"
        )
        async with acting_as(session, world["bob"]):
            with pytest.raises(DBAPIError, match="row-level security"):
                async with session.begin_nested():
                    await session.execute(
                        add, {"p": world["private"], "t": world["track"], "me": world["bob"]}
                    )
        async with acting_as(session, world["carol"]):
            await session.execute(
                add, {"p": world["private"], "t": world["track"], "me": world["carol"]}
            )
            renamed = await session.execute(text("update library_playlists set name = 'mine'"))
            assert renamed.rowcount == 0  # type: ignore[attr-defined]
            with pytest.raises(DBAPIError, match="row-level security"):
                async with session.begin_nested():
                    await session.execute(
                        text("insert into library_playlist_members values (:p, :b)"),
                        {"p": world["private"], "b": world["bob"]},
                    )

    async def test_members_are_visible_to_the_playlist_people_only(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        query = "select count(*) from library_playlist_members"
        async with acting_as(session, world["alice"]):
            assert await count(session, query) == 1
        async with acting_as(session, world["bob"]):
            assert await count(session, query) == 0
        async with acting_as(session):
            with pytest.raises(DBAPIError, match="permission denied"):
                async with session.begin_nested():
                    await count(session, query)
