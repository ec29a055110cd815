"""Row-level security on media tables, attacked directly in SQL."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession

from tests.media.factories import make_user
from tests.rls import acting_as

SHA = "ab" * 32


async def add_object(session: AsyncSession, owner: uuid.UUID, bucket: str, name: str) -> None:
    await session.execute(
        text(
            "insert into media_objects (bucket, path, owner_id, size, sha256, cid, content_type) "
            "values (:bucket, :path, :owner, 3, :sha, 'bafk', 'audio/wav')"
        ),
        {"bucket": bucket, "path": f"{owner}/{name}", "owner": owner, "sha": SHA},
    )


async def visible_paths(session: AsyncSession) -> set[str]:
    return set((await session.scalars(text("select path from media_objects"))).all())


class TestObjectPolicies:
    async def test_owner_sees_own_private_others_see_public_only(
        self, session: AsyncSession
    ) -> None:
        alice, bob = await make_user(session), await make_user(session)
        await add_object(session, alice, "project-audio", "private.wav")
        await add_object(session, alice, "ip-track-assets", "public.wav")
        async with acting_as(session, alice):
            assert await visible_paths(session) == {f"{alice}/private.wav", f"{alice}/public.wav"}
        async with acting_as(session, bob):
            assert await visible_paths(session) == {f"{alice}/public.wav"}
        async with acting_as(session):
            assert await visible_paths(session) == {f"{alice}/public.wav"}

    async def test_cannot_write_into_another_users_folder(self, session: AsyncSession) -> None:
        alice, bob = await make_user(session), await make_user(session)
        async with acting_as(session, bob):
            savepoint = await session.begin_nested()
            with pytest.raises(DBAPIError, match="row-level security"):
                await session.execute(
                    text(
                        "insert into media_objects (bucket, path, owner_id, size, sha256, cid, "
                        "content_type) values ('avatars', :path, :bob, 1, :sha, 'b', 'image/png')"
                    ),
                    {"path": f"{alice}/x.png", "bob": bob, "sha": SHA},
                )
            await savepoint.rollback()

    async def test_cannot_delete_or_move_others_objects(self, session: AsyncSession) -> None:
        alice, bob = await make_user(session), await make_user(session)
        await add_object(session, alice, "ip-track-assets", "a.wav")
        async with acting_as(session, bob):
            deleted = await session.execute(text("delete from media_objects"))
            moved = await session.execute(
                text("update media_objects set owner_id = :b"), {"b": bob}
            )
            assert deleted.rowcount == 0 and moved.rowcount == 0  # type: ignore[attr-defined]
        assert await visible_paths(session) == {f"{alice}/a.wav"}

    async def test_blobs_and_uploads_are_not_for_anonymous_callers(
        self, session: AsyncSession
    ) -> None:
        alice = await make_user(session)
        for who, table in ((alice, "media_blobs"), (None, "media_blobs"), (None, "media_uploads")):
            async with acting_as(session, who):
                savepoint = await session.begin_nested()
                with pytest.raises(ProgrammingError, match="permission denied"):
                    await session.execute(text(f"select * from {table}"))  # noqa: S608
                await savepoint.rollback()

    async def test_blob_refcount_follows_objects(self, session: AsyncSession) -> None:
        alice = await make_user(session)
        await add_object(session, alice, "ip-track-assets", "a.wav")
        await add_object(session, alice, "ip-track-assets", "b.wav")
        count = "select refcount from media_blobs where sha256 = :s"
        assert await session.scalar(text(count), {"s": SHA}) == 2
        await session.execute(text("delete from media_objects where path like '%a.wav'"))
        assert await session.scalar(text(count), {"s": SHA}) == 1
