"""Row-level security of the catalog, attacked directly in SQL as the API's roles."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession

from tests.rls import acting_as, make_track, make_user


async def track_with_contact(session: AsyncSession, owner: uuid.UUID, visibility: str) -> uuid.UUID:
    """A track with owner-only contact info."""
    track = await make_track(session, owner, visibility, artist="a")
    await session.execute(
        text('insert into catalog_track_contacts values (:t, \'{"email": "x@y.z"}\')'),
        {"t": track},
    )
    return track


@pytest.fixture
async def world(session: AsyncSession) -> dict[str, uuid.UUID]:
    alice, bob = await make_user(session, "rls_alice"), await make_user(session, "rls_bob")
    tracks = {
        v: await track_with_contact(session, alice, v) for v in ("public", "unlisted", "private")
    }
    return {"alice": alice, "bob": bob, **tracks}


async def titles(session: AsyncSession) -> list[str]:
    rows = await session.scalars(
        text("select title from catalog_tracks where artist = 'a' order by title")
    )
    return list(rows)


class TestTracks:
    async def test_who_reads_which_track(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session):
            assert await titles(session) == ["public", "unlisted"]
        async with acting_as(session, world["bob"]):
            assert await titles(session) == ["public", "unlisted"]
        async with acting_as(session, world["alice"]):
            assert await titles(session) == ["private", "public", "unlisted"]

    async def test_others_cannot_update_or_steal(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session, world["bob"]):
            result = await session.execute(
                text("update catalog_tracks set title = 'mine' where id = :t"),
                {"t": world["public"]},
            )
            assert result.rowcount == 0  # type: ignore[attr-defined]
        async with acting_as(session, world["alice"]):
            with pytest.raises(DBAPIError, match="permission denied"):  # no column grant
                async with session.begin_nested():
                    await session.execute(
                        text("update catalog_tracks set created_by = :b where id = :t"),
                        {"b": world["bob"], "t": world["public"]},
                    )

    async def test_nobody_inserts_for_someone_else(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session, world["bob"]):
            with pytest.raises(DBAPIError, match="row-level security"):
                async with session.begin_nested():
                    await session.execute(
                        text(
                            "insert into catalog_tracks (title, artist, sample_type, created_by) "
                            "values ('x', 'y', 'beats', :a)"
                        ),
                        {"a": world["alice"]},
                    )

    async def test_hard_delete_is_not_granted(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session, world["alice"]):
            with pytest.raises(ProgrammingError, match="permission denied"):
                async with session.begin_nested():
                    await session.execute(
                        text("delete from catalog_tracks where id = :t"), {"t": world["public"]}
                    )


class TestContactInfo:
    async def test_only_the_owner_reads_contact_info(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        query = text("select count(*) from catalog_track_contacts")
        async with acting_as(session, world["alice"]):
            assert await session.scalar(query) == 3
        async with acting_as(session, world["bob"]):
            assert await session.scalar(query) == 0
        async with acting_as(session):
            assert await session.scalar(query) == 0


class TestSheetsAndPresets:
    async def test_split_sum_is_checked_at_commit(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        version = uuid.uuid4()
        payee = await session.scalar(
            text("select catalog_payee_id(:u, null)"), {"u": world["alice"]}
        )
        async with session.begin_nested():
            await session.execute(
                text(
                    "insert into catalog_split_versions "
                    "(id, track_id, sheet, version, effective_from, status) "
                    "values (:v, :t, 'composition', 1, now(), 'active')"
                ),
                {"v": version, "t": world["public"]},
            )
            await session.execute(
                text("insert into catalog_split_entries values (:v, 0, :p, 'composer', 500000)"),
                {"v": version, "p": payee},
            )
        with pytest.raises(DBAPIError, match="sums to 500000 ppm"):
            await session.execute(text("set constraints all immediate"))

    async def test_other_peoples_presets_are_invisible(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        await session.execute(
            text(
                "insert into catalog_split_presets (id, user_id, slot, name, entries) "
                "values (gen_random_uuid(), :a, 1, 'p', '[]')"
            ),
            {"a": world["alice"]},
        )
        async with acting_as(session, world["bob"]):
            assert await session.scalar(text("select count(*) from catalog_split_presets")) == 0
        async with acting_as(session, world["alice"]):
            assert await session.scalar(text("select count(*) from catalog_split_presets")) == 1

    async def test_the_seed_view_hides_private_tracks(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        query = text("select count(*) from ip_tracks_with_attribution where artist = 'a'")
        async with acting_as(session):
            assert await session.scalar(query) == 2
