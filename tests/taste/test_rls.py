"""Row-level security of taste, attacked in SQL as other users: vectors, profiles and stations
are their owner's; track vectors follow the track's visibility and are written by admins or the
track's owner; the event queue and recall are the jobs' alone; only admins register models."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from backbeat.taste.service import embeddings
from tests.rls import acting_as, make_track, make_user

VECTOR = "[1,0,0,0]"


@pytest.fixture
async def world(session: AsyncSession) -> dict[str, uuid.UUID]:
    alice, bob = await make_user(session, "trls_alice"), await make_user(session, "trls_bob")
    model = await embeddings.register_model(session, name="rls-four", version="1", dimension=4)
    public, private = (
        await make_track(session, alice, "public"),
        await make_track(session, alice, "private"),
    )
    params = {"a": alice, "m": model.id, "pub": public, "priv": private, "v": VECTOR}
    for statement in (
        "insert into taste_track_embeddings (model_id, track_id, dimension, embedding) "
        "values (:m, :pub, 4, cast(:v as vector)), (:m, :priv, 4, cast(:v as vector))",
        "insert into taste_user_vectors (user_id, model_id, dimension, vector, weight, "
        "reference_at) values (:a, :m, 4, cast(:v as vector), 1, now())",
        "insert into taste_profiles (user_id, genres) values (:a, '{house}')",
        "insert into taste_stations (id, user_id, model_id, seed_kind, seed_vector, vector) "
        "values (:a, :a, :m, 'taste', cast(:v as vector), cast(:v as vector))",
        "insert into taste_station_tracks (station_id, track_id, position) values (:a, :pub, 0)",
        "insert into taste_recall (model_id, recall_at_10, queries, ef_search) "
        "values (:m, 1, 1, 100)",
    ):
        await session.execute(text(statement), params)
    return {"alice": alice, "bob": bob, "model": model.id, "public": public, "private": private}


async def count(session: AsyncSession, sql: str, **params: object) -> int:
    return int(await session.scalar(text(sql), params) or 0)


class TestOwnRows:
    @pytest.mark.parametrize(
        "table",
        ["taste_user_vectors", "taste_profiles", "taste_stations", "taste_station_tracks"],
    )
    async def test_only_the_owner_sees_them(
        self, session: AsyncSession, world: dict[str, uuid.UUID], table: str
    ) -> None:
        async with acting_as(session, world["alice"]):
            mine = await count(session, f"select count(*) from {table}")  # noqa: S608
        async with acting_as(session, world["bob"]):
            theirs = await count(session, f"select count(*) from {table}")  # noqa: S608
        assert (mine, theirs) == (1, 0)

    async def test_nobody_writes_anothers_taste(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session, world["bob"]):
            changed = await session.execute(
                text("update taste_user_vectors set weight = 99 where user_id = :a returning 1"),
                {"a": world["alice"]},
            )
            assert changed.all() == []
            with pytest.raises(DBAPIError):
                async with session.begin_nested():
                    await session.execute(
                        text("insert into taste_profiles (user_id) values (:a)"),
                        {"a": world["alice"]},
                    )

    async def test_nobody_adds_to_anothers_station(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        async with acting_as(session, world["bob"]):
            with pytest.raises(DBAPIError):
                async with session.begin_nested():
                    await session.execute(
                        text("insert into taste_station_tracks values (:a, :t, 1, now())"),
                        {"a": world["alice"], "t": world["private"]},
                    )


class TestTrackVectors:
    async def test_vectors_follow_the_tracks_visibility(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        sql = "select count(*) from taste_track_embeddings where model_id = :m"
        async with acting_as(session):
            anonymous = await count(session, sql, m=world["model"])
        async with acting_as(session, world["alice"]):
            owner = await count(session, sql, m=world["model"])
        assert (anonymous, owner) == (1, 2)

    async def test_only_admins_and_owners_write_vectors(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        update = text(
            "update taste_track_embeddings set updated_at = now() where track_id = :t "
            "returning track_id"
        )
        async with acting_as(session, world["bob"]):
            by_other = len((await session.execute(update, {"t": world["public"]})).all())
        async with acting_as(session, world["bob"], app_role="admin"):
            by_admin = len((await session.execute(update, {"t": world["public"]})).all())
        async with acting_as(session, world["alice"]):
            by_owner = len((await session.execute(update, {"t": world["public"]})).all())
        assert (by_other, by_admin, by_owner) == (0, 1, 1)


class TestJobsOnly:
    @pytest.mark.parametrize("table", ["taste_events", "taste_recall"])
    async def test_api_roles_cannot_read(
        self, session: AsyncSession, world: dict[str, uuid.UUID], table: str
    ) -> None:
        async with acting_as(session, world["alice"], app_role="admin"):
            with pytest.raises(DBAPIError):
                async with session.begin_nested():
                    await session.execute(text(f"select count(*) from {table}"))  # noqa: S608

    async def test_only_admins_register_models(
        self, session: AsyncSession, world: dict[str, uuid.UUID]
    ) -> None:
        register = "select taste_register_model('rls-new', '1', 8, '')"
        async with acting_as(session, world["bob"]):
            with pytest.raises(DBAPIError):
                async with session.begin_nested():
                    await session.execute(text(register))
            with pytest.raises(DBAPIError):
                async with session.begin_nested():
                    await session.execute(
                        text(
                            "insert into taste_embedding_models (name, version, dimension) "
                            "values ('sneaky', '1', 4)"
                        )
                    )
        async with acting_as(session, world["bob"], app_role="admin"):
            made = await session.scalar(text(register))
        assert made is not None
